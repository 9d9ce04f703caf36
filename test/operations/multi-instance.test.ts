/**
 * Two Gatehouse instances on one PostgreSQL database and one Redis prefix behave as one service:
 * revocations reach the other instance within a second, lockouts and rate limits are shared,
 * refresh-token reuse is caught wherever it happens, and both publish the same keys.
 * Runs in the real-services pass (TEST_DATABASE_URL + TEST_REDIS_URL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildTestContext, servicesOf, type TestContext } from '../helpers/build-test-app.js';
import { bearer, login, register } from '../helpers/factories.js';

const enabled = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);

/** polls until `check` holds; fails after one second (docs/security.md's bound) plus scheduling slack */
async function withinOneSecond(check: () => Promise<boolean>): Promise<number> {
  // the monotonic clock: the wall clock can be stepped while a test waits
  const started = performance.now();
  const deadline = started + 1200;
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() > deadline) throw new Error('not seen on the other instance within one second');
    await new Promise((r) => setTimeout(r, 25));
  }
}

const me = (app: FastifyInstance, token: string) => app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });

describe('multi-instance', { skip: enabled ? false : 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let t: TestContext;
  let a: FastifyInstance;
  let b: FastifyInstance;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on', LOCKOUT_THRESHOLD: '3', RATE_LIMIT_LOGIN_ID: '6/60', REFRESH_REUSE_GRACE: '0' } });
    a = t.app;
    b = await t.startInstance();
  });
  after(async () => {
    await t.close();
  });

  it('both instances publish the same signing keys', async () => {
    const ja = (await a.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    const jb = (await b.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    assert.deepEqual(ja, jb);
    assert.equal(ja.keys.length, 1);
  });

  it('logout on A is refused by B within a second (B had the session cached)', async () => {
    const u = await register(a);
    assert.equal((await me(b, u.accessToken)).statusCode, 200, 'B accepts the token and caches the session');
    assert.equal((await a.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) })).statusCode, 204);
    await withinOneSecond(async () => (await me(b, u.accessToken)).statusCode === 401);
  });

  it('a session revoked on B is refused by A; logout-all on B reaches A', async () => {
    const u = await register(a);
    const second = (await login(a, u.email)).json();
    assert.equal((await me(a, u.accessToken)).statusCode, 200);
    assert.equal((await me(a, second.access_token)).statusCode, 200);
    const sessions = (await b.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(second.access_token) })).json();
    const first = sessions.items.find((s: { current: boolean }) => !s.current);
    assert.equal((await b.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${first.id}`, headers: bearer(second.access_token) })).statusCode, 204);
    await withinOneSecond(async () => (await me(a, u.accessToken)).statusCode === 401);
    assert.equal((await me(a, second.access_token)).statusCode, 200, 'the other session lives');

    assert.equal((await b.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: bearer(second.access_token) })).statusCode, 204);
    await withinOneSecond(async () => (await me(a, second.access_token)).statusCode === 401);
  });

  it('a password change on A ends the sessions B knows', async () => {
    const u = await register(a);
    assert.equal((await me(b, u.accessToken)).statusCode, 200);
    const changed = await a.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(u.accessToken), payload: { current_password: u.password, new_password: 'Brand-New-Secret-Phrase-9' } });
    assert.equal(changed.statusCode, 200, changed.body);
    await withinOneSecond(async () => (await me(b, u.accessToken)).statusCode === 401);
    assert.equal((await me(b, changed.json().access_token)).statusCode, 200);
  });

  it('lockout counts failures on both instances', async () => {
    const u = await register(a);
    assert.equal((await login(a, u.email, 'Wrong-Password-000')).statusCode, 401);
    assert.equal((await login(b, u.email, 'Wrong-Password-000')).statusCode, 401);
    assert.equal((await login(a, u.email, 'Wrong-Password-000')).statusCode, 401, 'the third failure still gets 401');
    const locked = await login(b, u.email, u.password);
    assert.equal(locked.statusCode, 423, 'locked on B by failures spread over A and B, even with the right password');
    assert.equal(locked.json().code, 'account_locked');
    assert.ok(Number(locked.headers['retry-after']) > 0);
  });

  it('the per-identifier rate limit is shared', async () => {
    const id = `nobody-${Date.now()}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login(i % 2 ? b : a, id, 'x')).statusCode);
    assert.equal(statuses.filter((s) => s === 429).length, 1, `one of 7 attempts over a 6/60 limit is refused: ${statuses}`);
    assert.equal(statuses[6], 429);
  });

  it('refresh-token reuse on B after rotation on A revokes the session everywhere', async () => {
    const u = await register(a);
    const rotated = await a.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: u.refreshToken } });
    assert.equal(rotated.statusCode, 200);
    await new Promise((r) => setTimeout(r, 1100)); // past REFRESH_REUSE_GRACE=0 at one-second resolution
    const reused = await b.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: u.refreshToken } });
    assert.equal(reused.statusCode, 401);
    assert.equal(reused.json().code, 'refresh_token_reused');
    await withinOneSecond(async () => (await me(a, rotated.json().access_token)).statusCode === 401);
    const current = await a.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: rotated.json().refresh_token } });
    assert.equal(current.json().code, 'invalid_refresh_token');
  });

  it('a role change on A is applied by B within a second', async () => {
    const u = await register(a);
    assert.deepEqual((await me(b, u.accessToken)).json().permissions, ['products:read']);
    await servicesOf(a).users.updateByAdmin({ actorId: null, ip: null, userAgent: null }, u.id, { roles: ['seller'] });
    await withinOneSecond(async () => (await me(b, u.accessToken)).json().permissions?.includes('products:write') === true);
  });
});
