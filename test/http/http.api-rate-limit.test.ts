/**
 * The API-wide limit (docs/security.md) RATE_LIMIT_API_IP=5/60: every /api request from one client IP
 * counts, checked before authentication (429 wins over 401), with Retry-After; other IPs and
 * non-API paths (health, JWKS, docs) are not affected. Each test uses its own client address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, register, type TestUser } from '../helpers/factories.js';

describe('RATE_LIMIT_API_IP=5/60', () => {
  let t: TestContext;
  let u: TestUser;
  before(async () => {
    t = await buildTestContext({ env: { RATE_LIMIT_API_IP: '5/60' } });
    u = await register(t.app);
  });
  after(async () => {
    await t.close();
  });
  const hello = (remoteAddress: string, url = '/api/v1/hello', headers = bearer(u.accessToken)) =>
    t.app.inject({ method: 'GET', url, headers, remoteAddress });

  it('5 requests pass, the 6th → 429 rate_limited with Retry-After; 429 comes before 401', async () => {
    for (let i = 1; i <= 5; i++) {
      const res = await hello('198.51.100.1');
      assert.equal(res.statusCode, 200, `request ${i}`);
    }
    const limited = await hello('198.51.100.1');
    expectProblem(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    expectProblem(await hello('198.51.100.1', '/api/v1/hello', {}), 429, 'rate_limited');
    expectProblem(await hello('198.51.100.1', '/api/v1/auth/me'), 429, 'rate_limited');
  });

  it('counts every /api request, whatever its outcome', async () => {
    for (let i = 0; i < 3; i++) expectProblem(await hello('198.51.100.2', '/api/v1/hello', {}), 401, 'unauthorized');
    expectProblem(await hello('198.51.100.2', '/api/v1/nowhere'), 404, 'not_found');
    assert.equal((await hello('198.51.100.2')).statusCode, 200);
    expectProblem(await hello('198.51.100.2'), 429, 'rate_limited');
  });

  it('another client IP has its own budget', async () => {
    for (let i = 0; i < 6; i++) await hello('198.51.100.3');
    assert.equal((await hello('198.51.100.4')).statusCode, 200);
  });

  it('health, JWKS, OpenAPI and docs are not API calls', async () => {
    for (let i = 0; i < 8; i++) {
      for (const url of ['/health', '/health/ready', '/.well-known/jwks.json', '/openapi.json']) {
        assert.equal((await t.app.inject({ method: 'GET', url, remoteAddress: '198.51.100.5' })).statusCode, 200, url);
      }
    }
    assert.equal((await hello('198.51.100.5')).statusCode, 200);
  });

  it('cannot be dodged by percent-encoding the path', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await hello('198.51.100.6')).statusCode, 200);
    for (const url of ['/%61pi/v1/hello', '/api/v1/%68ello', '/%61%70%69/v1/hello']) {
      const res = await hello('198.51.100.6', url);
      assert.equal(res.statusCode, 429, `${url} → ${res.statusCode}`);
    }
  });
});
