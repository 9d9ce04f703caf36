/**
 * Operations endpoints (docs/api.md): /health → { status: 'ok', version }, /health/live → 200,
 * /health/ready → 200 with every check ok (database; redis when configured), plain JSON.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, redisUrl, type TestContext } from '../helpers/build-test-app.js';

const version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('health endpoints', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('GET /health → { status: "ok", version }', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok', version });
  });

  it('GET /health/live → 200', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/live' });
    assert.equal(res.statusCode, 200);
  });

  it('GET /health/ready → 200 with checks.database ok (and checks.redis ok with Redis), as plain JSON', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.json(), { status: 'ok', checks: { database: 'ok', ...(redisUrl ? { redis: 'ok' } : {}) } });
  });
});
