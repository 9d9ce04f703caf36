import { describe } from 'node:test';
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
