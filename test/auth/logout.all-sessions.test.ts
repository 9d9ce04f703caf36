/**
 * POST /auth/logout-all (docs/api.md): with a bearer token, revokes every session of the user — every
 * access and refresh token stops at once — and no one else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, clearsCookie, expectProblem, me, refresh, register, signIn } from '../helpers/factories.js';

describe('POST /auth/logout-all', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });
  const logoutAll = (headers: Record<string, string>) => t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers });

  it("204; every session's access and refresh tokens → 401 at once; other users untouched", async () => {
    const u = await register(t.app);
    const s2 = await signIn(t.app, u.email);
    const s3 = await signIn(t.app, u.email);
    const bystander = await register(t.app);
    for (const token of [u.accessToken, s2.access_token, s3.access_token]) assert.equal((await me(t.app, token)).statusCode, 200);

    const res = await logoutAll(bearer(s2.access_token));
    assert.equal(res.statusCode, 204);
    assert.ok(clearsCookie(res), 'the caller’s cookie is cleared');
    for (const token of [u.accessToken, s2.access_token, s3.access_token]) expectProblem(await me(t.app, token), 401, 'unauthorized');
    for (const token of [u.refreshToken, s2.refresh_token, s3.refresh_token]) {
      expectProblem(await refresh(t.app, { refresh_token: token }), 401, 'invalid_refresh_token');
    }
    assert.deepEqual(await t.services.sessions.listLive(u.id), []);
    assert.equal((await me(t.app, bystander.accessToken)).statusCode, 200);
    assert.equal((await signIn(t.app, u.email)).user.id, u.id, 'the user can sign in again');
  });

  it('needs a bearer token: none or only the refresh cookie → 401 unauthorized with WWW-Authenticate', async () => {
    const u = await register(t.app);
    const none = await logoutAll({});
    expectProblem(none, 401, 'unauthorized');
    assert.equal(none.headers['www-authenticate'], 'Bearer');
    expectProblem(await logoutAll({ cookie: `refresh_token=${u.refreshToken}` }), 401, 'unauthorized');
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
  });
});
