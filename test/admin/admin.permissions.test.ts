/**
 * The operator's own permissions: POST/GET/DELETE /api/v1/admin/permissions (201, 409
 * permission_exists — a built-in name too —, 409 permission_in_use, 409 permission_protected, 404,
 * 400 for a malformed name), audited in the change's transaction; roles hold them like built-in
 * ones, and a change reaches the permissions resolved for a request within a second (on another
 * instance too: PostgreSQL + Redis pass).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, eventually, me, type Api } from './admin-helpers.js';

interface Permission {
  name: string;
  description: string | null;
  builtin: boolean;
}

describe('admin permissions API (PRODUCTS off, the default)', () => {
  let t: TestContext;
  let admin: TestUser;
  let as: Api;

  const catalogue = async (app: FastifyInstance = t.app) => (await api(app, admin.accessToken)('GET', '/admin/permissions')).json<{ items: Permission[] }>().items;
  const events = (type: 'permission.created' | 'permission.deleted') => t.services.audit.list({ userId: null, type }, { limit: 100, cursor: null }).then((p) => p.items);

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    as = api(t.app, admin.accessToken);
  });
  after(async () => {
    await t.close();
  });

  it('GET /permissions: only users:admin is built in while PRODUCTS is off', async () => {
    assert.deepEqual(await catalogue(), [{ name: 'users:admin', description: 'Manage users, roles, permissions, sessions, sign-in providers and the audit trail', builtin: true }]);
  });

  it('POST /permissions → 201 { name, description, builtin: false }; listed by name; audited permission.created', async () => {
    const res = await as('POST', '/admin/permissions', { name: 'invoices:read', description: 'Read invoices' });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), { name: 'invoices:read', description: 'Read invoices', builtin: false });
    const bare = await as('POST', '/admin/permissions', { name: 'invoices:approve' });
    assert.equal(bare.statusCode, 201, bare.body);
    assert.deepEqual(bare.json(), { name: 'invoices:approve', description: null, builtin: false });
    assert.deepEqual((await catalogue()).map((p) => [p.name, p.builtin]), [['invoices:approve', false], ['invoices:read', false], ['users:admin', true]]);
    const [event] = await events('permission.created');
    assert.deepEqual([event!.actorId, event!.data], [admin.id, { permission: 'invoices:approve' }]);
  });

  it('a taken name → 409 permission_exists, a built-in one too', async () => {
    await as('POST', '/admin/permissions', { name: 'reports:view' });
    expectProblem(await as('POST', '/admin/permissions', { name: 'reports:view' }), 409, 'permission_exists');
    const builtin = expectProblem(await as('POST', '/admin/permissions', { name: 'users:admin' }), 409, 'permission_exists');
    assert.match(builtin.detail ?? '', /built-in/);
  });

  it('a malformed name → 400 validation_error naming name; the products namespace is the module’s', async () => {
    for (const name of ['invoices', 'Invoices:read', 'in voices:read', 'a:b:c', ':read', 'invoices:', 'a:', `${'x'.repeat(60)}:read`, 'rechnungen:lesen✓']) {
      const res = await as('POST', '/admin/permissions', { name });
      const body = expectProblem(res, 400, 'validation_error');
      assert.ok(body.errors?.some((e) => e.field === 'name'), `${name}: ${res.body}`);
    }
    const reserved = expectProblem(await as('POST', '/admin/permissions', { name: 'products:export' }), 400, 'validation_error');
    assert.match(reserved.errors?.[0]?.message ?? '', /products module/);
    expectProblem(await as('POST', '/admin/permissions', { name: 'ok:fine', extra: 1 }), 400, 'validation_error');
    assert.equal((await as('POST', '/admin/permissions', { name: 'a:b' })).statusCode, 201, 'three characters are enough');
    assert.ok(!(await catalogue()).some((p) => p.name.startsWith('products:') || p.name === 'invoices'));
  });

  it('roles hold operator permissions; the admin role holds every one; an unknown one → 400', async () => {
    await as('POST', '/admin/permissions', { name: 'tickets:close' });
    const created = await as('POST', '/admin/roles', { name: 'support', permissions: ['tickets:close', 'users:admin'] });
    assert.equal(created.statusCode, 201, created.body);
    const unknown = expectProblem(await as('POST', '/admin/roles', { name: 'nope', permissions: ['tickets:open'] }), 400, 'validation_error');
    assert.deepEqual(unknown.errors, [{ field: 'permissions.0', message: 'unknown permission "tickets:open"' }]);
    const roles = (await as('GET', '/admin/roles')).json<{ items: { name: string; permissions: string[] }[] }>().items;
    assert.ok(roles.find((r) => r.name === 'admin')!.permissions.includes('tickets:close'));
    const holder = await userWithRoles(t.app, ['support'], 'support');
    assert.deepEqual((await me(t.app, holder.accessToken)).json().permissions, ['tickets:close', 'users:admin']);
  });

  it('DELETE: held by a role → 409 permission_in_use naming it; built-in → 409 permission_protected; unknown → 404; else 204, audited', async () => {
    await as('POST', '/admin/permissions', { name: 'exports:run' });
    assert.equal((await as('POST', '/admin/roles', { name: 'exporter', permissions: ['exports:run'] })).statusCode, 201);
    const inUse = expectProblem(await as('DELETE', '/admin/permissions/exports:run'), 409, 'permission_in_use');
    assert.match(inUse.detail ?? '', /exporter/);
    expectProblem(await as('DELETE', '/admin/permissions/users:admin'), 409, 'permission_protected');
    expectProblem(await as('DELETE', '/admin/permissions/nothing:here'), 404, 'not_found');
    expectProblem(await as('DELETE', '/admin/permissions/products:read'), 404, 'not_found');
    assert.equal((await as('PATCH', '/admin/roles/exporter', { permissions: [] })).statusCode, 200);
    const deleted = await as('DELETE', '/admin/permissions/exports:run');
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.ok(!(await catalogue()).some((p) => p.name === 'exports:run'));
    assert.deepEqual((await events('permission.deleted'))[0]?.data, { permission: 'exports:run' });
    expectProblem(await as('PATCH', '/admin/roles/exporter', { permissions: ['exports:run'] }), 400, 'validation_error');
  });

  it('a new permission given to a role reaches its holders within a second', async () => {
    const holder = await userWithRoles(t.app, ['user'], 'holder');
    assert.equal((await as('POST', '/admin/roles', { name: 'reader', permissions: [] })).statusCode, 201);
    assert.equal((await as('PATCH', `/admin/users/${holder.id}`, { roles: ['user', 'reader'] })).statusCode, 200);
    assert.deepEqual((await me(t.app, holder.accessToken)).json().permissions, []);
    assert.equal((await as('POST', '/admin/permissions', { name: 'wiki:edit' })).statusCode, 201);
    assert.equal((await as('PATCH', '/admin/roles/reader', { permissions: ['wiki:edit'] })).statusCode, 200);
    await eventually('the holder has wiki:edit', async () => (await me(t.app, holder.accessToken)).json().permissions.includes('wiki:edit'), 1000);
  });

  it('a permission added behind a warm cache (as by another instance) is in the catalogue within a second', async () => {
    assert.ok(!(await catalogue()).some((p) => p.name === 'behind:cache'), 'the catalogue is cached now');
    await t.services.database.db.insertInto('permissions').values({ name: 'behind:cache', description: null, created_at: new Date() }).execute();
    await eventually('behind:cache listed', async () => (await catalogue()).some((p) => p.name === 'behind:cache'), 1200);
  });

  it('only admins: anonymous 401, a user 403', async () => {
    const user = await userWithRoles(t.app, ['user'], 'plain');
    expectProblem(await api(t.app, null)('POST', '/admin/permissions', { name: 'x:y' }), 401, 'unauthorized');
    expectProblem(await api(t.app, user.accessToken)('POST', '/admin/permissions', { name: 'x:y' }), 403, 'forbidden');
    expectProblem(await api(t.app, user.accessToken)('GET', '/admin/permissions'), 403, 'forbidden');
    expectProblem(await api(t.app, user.accessToken)('DELETE', '/admin/permissions/x:y'), 403, 'forbidden');
  });
});

const multiInstance = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);

describe('operator permissions across instances', { skip: multiInstance ? false : 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let t: TestContext;
  let b: FastifyInstance;
  let admin: TestUser;

  before(async () => {
    t = await buildTestContext();
    b = await t.startInstance();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    await t.close();
  });

  it('a permission created and granted on one instance is seen by the other within a second', async () => {
    const holder = await userWithRoles(t.app, ['user'], 'holder');
    const onA = api(t.app, admin.accessToken);
    const onB = api(b, admin.accessToken);
    assert.equal((await onA('POST', '/admin/roles', { name: 'billing', permissions: [] })).statusCode, 201);
    assert.equal((await onA('PATCH', `/admin/users/${holder.id}`, { roles: ['user', 'billing'] })).statusCode, 200);
    // B's caches are warm: its catalogue and its role grants are read now
    assert.ok(!(await onB('GET', '/admin/permissions')).json<{ items: Permission[] }>().items.some((p) => p.name === 'billing:pay'));
    assert.deepEqual((await me(b, holder.accessToken)).json().permissions, []);

    assert.equal((await onA('POST', '/admin/permissions', { name: 'billing:pay' })).statusCode, 201);
    await eventually('B lists billing:pay', async () => (await onB('GET', '/admin/permissions')).json<{ items: Permission[] }>().items.some((p) => p.name === 'billing:pay'), 1200);
    assert.equal((await onA('PATCH', '/admin/roles/billing', { permissions: ['billing:pay'] })).statusCode, 200);
    await eventually('B grants billing:pay', async () => (await me(b, holder.accessToken)).json().permissions.includes('billing:pay'), 1200);
    // and a role on B may hold it at once
    assert.equal((await onB('POST', '/admin/roles', { name: 'payer', permissions: ['billing:pay'] })).statusCode, 201);
  });
});
