/**
 * The refresh cookie (docs/api.md): named REFRESH_COOKIE_NAME, value = the body's refresh_token
 * (URL-safe), HttpOnly, SameSite=Lax, Path=/api/v1/auth, Secure by default (COOKIE_SECURE unset),
 * Domain only with COOKIE_DOMAIN, Max-Age = the refresh token's remaining lifetime and never past
 * SESSION_MAX_AGE. REFRESH_TOKEN_TTL=100 within SESSION_MAX_AGE=120, on a FakeClock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { cookieOf, expectProblem, login, PASSWORD, refresh, uniqueEmail } from '../helpers/factories.js';

const NAME = 'gh_rt';

function assertAttributes(res: LightMyRequestResponse) {
  const c = cookieOf(res, NAME);
  assert.ok(c, `a ${NAME} cookie`);
  assert.equal(c.httpOnly, true, 'HttpOnly');
  assert.equal(c.sameSite, 'Lax', 'SameSite=Lax');
  assert.equal(c.path, '/api/v1/auth', 'Path');
  assert.equal(c.secure, true, 'Secure by default');
  assert.equal(c.domain, 'example.com', 'Domain from COOKIE_DOMAIN');
  return c;
}

describe('the refresh cookie', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({
      clock,
      // COOKIE_SECURE='' = unset: the default applies
      env: { COOKIE_SECURE: '', COOKIE_DOMAIN: 'example.com', REFRESH_TOKEN_TTL: '100', SESSION_MAX_AGE: '120', REFRESH_COOKIE_NAME: NAME },
    });
  });
  after(async () => {
    await t.close();
  });

  it('on register and login: named by REFRESH_COOKIE_NAME, the body token as value, every attribute, Max-Age = REFRESH_TOKEN_TTL', async () => {
    const email = uniqueEmail('cookie');
    const reg = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    assert.equal(reg.statusCode, 201, reg.body);
    const c = assertAttributes(reg);
    assert.equal(c.value, reg.json().refresh_token);
    assert.match(c.value, /^[A-Za-z0-9_-]+$/, 'URL-safe characters only');
    assert.equal(c.maxAge, 100);
    assert.equal(cookieOf(reg, 'refresh_token'), undefined, 'only the configured name');

    const signedIn = await login(t.app, email);
    const lc = assertAttributes(signedIn);
    assert.equal(lc.value, signedIn.json().refresh_token);
    assert.equal(lc.maxAge, 100);
  });

  it('refresh reads the cookie by its configured name', async () => {
    const email = uniqueEmail('cookie');
    const reg = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    const token = reg.json().refresh_token;
    expectProblem(await refresh(t.app, undefined, { cookie: `refresh_token=${token}` }), 401, 'invalid_refresh_token');
    const res = await refresh(t.app, undefined, { cookie: `${NAME}=${token}` });
    assert.equal(res.statusCode, 200, res.body);
    assertAttributes(res);
  });

  it('Max-Age never reaches past SESSION_MAX_AGE, and the session ends there', async () => {
    const email = uniqueEmail('cookie');
    const reg = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    clock.advance(50_000);
    const r1 = await refresh(t.app, { refresh_token: reg.json().refresh_token });
    assert.equal(r1.statusCode, 200, r1.body);
    assert.equal(assertAttributes(r1).maxAge, 70, '120 s session lifetime − 50 s elapsed, not a fresh 100 s');
    clock.advance(69_000);
    const r2 = await refresh(t.app, { refresh_token: r1.json().refresh_token });
    assert.equal(r2.statusCode, 200, r2.body);
    assert.equal(assertAttributes(r2).maxAge, 1);
    clock.advance(2_000);
    expectProblem(await refresh(t.app, { refresh_token: r2.json().refresh_token }), 401, 'invalid_refresh_token');
  });

  it('logout clears the cookie with the same Path and Domain (else the browser would keep it)', async () => {
    const email = uniqueEmail('cookie');
    const reg = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: `${NAME}=${reg.json().refresh_token}` } });
    assert.equal(out.statusCode, 204);
    const c = cookieOf(out, NAME);
    assert.ok(c, 'a clearing Set-Cookie');
    assert.equal(c.value, '');
    assert.ok(c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now()), 'expired');
    assert.equal(c.path, '/api/v1/auth');
    assert.equal(c.domain, 'example.com');
  });
});
