/**
 * POST /auth/refresh rotates (docs/security.md, docs/api.md): from the body or from the refresh cookie, every refresh
 * hands out a new refresh token (and cookie) and a new access token for the same session.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { cookieOf, me, refresh, register, sessionsOf, USER_FIELDS } from '../helpers/factories.js';

describe('POST /auth/refresh: rotation', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('with the token in the body: a new refresh token, a working access token, the same session', async () => {
    const u = await register(t.app);
    const res = await refresh(t.app, { refresh_token: u.refreshToken });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 900);
    assert.deepEqual(Object.keys(body.user).sort(), USER_FIELDS);
    assert.equal(body.user.id, u.id);
    assert.notEqual(body.refresh_token, u.refreshToken);
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43,}$/, '256 bits, URL-safe');
    assert.notEqual(body.access_token, u.accessToken);
    assert.equal(decodeJwt(body.access_token).sid, decodeJwt(u.accessToken).sid, 'same session');
    assert.equal((await me(t.app, body.access_token)).statusCode, 200);
    assert.equal((await sessionsOf(t.app, body.access_token)).length, 1, 'a refresh does not start a session');
  });

  it('sets the rotated token as the cookie: same value as the body, HttpOnly, SameSite=Lax, Path=/api/v1/auth; no Secure with COOKIE_SECURE=false; host-only', async () => {
    const u = await register(t.app);
    const res = await refresh(t.app, { refresh_token: u.refreshToken });
    const c = cookieOf(res);
    assert.ok(c, 'refresh cookie set');
    assert.equal(c.value, res.json().refresh_token);
    assert.equal(c.httpOnly, true);
    assert.equal(c.sameSite, 'Lax');
    assert.equal(c.path, '/api/v1/auth');
    assert.equal(c.secure, undefined, 'COOKIE_SECURE=false');
    assert.equal(c.domain, undefined, 'host-only without COOKIE_DOMAIN');
  });

  it('with the token in the cookie (no body, no Origin): rotates likewise', async () => {
    const u = await register(t.app);
    const res = await refresh(t.app, undefined, { cookie: `refresh_token=${u.refreshToken}` });
    assert.equal(res.statusCode, 200, res.body);
    assert.notEqual(res.json().refresh_token, u.refreshToken);
    assert.equal(cookieOf(res)?.value, res.json().refresh_token);
    assert.equal((await me(t.app, res.json().access_token)).statusCode, 200);
  });

  it('accepts an empty body with and without Content-Type when the cookie carries the token', async () => {
    const u = await register(t.app);
    const withType = await refresh(t.app, '', { 'content-type': 'application/json', cookie: `refresh_token=${u.refreshToken}` });
    assert.equal(withType.statusCode, 200, withType.body);
    const withoutType = await refresh(t.app, undefined, { cookie: `refresh_token=${withType.json().refresh_token}` });
    assert.equal(withoutType.statusCode, 200, withoutType.body);
  });

  it('each new token rotates in turn (a chain of refreshes keeps one session)', async () => {
    const u = await register(t.app);
    let token = u.refreshToken;
    const seen = new Set([token]);
    for (let i = 0; i < 4; i++) {
      const res = await refresh(t.app, { refresh_token: token });
      assert.equal(res.statusCode, 200, res.body);
      token = res.json().refresh_token;
      assert.ok(!seen.has(token), 'never a token handed out before');
      seen.add(token);
    }
    assert.equal((await t.services.sessions.listLive(u.id)).length, 1);
  });
});
