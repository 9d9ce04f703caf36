/**
 * Per-endpoint rate limits (docs/security.md, moving windows, 429 rate_limited with Retry-After):
 * RATE_LIMIT_LOGIN_IP=3/60, RATE_LIMIT_LOGIN_ID=5/60 (per typed identifier, lower-cased),
 * RATE_LIMIT_REGISTER_IP=2/3600, RATE_LIMIT_REFRESH_IP=3/60; LOCKOUT_THRESHOLD=2 to show that
 * rate limits are checked first (429 wins over 423). Each test uses its own client addresses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, PASSWORD, uniqueEmail, userWithRoles, WRONG_PASSWORD } from '../helpers/factories.js';

function assertLimited(res: LightMyRequestResponse, windowSeconds: number) {
  expectProblem(res, 429, 'rate_limited');
  const retryAfter = Number(res.headers['retry-after']);
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= windowSeconds, `Retry-After ${res.headers['retry-after']}`);
}

describe('per-endpoint rate limits', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({
      env: { PRODUCTS: 'on', RATE_LIMIT_LOGIN_IP: '3/60', RATE_LIMIT_LOGIN_ID: '5/60', RATE_LIMIT_REGISTER_IP: '2/3600', RATE_LIMIT_REFRESH_IP: '3/60', LOCKOUT_THRESHOLD: '2' },
    });
  });
  after(async () => {
    await t.close();
  });
  const loginFrom = (remoteAddress: string, loginId: string, password = PASSWORD) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: loginId, password }, remoteAddress });
  const registerFrom = (remoteAddress: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('rl'), password: PASSWORD }, remoteAddress });
  const refreshFrom = (remoteAddress: string, token: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: token }, remoteAddress });

  it('RATE_LIMIT_LOGIN_IP: the 4th login from one IP → 429, even for a right password; another IP is served', async () => {
    const u = await userWithRoles(t.app, ['buyer']);
    for (let i = 0; i < 3; i++) expectProblem(await loginFrom('203.0.113.1', uniqueEmail('any')), 401, 'invalid_credentials');
    assertLimited(await loginFrom('203.0.113.1', u.email), 60);
    assert.equal((await loginFrom('203.0.113.2', u.email)).statusCode, 200);
  });

  it('429 wins over 423: a locked identifier from a limited IP gets 429', async () => {
    const u = await userWithRoles(t.app, ['buyer']);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await loginFrom('203.0.113.3', u.email, WRONG_PASSWORD)).statusCode);
    assert.deepEqual(statuses, [401, 401, 423]);
    assertLimited(await loginFrom('203.0.113.3', u.email), 60);
  });

  it('RATE_LIMIT_LOGIN_ID: counted per identifier across IPs and letter case; other identifiers unaffected', async () => {
    const target = uniqueEmail('target');
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const typed = i % 2 ? target.toUpperCase() : ` ${target}`;
      statuses.push((await loginFrom(`203.0.113.${10 + i}`, typed, WRONG_PASSWORD)).statusCode);
    }
    assert.deepEqual(statuses, [401, 401, 423, 423, 423]);
    assertLimited(await loginFrom('203.0.113.20', target, WRONG_PASSWORD), 60);
    expectProblem(await loginFrom('203.0.113.21', uniqueEmail('other'), WRONG_PASSWORD), 401, 'invalid_credentials');
  });

  it('RATE_LIMIT_REGISTER_IP: the 3rd registration from one IP → 429; another IP registers', async () => {
    assert.equal((await registerFrom('203.0.113.30')).statusCode, 201);
    assert.equal((await registerFrom('203.0.113.30')).statusCode, 201);
    assertLimited(await registerFrom('203.0.113.30'), 3600);
    assert.equal((await registerFrom('203.0.113.31')).statusCode, 201);
  });

  it('RATE_LIMIT_REFRESH_IP: the 4th refresh from one IP → 429 (the token is not consumed); another IP refreshes', async () => {
    const u = await userWithRoles(t.app, ['buyer']);
    let token = u.refreshToken;
    for (let i = 0; i < 3; i++) {
      const res = await refreshFrom('203.0.113.40', token);
      assert.equal(res.statusCode, 200, res.body);
      token = res.json().refresh_token;
    }
    assertLimited(await refreshFrom('203.0.113.40', token), 60);
    assertLimited(await refreshFrom('203.0.113.40', 'garbage'), 60);
    assert.equal((await refreshFrom('203.0.113.41', token)).statusCode, 200, 'the refused call did not rotate it');
  });
});
