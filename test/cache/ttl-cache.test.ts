/**
 * The one-second rule (docs/security.md) on a cache miss: guards that an entry's lifetime counts from when
 * its database read *started* (#16), so a slow read cannot stretch how long a change (a revoked
 * session, a demotion) stays unseen past one second.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from '../../src/cache/ttl-cache.js';
import { FakeClock } from '../helpers/fake-clock.js';

describe('TtlCache', () => {
  it('an entry lives ttl from the start of its load, not from its end', async () => {
    const clock = new FakeClock(0);
    const cache = new TtlCache<string>(1000, 10, () => clock.now());
    let loads = 0;
    const value = await cache.get('k', async () => {
      loads++;
      // the read takes 700 ms (a slow database): what it returns is as of its start
      clock.advance(700);
      return 'v1';
    });
    assert.equal(value, 'v1');
    clock.advance(299); // 999 ms after the read started
    assert.equal(await cache.get('k', async () => 'v2'), 'v1');
    clock.advance(1); // 1000 ms after the read started: stale
    assert.equal(await cache.get('k', async () => 'v2'), 'v2');
    assert.equal(loads, 1);
  });

  it('concurrent misses share one load; a delete during a load keeps its value out of the cache', async () => {
    const clock = new FakeClock(0);
    const cache = new TtlCache<number>(1000, 10, () => clock.now());
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const load = async () => {
      loads++;
      await gate;
      return loads;
    };
    const a = cache.get('k', load);
    const b = cache.get('k', load);
    cache.delete('k');
    release();
    assert.deepEqual(await Promise.all([a, b]), [1, 1]);
    assert.equal(await cache.get('k', async () => 42), 42, 'the suspect value was not kept');
  });
});
