/**
 * The ephemeral store's wiring: Redis when REDIS_URL is set (a start refuses an unreachable one
 * rather than hang on the first command), the in-memory store otherwise, or the store handed in.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Started } from '../lifecycle.js';
import type { EphemeralStore } from './ephemeral-store.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';

const REDIS_START_TIMEOUT_MS = 5000;

export interface StoreWiring {
  config: Pick<Config, 'redisUrl' | 'redisKeyPrefix'>;
  clock: Clock;
  /** a store to use instead (tests); closed by close() all the same */
  store?: EphemeralStore | undefined;
  started: Started;
}

export async function wireStore({ config, clock, store: given, started }: StoreWiring): Promise<EphemeralStore> {
  const store = given ?? (config.redisUrl ? new RedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, clock }) : new MemoryStore(clock));
  started.add(() => store.close());
  if (config.redisUrl) {
    // refuse to start against an unreachable Redis rather than hang on the first command
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      store.ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis at REDIS_URL did not answer within ${REDIS_START_TIMEOUT_MS / 1000} s`)), REDIS_START_TIMEOUT_MS))),
    ]).finally(() => clearTimeout(timer));
  }
  return store;
}
