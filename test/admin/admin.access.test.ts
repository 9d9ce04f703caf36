/**
 * Every admin endpoint requires users:admin: anonymous 401 (with WWW-Authenticate), others 403,
 * and the guard runs before validation (401 → 403 → 400). Access follows the permission, not the
 * role's name.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { api } from './admin-helpers.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

describe('admin API access', () => {
  let t: TestContext;
  let admin: TestUser;
  let buyer: TestUser;
  let seller: TestUser;
  let endpoints: [Method, string, unknown?][];

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    buyer = await userWithRoles(t.app, ['buyer'], 'buyer');
    seller = await userWithRoles(t.app, ['seller'], 'seller');
    const id = buyer.id;
    endpoints = [
      ['GET', '/admin/users'],
      ['POST', '/admin/users', { email: 'new-user@example.com', password: 'Correct-Horse-Battery-42' }],
      ['GET', `/admin/users/${id}`],
      ['PATCH', `/admin/users/${id}`, { name: 'x' }],
      ['DELETE', `/admin/users/${id}`],
      ['GET', `/admin/users/${id}/sessions`],
      ['DELETE', `/admin/users/${id}/sessions`],
      ['DELETE', `/admin/users/${id}/sessions/${randomUUID()}`],
      ['POST', `/admin/users/${id}/verification-email`],
      ['GET', '/admin/audit'],
      ['GET', '/admin/permissions'],
      ['POST', '/admin/permissions', { name: 'invoices:read' }],
      ['DELETE', '/admin/permissions/invoices:read'],
      ['GET', '/admin/roles'],
      ['POST', '/admin/roles', { name: 'editor', permissions: [] }],
      ['PATCH', '/admin/roles/seller', { description: 'x' }],
      ['DELETE', '/admin/roles/seller'],
    ];
  });
  after(async () => {
    await t.close();
  });

  it('anonymous callers get 401 unauthorized with WWW-Authenticate on every endpoint', async () => {
    for (const [method, url, payload] of endpoints) {
      const res = await api(t.app, null)(method, url, payload);
      assert.equal(res.statusCode, 401, `${method} ${url}`);
      assert.equal(res.json().code, 'unauthorized', `${method} ${url}`);
      assert.equal(res.headers['www-authenticate'], 'Bearer', `${method} ${url}`);
    }
  });

  it('signed-in users without users:admin get 403 forbidden on every endpoint, and nothing changes', async () => {
    for (const user of [buyer, seller]) {
      for (const [method, url, payload] of endpoints) {
        const res = await api(t.app, user.accessToken)(method, url, payload);
        assert.equal(res.statusCode, 403, `${user.roles[0]} ${method} ${url}`);
        assert.equal(res.json().code, 'forbidden');
      }
    }
    const still = await api(t.app, admin.accessToken)('GET', `/admin/users/${buyer.id}`);
    assert.equal(still.statusCode, 200, 'the DELETE attempts did not delete the buyer');
    const roles = (await api(t.app, admin.accessToken)('GET', '/admin/roles')).json().items.map((r: { name: string }) => r.name);
    assert.deepEqual(roles, ['admin', 'buyer', 'seller', 'user'], 'no role was created or deleted');
  });

  it('the guard runs before validation: invalid input still gets 401 / 403, and 400 only for an admin', async () => {
    const bad: [Method, string, unknown?][] = [
      ['GET', '/admin/users/not-a-uuid'],
      ['GET', '/admin/users?limit=0'],
      ['POST', '/admin/users', { email: 42, smuggled: true }],
      ['PATCH', `/admin/users/${randomUUID()}`, { roles: 'admin' }],
      ['PATCH', `/admin/users/${randomUUID()}`, { email: 42 }],
      ['DELETE', `/admin/users/${randomUUID()}/sessions/not-a-uuid`],
      ['POST', '/admin/users/not-a-uuid/verification-email'],
      ['GET', '/admin/audit?type=bogus'],
      ['POST', '/admin/roles', { name: 'NO SPACES' }],
      ['PATCH', '/admin/roles/seller', { description: 42 }],
      ['POST', '/admin/permissions', { name: 'no-colon' }],
    ];
    for (const [method, url, payload] of bad) {
      assert.equal((await api(t.app, null)(method, url, payload)).statusCode, 401, `anonymous ${method} ${url}`);
      assert.equal((await api(t.app, buyer.accessToken)(method, url, payload)).statusCode, 403, `buyer ${method} ${url}`);
      const asAdmin = await api(t.app, admin.accessToken)(method, url, payload);
      assert.equal(asAdmin.statusCode, 400, `admin ${method} ${url}: ${asAdmin.body}`);
      assert.equal(asAdmin.json().code, 'validation_error');
    }
  });

  it('a malformed token is 401, not 403', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: { authorization: 'Bearer not.a.jwt' } });
    assert.equal(res.statusCode, 401);
  });

  it('access follows the users:admin permission, whatever the role is called', async () => {
    const created = await api(t.app, admin.accessToken)('POST', '/admin/roles', { name: 'support', permissions: ['users:admin'] });
    assert.equal(created.statusCode, 201, created.body);
    const support = await userWithRoles(t.app, ['support'], 'support');
    const res = await api(t.app, support.accessToken)('GET', '/admin/users');
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().items.some((u: { id: string }) => u.id === admin.id));
  });

  it('the admin endpoints are in the OpenAPI document, with their request schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of ['/api/v1/admin/users', '/api/v1/admin/users/{id}', '/api/v1/admin/users/{id}/sessions', '/api/v1/admin/users/{id}/sessions/{session_id}', '/api/v1/admin/users/{id}/verification-email', '/api/v1/admin/audit', '/api/v1/admin/permissions', '/api/v1/admin/permissions/{name}', '/api/v1/admin/roles', '/api/v1/admin/roles/{name}']) {
      assert.ok(doc.paths[path], `${path} documented`);
    }
    const createUser = doc.paths['/api/v1/admin/users'].post.requestBody.content['application/json'].schema;
    assert.deepEqual(Object.keys(createUser.properties).sort(), ['email', 'name', 'password', 'roles', 'username']);
    assert.equal(createUser.additionalProperties, false);
  });
});
