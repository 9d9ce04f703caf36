/**
 * Guards #16's second finding: the dummy hash that unknown logins are checked against was made on
 * first use and kept even when that use failed (a full hash queue); from then on unknown logins
 * answered 503 while real accounts answered 401 — an enumeration oracle until restart — and those
 * failures were neither counted nor audited. It is made at start-up now.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, register, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';

describe('the dummy hash of unknown logins', () => {
  let t: TestContext;
  before(async () => {
    // one hash at a time and no queue: a login that arrives while another is hashing gets 503;
    // the OPTIONS cost, so a hash lasts long enough to be in the way
    t = await buildTestContext({ env: { HASH_CONCURRENCY: '1', HASH_QUEUE_MAX: '0', ARGON2_MEMORY_KIB: '19456', ARGON2_TIME_COST: '2' } });
  });
  after(async () => {
    await t.close();
  });

  it('unknown logins first seen during a full queue: afterwards they answer 401 like real accounts, counted and audited', async () => {
    const u = await register(t.app);
    // the first unknown logins this instance sees arrive while a real one holds the only hashing
    // slot — which made the old lazily-created dummy hash fail for good. The real one takes the
    // hashing slot first (the burst waits until it is hashing: on PostgreSQL the lookups of a burst
    // sent together come back in any order): they find the queue full (503)
    const real = login(t.app, u.email);
    const deadline = Date.now() + 10_000;
    while (t.services.hasher.load.running === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    const ghosts = await Promise.all(Array.from({ length: 7 }, () => login(t.app, uniqueEmail('ghost'), WRONG_PASSWORD)));
    assert.equal((await real).statusCode, 200);
    assert.ok(ghosts.some((r) => r.statusCode === 503), 'the queue was full for some');

    const unknown = uniqueEmail('nobody');
    expectProblem(await login(t.app, unknown, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    const events = await t.services.audit.list({ userId: null, type: 'login.failed' }, { limit: 100, cursor: null }).then((p) => p.items);
    assert.ok(events.some((e) => e.data.reason === 'unknown_login'), 'the unknown login was audited');
  });
});
