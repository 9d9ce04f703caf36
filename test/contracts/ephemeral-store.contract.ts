/**
 * The contract every EphemeralStore implementation passes (memory and Redis run the same cases).
 * TTL expiry is driven by both the fake clock (memory) and real time (Redis uses its own expiry),
 * so TTL cases use short real TTLs, advance the clock by as much, and poll with a deadline.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { EphemeralStore } from '../../src/cache/ephemeral-store.js';
import { FakeClock } from '../helpers/fake-clock.js';

async function eventually(check: () => Promise<boolean>, deadlineMs = 2000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function ephemeralStoreContract(
  name: string,
  make: (clock: FakeClock, prefix: string) => Promise<EphemeralStore>,
  options: { cleanup?: (prefix: string) => Promise<void>; supportsPrefixes?: boolean } = {},
): void {
  describe(`EphemeralStore contract: ${name}`, () => {
    const clock = new FakeClock();
    const prefix = `contract:${randomUUID()}:`;
    let store: EphemeralStore;
    const k = () => `k-${randomUUID()}`;

    before(async () => {
      store = await make(clock, prefix);
    });
    after(async () => {
      await store.close();
      await options.cleanup?.(prefix);
    });

    it('set/get/delete, missing keys are null', async () => {
      const key = k();
      assert.equal(await store.get(key), null);
      await store.set(key, 'v1', 60_000);
      assert.equal(await store.get(key), 'v1');
      await store.delete(key);
      assert.equal(await store.get(key), null);
    });

    it('values expire after their TTL', async () => {
      const key = k();
      await store.set(key, 'v', 150);
      assert.equal(await store.get(key), 'v');
      clock.advance(151);
      await eventually(async () => (await store.get(key)) === null);
    });

    it('getAndDelete hands a value out exactly once, also under concurrency', async () => {
      const key = k();
      await store.set(key, 'once', 60_000);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.getAndDelete(key)));
      assert.equal(results.filter((r) => r === 'once').length, 1);
      assert.equal(results.filter((r) => r === null).length, 19);
      assert.equal(await store.get(key), null);
    });

    it('incrementWithTtl counts, keeps its first TTL, and expires', async () => {
      const key = k();
      assert.deepEqual(await store.getCounter(key), { count: 0, ttlMs: 0 });
      const a = await store.incrementWithTtl(key, 300);
      assert.equal(a.count, 1);
      assert.ok(a.ttlMs > 0 && a.ttlMs <= 300);
      const b = await store.incrementWithTtl(key, 60_000);
      assert.equal(b.count, 2);
      assert.ok(b.ttlMs <= 300, 'a later increment does not extend the TTL');
      const state = await store.getCounter(key);
      assert.equal(state.count, 2);
      assert.ok(state.ttlMs > 0 && state.ttlMs <= 300);
      clock.advance(301);
      await eventually(async () => (await store.getCounter(key)).count === 0);
      assert.equal((await store.incrementWithTtl(key, 1000)).count, 1, 'a new window starts at 1');
    });

    it('incrementWithTtl re-arms the full TTL on the increment that reaches rearmAt, and only then', async () => {
      const key = k();
      // real time passes too (Redis keeps its own clock)
      const pass = async (ms: number) => {
        clock.advance(ms);
        await new Promise((resolve) => setTimeout(resolve, ms));
      };
      await store.incrementWithTtl(key, 1000, 3);
      await pass(600);
      await store.incrementWithTtl(key, 1000, 3);
      const reached = await store.incrementWithTtl(key, 1000, 3);
      assert.equal(reached.count, 3);
      assert.ok(reached.ttlMs > 600, `re-armed: ${reached.ttlMs}`);
      await pass(300);
      const after = await store.incrementWithTtl(key, 1000, 3);
      assert.equal(after.count, 4);
      // re-armed again would read ~1000; Redis measures the 300 ms from when it ran the command,
      // a moment before this client heard back, so a millisecond or two more than 700 is possible
      assert.ok(after.ttlMs <= 750, `not re-armed again: ${after.ttlMs}`);
    });

    it('concurrent increments are atomic', async () => {
      const key = k();
      await Promise.all(Array.from({ length: 50 }, () => store.incrementWithTtl(key, 60_000)));
      assert.equal((await store.getCounter(key)).count, 50);
    });

    it('resetCounterBelow removes a counter under the limit and keeps one that reached it', async () => {
      const under = k();
      await store.incrementWithTtl(under, 60_000);
      await store.incrementWithTtl(under, 60_000);
      const found = await store.resetCounterBelow(under, 3);
      assert.equal(found.count, 2);
      assert.ok(found.ttlMs > 0);
      assert.deepEqual(await store.getCounter(under), { count: 0, ttlMs: 0 }, 'removed');

      const reached = k();
      for (let i = 0; i < 3; i++) await store.incrementWithTtl(reached, 60_000);
      assert.equal((await store.resetCounterBelow(reached, 3)).count, 3);
      assert.equal((await store.getCounter(reached)).count, 3, 'a counter at the limit stays');

      assert.deepEqual(await store.resetCounterBelow(k(), 3), { count: 0, ttlMs: 0 }, 'a missing counter');
    });

    it('hitWindow allows `limit` hits per window, refuses more with a Retry-After, and slides', async () => {
      const key = k();
      for (let i = 1; i <= 3; i++) {
        const hit = await store.hitWindow(key, 3, 10_000);
        assert.deepEqual([hit.allowed, hit.count], [true, i]);
        clock.advance(1000);
      }
      // hits at t0, t0+1s, t0+2s; now t0+3s
      const refused = await store.hitWindow(key, 3, 10_000);
      assert.equal(refused.allowed, false);
      assert.equal(refused.count, 3);
      assert.equal(refused.retryAfterMs, 7000, 'the oldest hit leaves the window in 7 s');
      clock.advance(7000); // t0+10s: the first hit leaves
      const again = await store.hitWindow(key, 3, 10_000);
      assert.equal(again.allowed, true, 'the window slid');
      assert.equal(again.count, 3);
      const full = await store.hitWindow(key, 3, 10_000);
      assert.equal(full.allowed, false);
      assert.equal(full.retryAfterMs, 1000);
    });

    it('refused hits are not recorded', async () => {
      const key = k();
      await store.hitWindow(key, 1, 5000);
      for (let i = 0; i < 10; i++) {
        clock.advance(100);
        assert.equal((await store.hitWindow(key, 1, 5000)).allowed, false);
      }
      clock.advance(4000); // 5 s after the only recorded hit
      assert.equal((await store.hitWindow(key, 1, 5000)).allowed, true);
    });

    it('hitWindow is atomic: 50 concurrent hits with limit 10 admit exactly 10', async () => {
      const key = k();
      const hits = await Promise.all(Array.from({ length: 50 }, () => store.hitWindow(key, 10, 60_000)));
      assert.equal(hits.filter((h) => h.allowed).length, 10);
    });

    it('hitWindows counts every window in order, then reads the counter; it stops at the first refusal', async () => {
      const [a, b, counter] = [k(), k(), k()];
      await store.incrementWithTtl(counter, 60_000);
      await store.incrementWithTtl(counter, 60_000);
      const windows = [
        { key: a, limit: 3, windowMs: 60_000 },
        { key: b, limit: 1, windowMs: 60_000 },
      ];
      const first = await store.hitWindows(windows, counter);
      assert.equal(first.refused, null);
      assert.equal(first.counter.count, 2);
      assert.ok(first.counter.ttlMs > 0 && first.counter.ttlMs <= 60_000);
      const second = await store.hitWindows(windows, counter);
      assert.equal(second.refused?.index, 1, 'the second window is full');
      assert.ok(second.refused.retryAfterMs >= 1 && second.refused.retryAfterMs <= 60_000);
      assert.deepEqual(second.counter, { count: 0, ttlMs: 0 }, 'no counter read after a refusal');
      // the first window counted both hits; a third fills it, and it then refuses first
      assert.equal((await store.hitWindow(a, 3, 60_000)).count, 3);
      const third = await store.hitWindows(windows, counter);
      assert.equal(third.refused?.index, 0);
      // a window after the refusing one was not counted: b still holds its one hit
      assert.equal((await store.hitWindow(b, 2, 60_000)).count, 2);
      assert.deepEqual((await store.hitWindows([], k())).counter, { count: 0, ttlMs: 0 }, 'no windows, no counter: zeros');
    });

    it('hitWindows is atomic: 30 concurrent calls on a window of 10 admit exactly 10', async () => {
      const key = k();
      const results = await Promise.all(Array.from({ length: 30 }, () => store.hitWindows([{ key, limit: 10, windowMs: 60_000 }], k())));
      assert.equal(results.filter((r) => r.refused === null).length, 10);
    });

    it('publish reaches subscribers', async () => {
      const channel = `ch-${randomUUID()}`;
      const got: string[] = [];
      await store.subscribe(channel, (m) => got.push(m));
      await store.publish(channel, 'hello');
      await eventually(async () => got.includes('hello'));
    });

    it('a throwing subscriber does not stop delivery to the others', async () => {
      const channel = `ch-${randomUUID()}`;
      const got: string[] = [];
      await store.subscribe(channel, () => {
        throw new Error('subscriber bug (expected in this test)');
      });
      await store.subscribe(channel, (m) => got.push(m));
      await store.publish(channel, 'first');
      await store.publish(channel, 'second');
      await eventually(async () => got.includes('second'));
      assert.deepEqual(got, ['first', 'second']);
    });

    it('ping answers', async () => {
      await store.ping();
    });

    if (options.supportsPrefixes) {
      it('stores with different prefixes do not see each other', async () => {
        const other = await make(clock, `${prefix}other:`);
        try {
          const key = k();
          await store.set(key, 'mine', 60_000);
          assert.equal(await other.get(key), null);
          const windowKey = k();
          await other.hitWindow(windowKey, 1, 60_000);
          assert.equal((await store.hitWindow(windowKey, 1, 60_000)).allowed, true);
          const channel = `ch-${randomUUID()}`;
          const seen: string[] = [];
          await store.subscribe(channel, (m) => seen.push(m));
          await other.publish(channel, 'foreign');
          await store.publish(channel, 'own');
          await eventually(async () => seen.includes('own'));
          assert.deepEqual(seen, ['own']);
        } finally {
          await other.close();
        }
      });
    }
  });
}
