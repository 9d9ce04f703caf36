import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, login, PASSWORD, register, uniqueEmail, userWithRoles } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

describe('DELETE /api/v1/auth/account', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('needs the password: wrong → 403 invalid_password, missing → 400 validation_error; account kept', async () => {
    const u = await register(t.app);
    const wrong = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(u.accessToken), payload: { password: 'Not-The-Password-1' } });
    assert.equal(wrong.statusCode, 403);
    assert.equal(wrong.json().code, 'invalid_password');
    for (const payload of [undefined, {}]) {
      const missing = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(u.accessToken), ...(payload ? { payload } : {}) });
      assert.equal(missing.statusCode, 400, missing.body);
      assert.equal(missing.json().code, 'validation_error');
      assert.deepEqual(missing.json().errors, [{ field: 'password', message: 'is required' }]);
    }
    assert.equal((await login(t.app, u.email)).statusCode, 200);
  });

  it('deletes the account: tokens stop working, login fails, audit rows stay', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(u.accessToken), payload: { password: PASSWORD } });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u.accessToken) })).statusCode, 401);
    assert.equal((await login(t.app, u.email)).json().code, 'invalid_credentials');
    const refresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: u.refreshToken } });
    assert.equal(refresh.json().code, 'invalid_refresh_token');
    const events = await t.services.audit.list({ userId: u.id, type: null }, { limit: 50, cursor: null }).then((p) => p.items);
    assert.ok(events.some((e) => e.type === 'user.deleted' && e.actorId === u.id));
    assert.ok(events.some((e) => e.type === 'user.created'));
  });

  it('a password-less account needs a fresh session (younger than 10 minutes)', async () => {
    const email = uniqueEmail('nopw');
    const created = await t.services.users.createByAdmin(systemContext, { email, password: null });
    assert.equal(created.passwordHash, null);
    // no password to sign in with: start a session through the service, as OAuth sign-in will
    const session = await t.services.database.db.transaction().execute((tx) => t.services.sessions.create(tx, { userId: created.id, ip: null, userAgent: null }));
    const { token } = await t.services.keys.sign({ sub: created.id, sid: session.sessionId, roles: created.roles });
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(token) });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(await t.services.users.findById(t.services.database.db, created.id), null);
  });

  it('the last active admin cannot delete themselves (409 last_admin)', async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(admin.accessToken), payload: { password: PASSWORD } });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().code, 'last_admin');
  });
});
