/**
 * POST /auth/logout (docs/api.md): ends the current session — the one of the bearer token, else the
 * one of the refresh cookie — effective at once on this instance, clears the cookie, and answers
 * 204 also with no or an unknown cookie.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, clearsCookie, expectProblem, me, refresh, register, signIn } from '../helpers/factories.js';

describe('POST /auth/logout', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });
  const logout = (headers: Record<string, string> = {}, payload?: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers, ...(payload === undefined ? {} : { payload }) });

  it("by bearer: 204, that session's access and refresh tokens stop at once (even if just cached), the cookie is cleared", async () => {
    const u = await register(t.app);
    const other = await signIn(t.app, u.email);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'the session state is now cached');
    const res = await logout(bearer(u.accessToken));
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    assert.ok(clearsCookie(res), `cookie cleared: ${String(res.headers['set-cookie'])}`);
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'invalid_refresh_token');
    assert.equal((await me(t.app, other.access_token)).statusCode, 200, 'the other session lives');
  });

  it('by refresh cookie alone: 204 and that session is revoked', async () => {
    const u = await register(t.app);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
    const res = await logout({ cookie: `refresh_token=${u.refreshToken}` });
    assert.equal(res.statusCode, 204);
    assert.ok(clearsCookie(res));
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'invalid_refresh_token');
  });

  it('an empty body is accepted, JSON or text/plain', async () => {
    for (const type of ['application/json', 'text/plain;charset=UTF-8']) {
      const u = await register(t.app);
      const res = await logout({ ...bearer(u.accessToken), 'content-type': type }, '');
      assert.equal(res.statusCode, 204, `${type}: ${res.body}`);
      expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    }
  });

  it('no cookie, an unknown or malformed cookie, an already revoked token: still 204, cookie cleared', async () => {
    const u = await register(t.app);
    for (const headers of <Record<string, string>[]>[{}, { cookie: 'refresh_token=unknown' }, { cookie: `refresh_token=${'A'.repeat(43)}` }, { cookie: 'refresh_token=' }]) {
      const res = await logout(headers);
      assert.equal(res.statusCode, 204, `${JSON.stringify(headers)}: ${res.body}`);
      assert.ok(clearsCookie(res));
    }
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'nobody else was logged out');
    assert.equal((await logout(bearer(u.accessToken))).statusCode, 204);
    assert.equal((await logout(bearer(u.accessToken))).statusCode, 204, 'a second logout with the revoked token');
  });

  it('is audited', async () => {
    const u = await register(t.app);
    await logout(bearer(u.accessToken));
    const events = await t.services.audit.list({ userId: u.id, type: 'logout' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 1);
  });
});
