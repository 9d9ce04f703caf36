/**
 * POST /auth/password (docs/api.md): a wrong current_password is 403 invalid_password — never 401,
 * which would make clients drop a valid token; a weak new password is 422; success answers a token
 * response for a fresh session and revokes every other (older) session of the user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, cookieOf, expectProblem, login, me, OTHER_PASSWORD, PASSWORD, refresh, register, signIn, WRONG_PASSWORD } from '../helpers/factories.js';

describe('POST /auth/password', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });
  const change = (token: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token), payload });

  it('a wrong current_password → 403 invalid_password (not 401); the token keeps working, the password is unchanged', async () => {
    const u = await register(t.app);
    const res = await change(u.accessToken, { current_password: WRONG_PASSWORD, new_password: OTHER_PASSWORD });
    expectProblem(res, 403, 'invalid_password');
    assert.equal(res.headers['www-authenticate'], undefined);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
    assert.equal((await login(t.app, u.email, OTHER_PASSWORD)).statusCode, 401);
  });

  it('a missing current_password for an account with a password → 400 validation_error (missing, not wrong), nothing changes', async () => {
    const u = await register(t.app);
    const res = await change(u.accessToken, { new_password: OTHER_PASSWORD });
    const body = expectProblem(res, 400, 'validation_error');
    assert.deepEqual(body.errors, [{ field: 'current_password', message: 'is required' }]);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
    assert.equal((await login(t.app, u.email, OTHER_PASSWORD)).statusCode, 401);
  });

  it('a weak or too short new password → 422 weak_password', async () => {
    const u = await register(t.app);
    expectProblem(await change(u.accessToken, { current_password: PASSWORD, new_password: 'password1' }), 422, 'weak_password');
    expectProblem(await change(u.accessToken, { current_password: PASSWORD, new_password: 'Zq7#vK2' }), 422, 'weak_password');
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
  });

  it('success: 200 token response; every old session ends; the new token works; only the new password signs in', async () => {
    const u = await register(t.app);
    const other = await signIn(t.app, u.email);
    const res = await change(u.accessToken, { current_password: PASSWORD, new_password: OTHER_PASSWORD });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.user.id, u.id);
    assert.equal(cookieOf(res)?.value, body.refresh_token, 'the new refresh cookie');

    for (const token of [u.accessToken, other.access_token]) expectProblem(await me(t.app, token), 401, 'unauthorized');
    for (const token of [u.refreshToken, other.refresh_token]) expectProblem(await refresh(t.app, { refresh_token: token }), 401, 'invalid_refresh_token');
    assert.equal((await me(t.app, body.access_token)).statusCode, 200);
    assert.equal((await refresh(t.app, { refresh_token: body.refresh_token })).statusCode, 200);
    assert.equal((await t.services.sessions.listLive(u.id)).length, 1, 'only the fresh session');

    expectProblem(await login(t.app, u.email, PASSWORD), 401, 'invalid_credentials');
    assert.equal((await login(t.app, u.email, OTHER_PASSWORD)).statusCode, 200);
    const events = await t.services.audit.list({ userId: u.id, type: 'password.changed' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 1);
  });

  it('a password-less user may omit current_password', async () => {
    const u = await register(t.app);
    await t.services.database.db.updateTable('users').set({ password_hash: null }).where('id', '=', u.id).execute();
    const res = await change(u.accessToken, { new_password: OTHER_PASSWORD });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().user.has_password, true);
    assert.equal((await login(t.app, u.email, OTHER_PASSWORD)).statusCode, 200);
  });

  it('needs a bearer token (401) and a valid body (400)', async () => {
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', payload: { current_password: PASSWORD, new_password: OTHER_PASSWORD } });
    expectProblem(anonymous, 401, 'unauthorized');
    const u = await register(t.app);
    const missing = expectProblem(await change(u.accessToken, { current_password: PASSWORD }), 400, 'validation_error');
    assert.ok(missing.errors?.some((e) => e.field === 'new_password'));
    expectProblem(await change(u.accessToken, { current_password: PASSWORD, new_password: OTHER_PASSWORD, email: 'x@example.com' }), 400, 'validation_error');
  });
});
