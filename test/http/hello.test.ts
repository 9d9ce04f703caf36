/**
 * GET /api/v1/hello (docs/api.md): any signed-in user gets { message: 'hello world', user_id }.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, register, userWithRoles } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

describe('GET /api/v1/hello', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  it('greets any signed-in user with their id', async () => {
    const buyer = await register(t.app);
    const seller = await userWithRoles(t.app, ['seller'], 'seller');
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    for (const u of [buyer, seller, admin]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/hello', headers: bearer(u.accessToken) });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), { message: 'hello world', user_id: u.id });
    }
  });

  it('401 unauthorized with WWW-Authenticate without a valid token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/hello' });
    expectProblem(res, 401, 'unauthorized');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    const u = await register(t.app);
    await t.services.users.updateByAdmin(systemContext, u.id, { disabled: true });
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/hello', headers: bearer(u.accessToken) }), 401, 'unauthorized');
  });
});
