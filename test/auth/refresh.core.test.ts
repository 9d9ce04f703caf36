import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, register } from '../helpers/factories.js';

const refresh = (t: TestContext, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const me = (t: TestContext, token: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });

describe('POST /auth/refresh: rotation and the reuse grace window', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { REFRESH_REUSE_GRACE: '10', CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(async () => {
    await t.close();
  });

  it('rotates: a new refresh token and access token, same session, cookie set', async () => {
    const u = await register(t.app);
    const res = await refresh(t, { refresh_token: u.refreshToken });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.notEqual(body.refresh_token, u.refreshToken);
    assert.equal((await me(t, body.access_token)).statusCode, 200);
    assert.equal(res.cookies.find((c) => c.name === 'refresh_token')?.value, body.refresh_token);
    const sessions = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(body.access_token) })).json().items;
    assert.equal(sessions.length, 1, 'a refresh does not start a new session');
  });

  it('within the grace window the stale token gets the session\'s current token, without another rotation', async () => {
    const u = await register(t.app);
    const first = (await refresh(t, { refresh_token: u.refreshToken })).json();
    const stale = await refresh(t, { refresh_token: u.refreshToken });
    assert.equal(stale.statusCode, 200);
    assert.equal(stale.json().refresh_token, first.refresh_token, 'the current token, not a third one');
    assert.equal((await me(t, first.access_token)).statusCode, 200, 'nothing was revoked');
    assert.equal((await refresh(t, { refresh_token: first.refresh_token })).statusCode, 200, 'the current token still rotates');
  });

  it('two tabs refreshing at once both succeed with the same new token', async () => {
    const u = await register(t.app);
    const [a, b] = await Promise.all([refresh(t, { refresh_token: u.refreshToken }), refresh(t, { refresh_token: u.refreshToken })]);
    assert.equal(a.statusCode, 200);
    assert.equal(b.statusCode, 200);
    assert.equal(a.json().refresh_token, b.json().refresh_token);
  });

  it('works from the cookie; the Origin check refuses foreign browser origins only', async () => {
    const u = await register(t.app);
    const cookie = (token: string) => ({ cookie: `refresh_token=${token}` });
    const evil = await refresh(t, undefined, { ...cookie(u.refreshToken), origin: 'https://evil.example' });
    assert.equal(evil.statusCode, 403);
    assert.equal(evil.json().code, 'forbidden');
    const own = await refresh(t, undefined, { ...cookie(u.refreshToken), origin: 'http://localhost:8000' });
    assert.equal(own.statusCode, 200, own.body);
    const listed = await refresh(t, undefined, { ...cookie(own.json().refresh_token), origin: 'https://app.example.com' });
    assert.equal(listed.statusCode, 200);
    const noOrigin = await refresh(t, undefined, cookie(listed.json().refresh_token));
    assert.equal(noOrigin.statusCode, 200);
    const bodyToken = await refresh(t, { refresh_token: noOrigin.json().refresh_token }, { origin: 'https://evil.example' });
    assert.equal(bodyToken.statusCode, 200, 'a token in the body is not an ambient credential');
    const empty = await refresh(t, '', { 'content-type': 'application/json', ...cookie(bodyToken.json().refresh_token) });
    assert.equal(empty.statusCode, 200, 'an empty JSON body is accepted');
    // what fetch(url, { method: 'POST', body: '' }) sends
    const plain = await refresh(t, '', { 'content-type': 'text/plain;charset=UTF-8', ...cookie(empty.json().refresh_token) });
    assert.equal(plain.statusCode, 200, `an empty text/plain body is accepted: ${plain.body}`);
  });

  it('unknown or malformed tokens → 401 invalid_refresh_token; nothing at all → 401 too', async () => {
    for (const token of ['x'.repeat(43), 'short', 'a.b.c']) {
      const res = await refresh(t, { refresh_token: token });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().code, 'invalid_refresh_token');
    }
    assert.equal((await refresh(t)).statusCode, 401);
    assert.equal((await refresh(t, '', { 'content-type': 'application/json' })).statusCode, 401);
  });
});

describe('refresh-token reuse after the grace window', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { REFRESH_REUSE_GRACE: '0' } });
  });
  after(async () => {
    await t.close();
  });

  it('is theft: 401 refresh_token_reused, the whole session is revoked, the audit trail says so', async () => {
    const u = await register(t.app);
    const rotated = (await refresh(t, { refresh_token: u.refreshToken })).json();
    await new Promise((r) => setTimeout(r, 20));
    const reused = await refresh(t, { refresh_token: u.refreshToken });
    assert.equal(reused.statusCode, 401);
    assert.equal(reused.json().code, 'refresh_token_reused');
    assert.equal((await me(t, rotated.access_token)).statusCode, 401, 'the thief and the user both lose the session');
    assert.equal((await refresh(t, { refresh_token: rotated.refresh_token })).json().code, 'invalid_refresh_token');
    const events = await t.services.audit.list({ userId: u.id, type: 'refresh.reused' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 1);
  });
});

describe('cookie attributes and lifetimes', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { COOKIE_SECURE: 'true', COOKIE_DOMAIN: 'example.com', REFRESH_TOKEN_TTL: '100', SESSION_MAX_AGE: '120', REFRESH_COOKIE_NAME: 'gh_rt' } });
  });
  after(async () => {
    await t.close();
  });

  it('HttpOnly, SameSite=Lax, Path=/api/v1/auth, Secure, Domain, Max-Age within the session lifetime', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: `c${Date.now()}@example.com`, password: 'Correct-Horse-Battery-42' } });
    const c = res.cookies.find((x) => x.name === 'gh_rt');
    assert.ok(c, 'cookie named by REFRESH_COOKIE_NAME');
    assert.equal(c.value, res.json().refresh_token);
    assert.equal(c.httpOnly, true);
    assert.equal(c.secure, true);
    assert.equal(c.sameSite, 'Lax');
    assert.equal(c.path, '/api/v1/auth');
    assert.equal(c.domain, 'example.com');
    assert.ok(c.maxAge! > 90 && c.maxAge! <= 100, `Max-Age ${c.maxAge}`);
    const again = await refresh(t, { refresh_token: c.value });
    const c2 = again.cookies.find((x) => x.name === 'gh_rt')!;
    assert.ok(c2.maxAge! <= 120, 'never past SESSION_MAX_AGE');
  });
});
