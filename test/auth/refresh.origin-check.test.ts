/**
 * The Origin check on cookie-authenticated calls (docs/security.md): a request that uses the refresh cookie
 * and whose Origin is neither PUBLIC_URL's origin nor listed in CORS_ORIGINS → 403 forbidden (and
 * nothing happens to the session); no Origin (a non-browser client) is allowed; a token sent in
 * the body is not an ambient credential and is not checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, me, refresh, register } from '../helpers/factories.js';

describe('cookie-authenticated calls: the Origin check', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PUBLIC_URL: 'http://localhost:8000/', CORS_ORIGINS: 'https://app.example.com,https://admin.example.com' } });
  });
  after(async () => {
    await t.close();
  });
  const cookie = (token: string) => ({ cookie: `refresh_token=${token}` });

  it('refresh: cookie + a foreign Origin → 403 forbidden, and the token is neither rotated nor revoked', async () => {
    const u = await register(t.app);
    for (const origin of ['http://evil.example', 'null', 'http://localhost:8001', 'https://localhost:8000', 'https://app.example.com.evil.example']) {
      expectProblem(await refresh(t.app, undefined, { ...cookie(u.refreshToken), origin }), 403, 'forbidden');
    }
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'the session lives');
    const ok = await refresh(t.app, { refresh_token: u.refreshToken });
    assert.equal(ok.statusCode, 200, 'the token was not rotated by the refused calls');
  });

  it("refresh: cookie + PUBLIC_URL's origin → 200", async () => {
    const u = await register(t.app);
    const res = await refresh(t.app, undefined, { ...cookie(u.refreshToken), origin: 'http://localhost:8000' });
    assert.equal(res.statusCode, 200, res.body);
  });

  it('refresh: cookie + an origin listed in CORS_ORIGINS → 200', async () => {
    const u = await register(t.app);
    const a = await refresh(t.app, undefined, { ...cookie(u.refreshToken), origin: 'https://app.example.com' });
    assert.equal(a.statusCode, 200, a.body);
    const b = await refresh(t.app, undefined, { ...cookie(a.json().refresh_token), origin: 'https://admin.example.com' });
    assert.equal(b.statusCode, 200, b.body);
  });

  it('refresh: cookie without an Origin header → 200', async () => {
    const u = await register(t.app);
    assert.equal((await refresh(t.app, undefined, cookie(u.refreshToken))).statusCode, 200);
  });

  it('refresh: token in the body + a foreign Origin → 200 (not an ambient credential)', async () => {
    const u = await register(t.app);
    const res = await refresh(t.app, { refresh_token: u.refreshToken }, { origin: 'http://evil.example' });
    assert.equal(res.statusCode, 200, res.body);
  });

  it('logout: cookie + a foreign Origin → 403 forbidden and the session lives; bearer + a foreign Origin → 204', async () => {
    const u = await register(t.app);
    const evil = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { ...cookie(u.refreshToken), origin: 'http://evil.example' } });
    expectProblem(evil, 403, 'forbidden');
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'not logged out');
    const own = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { ...cookie(u.refreshToken), origin: 'http://localhost:8000' } });
    assert.equal(own.statusCode, 204);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 401);

    const w = await register(t.app);
    const bodyToken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { ...cookie('some-other-cookie-value'), origin: 'http://evil.example' },
      payload: { refresh_token: w.refreshToken },
    });
    assert.equal(bodyToken.statusCode, 204, 'the token in the body is used, and it is not subject to the Origin check');
    assert.equal((await me(t.app, w.accessToken)).statusCode, 401);

    const v = await register(t.app);
    const byBearer = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { ...bearer(v.accessToken), origin: 'http://evil.example' } });
    assert.equal(byBearer.statusCode, 204, 'a bearer token is not ambient');
    assert.equal((await me(t.app, v.accessToken)).statusCode, 401);
  });
});
