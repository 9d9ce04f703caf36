/**
 * PATCH {} answers the same everywhere (#16): 200 with the resource as it is, nothing changed and
 * nothing audited (admin users and roles answered 400 before, /me and products 200). And a role
 * created without a description has none: `null`, not "".
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, type Api } from './admin-helpers.js';

describe('PATCH {} and empty descriptions', () => {
  let t: TestContext;
  let admin: TestUser;
  let as: Api;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    as = api(t.app, admin.accessToken);
  });
  after(async () => {
    await t.close();
  });
  const eventCount = async () => (await t.services.audit.list({ userId: null, type: null }, { limit: 100, cursor: null })).items.length;

  it('admin users, roles, /me and products: 200 and unchanged, no audit event', async () => {
    const seller = await userWithRoles(t.app, ['seller'], 'seller');
    const product = (await t.app.inject({ method: 'POST', url: '/api/v1/products', headers: bearer(seller.accessToken), payload: { title: 'Lamp', price: '10.00', currency: 'EUR' } })).json();
    const before = await eventCount();

    const user = await as('PATCH', `/admin/users/${seller.id}`, {});
    assert.equal(user.statusCode, 200, user.body);
    assert.deepEqual(user.json(), (await as('GET', `/admin/users/${seller.id}`)).json());

    const role = await as('PATCH', '/admin/roles/seller', {});
    assert.equal(role.statusCode, 200, role.body);
    assert.deepEqual(role.json().permissions, ['products:read', 'products:write']);
    assert.equal((await as('PATCH', '/admin/roles/no-such-role', {})).statusCode, 404);

    const me = await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: bearer(seller.accessToken), payload: {} });
    assert.equal(me.statusCode, 200, me.body);
    const same = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${product.id}`, headers: bearer(seller.accessToken), payload: {} });
    assert.equal(same.statusCode, 200, same.body);
    assert.equal(same.json().updated_at, product.updated_at);

    assert.equal(await eventCount(), before, 'nothing recorded');
  });

  it('a role created without a description answers null, and keeps it through other changes', async () => {
    const created = await as('POST', '/admin/roles', { name: 'editor', permissions: ['products:read'] });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().description, null);
    const listed = (await as('GET', '/admin/roles')).json().items.find((r: { name: string }) => r.name === 'editor');
    assert.equal(listed.description, null);
    const patched = await as('PATCH', '/admin/roles/editor', { permissions: ['products:read', 'products:write'] });
    assert.equal(patched.json().description, null);
    const described = await as('PATCH', '/admin/roles/editor', { description: 'Edits products' });
    assert.equal(described.json().description, 'Edits products');
    const cleared = await as('PATCH', '/admin/roles/editor', { description: null });
    assert.equal(cleared.json().description, null);
  });
});
