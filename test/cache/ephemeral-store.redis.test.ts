import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { deleteKeysWithPrefix, RedisStore } from '../../src/cache/redis-store.js';
import { ephemeralStoreContract } from '../contracts/ephemeral-store.contract.js';

const url = process.env.TEST_REDIS_URL;

if (url) {
  ephemeralStoreContract('redis', async (clock, prefix) => new RedisStore({ url, keyPrefix: prefix, clock }), {
    cleanup: async (prefix) => void (await deleteKeysWithPrefix(url, prefix)),
    supportsPrefixes: true,
  });
} else {
  describe('EphemeralStore contract: redis', { skip: 'TEST_REDIS_URL not set (CI sets it in the real-services pass)' }, () => {});
}

/** needs no Redis: a closed port and a TCP peer that accepts but never answers (frozen or partitioned Redis) */
describe('RedisStore fails fast when Redis is unreachable', () => {
  const FAIL_WITHIN_MS = 3000;

  // elapsed time on the monotonic clock: the wall clock can be stepped while a test runs (seen in
  // CI: a 1.7 s test measured 10.7 s by Date.now())
  async function rejectsQuickly(label: string, work: () => Promise<unknown>): Promise<void> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      work().then(
        () => 'resolved',
        () => 'rejected',
      ),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('hung'), FAIL_WITHIN_MS * 3))),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, 'rejected', label);
    const took = performance.now() - started;
    assert.ok(took < FAIL_WITHIN_MS, `${label}: took ${Math.round(took)} ms`);
  }

  async function listen(server: Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  }

  it('rejects on a refused connection', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve)); // the port is now closed
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'failfast:' });
    try {
      await rejectsQuickly('ping', () => store.ping());
      await rejectsQuickly('hitWindow', () => store.hitWindow('k', 1, 1000));
    } finally {
      await store.close();
    }
  });

  it('rejects when the peer never answers, and close() does not hang', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    const port = await listen(silent);
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'failfast:' });
    try {
      await rejectsQuickly('ping', () => store.ping());
      await rejectsQuickly('get', () => store.get('k'));
    } finally {
      const started = performance.now();
      await store.close();
      assert.ok(performance.now() - started < FAIL_WITHIN_MS, 'close() returned');
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
