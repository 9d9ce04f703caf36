/**
 * /api/v1/admin/permissions and /roles: the catalogue, role CRUD with its conflicts (role_exists,
 * role_in_use, role_protected), validation, audit events, and role changes taking effect within a
 * second.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, eventually, me, type Api } from './admin-helpers.js';

interface Role {
  name: string;
  description: string;
  permissions: string[];
}

describe('admin roles and permissions', () => {
  let t: TestContext;
  let admin: TestUser;
  let as: Api;

  const roleEvents = async (type: 'role.created' | 'role.updated' | 'role.deleted') =>
    t.services.audit.list({ userId: null, type }, { limit: 100, cursor: null }).then((p) => p.items);
  const roles = async () => (await as('GET', '/admin/roles')).json<{ items: Role[] }>().items;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    as = api(t.app, admin.accessToken);
  });
  after(async () => {
    await t.close();
  });

  it('GET /permissions returns the built-in catalogue (PRODUCTS=on: with the products permissions)', async () => {
    const res = await as('GET', '/admin/permissions');
    assert.equal(res.statusCode, 200);
    const items = res.json<{ items: { name: string; description: string; builtin: boolean }[] }>().items;
    assert.deepEqual(items.map((p) => p.name), ['products:read', 'products:write', 'products:write:any', 'users:admin']);
    assert.ok(items.every((p) => typeof p.description === 'string' && p.description.length > 0 && p.builtin === true));
    assert.deepEqual(Object.keys(items[0]!).sort(), ['builtin', 'description', 'name']);
  });

  it('GET /roles lists the seeded roles; admin holds every permission', async () => {
    const res = await as('GET', '/admin/roles');
    assert.equal(res.statusCode, 200);
    const byName = Object.fromEntries(res.json<{ items: Role[] }>().items.map((r) => [r.name, r]));
    assert.deepEqual(byName.admin?.permissions, ['products:read', 'products:write', 'products:write:any', 'users:admin']);
    assert.deepEqual(byName.seller?.permissions, ['products:read', 'products:write']);
    assert.deepEqual(byName.buyer?.permissions, ['products:read']);
    assert.deepEqual(Object.keys(byName.buyer!).sort(), ['description', 'name', 'permissions']);
  });

  describe('POST /roles', () => {
    it('creates a role (201), description null when none is given, duplicate permissions collapse; records role.created', async () => {
      const res = await as('POST', '/admin/roles', { name: 'editor_1', permissions: ['products:read', 'products:write:any', 'products:read'] });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json(), { name: 'editor_1', description: null, permissions: ['products:read', 'products:write:any'] });
      assert.ok((await roles()).some((r) => r.name === 'editor_1'));
      const event = (await roleEvents('role.created')).find((e) => e.data.role === 'editor_1');
      assert.ok(event);
      assert.equal(event.actorId, admin.id);
      assert.equal(event.userId, null);
      assert.deepEqual(event.data.permissions, ['products:read', 'products:write:any']);
      const bare = await as('POST', '/admin/roles', { name: 'bare', description: 'No permissions yet' });
      assert.equal(bare.statusCode, 201, bare.body);
      assert.deepEqual(bare.json(), { name: 'bare', description: 'No permissions yet', permissions: [] });
    });

    it('a duplicate name → 409 role_exists', async () => {
      const res = await as('POST', '/admin/roles', { name: 'seller', permissions: [] });
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'role_exists');
    });

    it('validates: name pattern, unknown permissions (permissions.N), strict body', async () => {
      for (const name of ['a', 'Upper', 'has space', 'x'.repeat(33), 'dot.ted', '']) {
        const res = await as('POST', '/admin/roles', { name, permissions: [] });
        assert.equal(res.statusCode, 400, name);
        assert.equal(res.json().errors[0].field, 'name', name);
      }
      const unknown = await as('POST', '/admin/roles', { name: 'wizard', permissions: ['products:read', 'magic:cast'] });
      assert.equal(unknown.statusCode, 400);
      assert.deepEqual(unknown.json().errors, [{ field: 'permissions.1', message: 'unknown permission "magic:cast"' }]);
      const stray = await as('POST', '/admin/roles', { name: 'wizard', permissions: [], level: 9 });
      assert.deepEqual(stray.json().errors, [{ field: 'level', message: 'is not allowed' }]);
      const typed = await as('POST', '/admin/roles', { name: 'wizard', permissions: 'products:read' });
      assert.equal(typed.json().errors[0].field, 'permissions');
      assert.ok(!(await roles()).some((r) => r.name === 'wizard'), 'nothing created');
    });
  });

  describe('PATCH /roles/{name}', () => {
    it('changes description and permissions; records role.updated', async () => {
      assert.equal((await as('POST', '/admin/roles', { name: 'moderator', description: 'old', permissions: ['products:read'] })).statusCode, 201);
      const res = await as('PATCH', '/admin/roles/moderator', { description: 'Moderates products', permissions: ['products:read', 'products:write:any'] });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), { name: 'moderator', description: 'Moderates products', permissions: ['products:read', 'products:write:any'] });
      const onlyDescription = await as('PATCH', '/admin/roles/moderator', { description: 'Still moderates' });
      assert.deepEqual(onlyDescription.json().permissions, ['products:read', 'products:write:any'], 'permissions kept');
      const events = (await roleEvents('role.updated')).filter((e) => e.data.role === 'moderator');
      assert.equal(events.length, 2);
      assert.ok(events.some((e) => JSON.stringify(e.data.permissions) === JSON.stringify(['products:read', 'products:write:any'])));
      assert.ok(events.every((e) => e.actorId === admin.id));
    });

    it('unknown role 404 (a name no role can have too); admin 409 role_protected; unknown permission 400; empty body 200 unchanged', async () => {
      const unknown = await as('PATCH', '/admin/roles/nobody', { description: 'x' });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'not_found');
      const prot = await as('PATCH', '/admin/roles/admin', { permissions: ['products:read'] });
      assert.equal(prot.statusCode, 409);
      assert.equal(prot.json().code, 'role_protected');
      const badName = await as('PATCH', '/admin/roles/NOT_OK', { description: 'x' });
      assert.equal(badName.statusCode, 404, 'outside the name pattern: no such role');
      const badPerm = await as('PATCH', '/admin/roles/seller', { permissions: ['nope'] });
      assert.deepEqual(badPerm.json().errors, [{ field: 'permissions.0', message: 'unknown permission "nope"' }]);
      const unchanged = await as('PATCH', '/admin/roles/seller', {});
      assert.equal(unchanged.statusCode, 200);
      assert.deepEqual(unchanged.json().permissions, ['products:read', 'products:write']);
      assert.deepEqual((await roles()).find((r) => r.name === 'admin')?.permissions, ['products:read', 'products:write', 'products:write:any', 'users:admin']);
    });
  });

  describe('DELETE /roles/{name}', () => {
    it('deletes an unused role (204); records role.deleted', async () => {
      assert.equal((await as('POST', '/admin/roles', { name: 'temp-role', permissions: [] })).statusCode, 201);
      const res = await as('DELETE', '/admin/roles/temp-role');
      assert.equal(res.statusCode, 204);
      assert.ok(!(await roles()).some((r) => r.name === 'temp-role'));
      const event = (await roleEvents('role.deleted')).find((e) => e.data.role === 'temp-role');
      assert.equal(event?.actorId, admin.id);
      assert.equal((await as('DELETE', '/admin/roles/temp-role')).statusCode, 404);
    });

    it('a role still held by users → 409 role_in_use saying so; deletable once nobody holds it', async () => {
      assert.equal((await as('POST', '/admin/roles', { name: 'held', permissions: ['products:read'] })).statusCode, 201);
      const holder = await userWithRoles(t.app, ['held'], 'holder');
      const res = await as('DELETE', '/admin/roles/held');
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'role_in_use');
      assert.match(res.json().detail, /held by 1 user/);
      assert.equal((await as('PATCH', `/admin/users/${holder.id}`, { roles: ['buyer'] })).statusCode, 200);
      assert.equal((await as('DELETE', '/admin/roles/held')).statusCode, 204);
    });

    it('DEFAULT_ROLE → 409 role_in_use (detail names DEFAULT_ROLE); admin → 409 role_protected; unknown name 404', async () => {
      const buyer = await as('DELETE', '/admin/roles/buyer');
      assert.equal(buyer.statusCode, 409);
      assert.equal(buyer.json().code, 'role_in_use');
      assert.match(buyer.json().detail, /DEFAULT_ROLE/);
      const adminRole = await as('DELETE', '/admin/roles/admin');
      assert.equal(adminRole.statusCode, 409);
      assert.equal(adminRole.json().code, 'role_protected');
      assert.equal((await as('DELETE', '/admin/roles/x')).statusCode, 404, 'one character is below the pattern: no such role');
      const names = (await roles()).map((r) => r.name);
      assert.ok(names.includes('buyer') && names.includes('admin'));
    });
  });

  it('a role deleted behind a warm role cache (another instance, within its second) → 400, never a 500', async () => {
    assert.equal((await as('POST', '/admin/roles', { name: 'fleeting', permissions: ['products:read'] })).statusCode, 201);
    const u = await userWithRoles(t.app, ['buyer'], 'fleeting');
    assert.deepEqual(await t.services.roles.unknownRoles(['fleeting']), [], 'this instance has the role cached');
    // as another instance would: gone from the database, this instance's cache not yet evicted
    await t.services.database.db.deleteFrom('roles').where('name', '=', 'fleeting').execute();
    const patched = await as('PATCH', `/admin/users/${u.id}`, { roles: ['buyer', 'fleeting'] });
    assert.equal(patched.statusCode, 400, patched.body);
    assert.deepEqual(patched.json().errors, [{ field: 'roles.1', message: 'unknown role "fleeting"' }]);
    const created = await as('POST', '/admin/users', { email: `fleeting-${Date.now()}@example.com`, password: 'Correct-Horse-Battery-42', roles: ['fleeting'] });
    assert.equal(created.statusCode, 400, created.body);
    assert.deepEqual(created.json().errors, [{ field: 'roles.0', message: 'unknown role "fleeting"' }]);
    assert.deepEqual((await as('GET', `/admin/users/${u.id}`)).json().roles, ['buyer']);
  });

  it('a role given to a user grants its permissions at once', async () => {
    assert.equal((await as('POST', '/admin/roles', { name: 'curator', permissions: ['products:write:any'] })).statusCode, 201);
    const u = await userWithRoles(t.app, ['buyer'], 'curated');
    assert.equal((await as('PATCH', `/admin/users/${u.id}`, { roles: ['buyer', 'curator'] })).statusCode, 200);
    const perms = (await me(t.app, u.accessToken)).json().permissions;
    assert.deepEqual(perms, ['products:read', 'products:write:any']);
  });

  it('PATCH /roles/seller removing products:write: a seller loses it within a second', async (ctx) => {
    const seller = await userWithRoles(t.app, ['seller'], 'seller');
    const product = { title: 'Desk lamp', price: '19.99', currency: 'EUR' };
    const createProduct = () => t.app.inject({ method: 'POST', url: '/api/v1/products', headers: bearer(seller.accessToken), payload: product });
    const productsLive = (await createProduct()).statusCode !== 404;
    if (!productsLive) ctx.diagnostic('POST /api/v1/products is not implemented yet: checking the effect through /auth/me permissions only');
    assert.ok((await me(t.app, seller.accessToken)).json().permissions.includes('products:write'));

    const res = await as('PATCH', '/admin/roles/seller', { permissions: ['products:read'] });
    assert.equal(res.statusCode, 200, res.body);
    try {
      const ms = await eventually(
        'seller loses products:write',
        async () => !(await me(t.app, seller.accessToken)).json().permissions.includes('products:write'),
        2000,
      );
      assert.ok(ms <= 1000, `took ${ms} ms`);
      if (productsLive) await eventually('POST /products answers 403', async () => (await createProduct()).statusCode === 403, 2000);
    } finally {
      const restored = await as('PATCH', '/admin/roles/seller', { permissions: ['products:read', 'products:write'] });
      assert.equal(restored.statusCode, 200);
    }
    await eventually('seller regains products:write', async () => (await me(t.app, seller.accessToken)).json().permissions.includes('products:write'));
  });
});
