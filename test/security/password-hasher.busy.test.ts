/**
 * A sign-in storm beyond the hash queue (docs/security.md): with HASH_CONCURRENCY=1 and HASH_QUEUE_MAX=0,
 * concurrent logins beyond the one being hashed get 503 server_busy with Retry-After instead of
 * waiting without bound; the service recovers at once afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, register } from '../helpers/factories.js';

describe('login storm with HASH_CONCURRENCY=1, HASH_QUEUE_MAX=0', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { HASH_CONCURRENCY: '1', HASH_QUEUE_MAX: '0', ARGON2_MEMORY_KIB: '16384', ARGON2_TIME_COST: '2' } });
  });
  after(async () => {
    await t.close();
  });

  it('answers some 503 server_busy with Retry-After, the rest sign in; afterwards logins work again', async () => {
    const u = await register(t.app);
    const results = await Promise.all(Array.from({ length: 10 }, () => login(t.app, u.email)));
    const statuses = results.map((r) => r.statusCode);
    assert.ok(statuses.every((s) => s === 200 || s === 503), `only 200 or 503: ${statuses}`);
    const busy = results.filter((r) => r.statusCode === 503);
    assert.ok(busy.length > 0, `some refused: ${statuses}`);
    assert.ok(statuses.includes(200), `some served: ${statuses}`);
    for (const res of busy) {
      expectProblem(res, 503, 'server_busy');
      assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
    }
    assert.deepEqual(t.services.hasher.load, { running: 0, waiting: 0 });
    assert.equal((await login(t.app, u.email)).statusCode, 200);
  });

  it('while the queue is full a sign-in is refused before its body is read (503, not 400)', async () => {
    const slow = t.services.hasher.hash('Keeps-The-Only-Slot-Busy-1');
    try {
      assert.equal(t.services.hasher.saturated, true);
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { nonsense: true } });
      expectProblem(res, 503, 'server_busy');
    } finally {
      await slow;
    }
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { nonsense: true } }), 400, 'validation_error');
  });
});
