import assert from 'node:assert/strict';
import { it } from 'node:test';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { ephemeralStoreContract } from '../contracts/ephemeral-store.contract.js';
import { FakeClock } from '../helpers/fake-clock.js';

ephemeralStoreContract('memory', async (clock) => new MemoryStore(clock));

it('memory store: sweeping drops expired entries so per-IP keys do not accumulate', async () => {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  for (let i = 0; i < 1000; i++) {
    await store.hitWindow(`ip-${i}`, 10, 1000);
    await store.set(`v-${i}`, 'x', 1000);
    await store.incrementWithTtl(`c-${i}`, 1000);
  }
  clock.advance(1001);
  store.sweep();
  for (let i = 0; i < 1000; i += 250) {
    assert.equal(await store.get(`v-${i}`), null);
    assert.equal((await store.getCounter(`c-${i}`)).count, 0);
  }
  assert.equal(store.size(), 0);
  await store.close();
});
