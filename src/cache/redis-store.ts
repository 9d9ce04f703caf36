/**
 * Redis-backed ephemeral store (production, scale-out): every instance sees the same rate-limit
 * windows, lockout counters and one-time values, and pub/sub carries cache invalidations. Every
 * key and channel starts with REDIS_KEY_PREFIX. Each operation is one command or one Lua script,
 * never read-then-write. Time for windows comes from the injected clock (passed to the script),
 * TTLs use Redis' own expiry.
 */
import { Redis } from 'ioredis';
import { commonErrors } from '../errors.js';
import type { CounterState, EphemeralStore, MessageHandler, WindowHit, WindowSpec, WindowsHit } from './ephemeral-store.js';
import { systemClock, type Clock } from '../clock.js';

// KEYS[1] = window key; ARGV = now, windowMs, limit, member. Sliding log in a sorted set.
const HIT_WINDOW = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return {1, count + 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = window
if oldest[2] then retry = tonumber(oldest[2]) + window - now end
if retry < 1 then retry = 1 end
return {0, count, retry}
`;

// KEYS[1..n] = window keys, KEYS[n+1] = counter key; ARGV = now, n, then limit, windowMs, member per
// window. The windows as HIT_WINDOW, in order, stopping at the first refusal; then the counter as
// GET_COUNTER. Returns {refused window (1-based, 0 = none), retry ms, count, ttl}.
const HIT_WINDOWS = `
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[2])
for i = 1, n do
  local key = KEYS[i]
  local limit = tonumber(ARGV[i * 3])
  local window = tonumber(ARGV[i * 3 + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    local retry = window
    if oldest[2] then retry = tonumber(oldest[2]) + window - now end
    if retry < 1 then retry = 1 end
    return {i, retry, 0, 0}
  end
  redis.call('ZADD', key, now, ARGV[i * 3 + 2])
  redis.call('PEXPIRE', key, window + 1000)
end
local v = redis.call('GET', KEYS[n + 1])
if not v then return {0, 0, 0, 0} end
return {0, 0, tonumber(v) or 0, redis.call('PTTL', KEYS[n + 1])}
`;

// KEYS[1] = counter key; ARGV[1] = ttlMs. The TTL is set when the counter is created only.
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 or n == tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}
`;

// KEYS[1] = counter key. Value and remaining TTL read together; {0, 0} when missing.
const GET_COUNTER = `
local v = redis.call('GET', KEYS[1])
if not v then return {0, 0} end
return {tonumber(v) or 0, redis.call('PTTL', KEYS[1])}
`;

// KEYS[1] = counter key, ARGV[1] = limit. Deletes the counter unless it reached the limit; returns
// what it found, like GET_COUNTER.
const RESET_COUNTER_BELOW = `
local v = redis.call('GET', KEYS[1])
if not v then return {0, 0} end
local n = tonumber(v) or 0
local ttl = redis.call('PTTL', KEYS[1])
if n < tonumber(ARGV[1]) then redis.call('DEL', KEYS[1]) end
return {n, ttl}
`;

interface ScriptedRedis extends Redis {
  gatehouseResetCounterBelow(key: string, limit: number): Promise<[number, number]>;
  gatehouseHitWindow(key: string, now: number, windowMs: number, limit: number, member: string): Promise<[number, number, number]>;
  gatehouseIncrement(key: string, ttlMs: number, rearmAt: number): Promise<[number, number]>;
  gatehouseGetCounter(key: string): Promise<[number, number]>;
  gatehouseHitWindows(...keysThenArgs: (string | number)[]): Promise<[number, number, number, number]>;
}

/**
 * Fail fast instead of hanging: a refused connection rejects queued commands after one reconnect
 * attempt (maxRetriesPerRequest), a peer that accepts but never answers (frozen process, network
 * partition) rejects every command after COMMAND_TIMEOUT_MS, and socketTimeout drops such a zombie
 * socket so the client reconnects by itself. The offline queue stays on so commands issued while
 * the first connection is still being made are not refused.
 */
const COMMAND_TIMEOUT_MS = 1500;

/** `name` shows in CLIENT LIST, so an operator (or a test) can tell Gatehouse's connections apart */
function connect(url: string, name: string): Redis {
  return new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    connectTimeout: COMMAND_TIMEOUT_MS,
    commandTimeout: COMMAND_TIMEOUT_MS,
    socketTimeout: COMMAND_TIMEOUT_MS * 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

/** a throwing handler must neither starve the other handlers nor escape into ioredis' socket handler */
function deliver(handlers: readonly MessageHandler[], channel: string, message: string): void {
  for (const handler of handlers) {
    try {
      handler(message);
    } catch (error) {
      process.emitWarning(`ephemeral store: a subscriber of "${channel}" threw: ${String(error)}`);
    }
  }
}

/** Redis failures become 503s (fail closed: a rate limit that cannot be checked refuses) */
async function guarded<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof Error && error.name === 'ReplyError') throw error; // a bug, not an outage
    throw commonErrors.unavailable('redis', error);
  }
}

export class RedisStore implements EphemeralStore {
  readonly #redis: ScriptedRedis;
  #subscriber: Redis | null = null;
  readonly #handlers = new Map<string, MessageHandler[]>();
  readonly #prefix: string;
  readonly #url: string;
  readonly #clock: Clock;
  readonly #name: string;
  #seq = 0;

  /** `clientName`: the connections' name in CLIENT LIST (default `gatehouse`; the subscriber's gets `-sub`) */
  constructor(options: { url: string; keyPrefix: string; clock?: Clock; clientName?: string }) {
    this.#url = options.url;
    this.#prefix = options.keyPrefix;
    this.#clock = options.clock ?? systemClock;
    this.#name = options.clientName ?? 'gatehouse';
    const redis = connect(options.url, this.#name);
    redis.on('error', () => {}); // surfaced through failing commands and /health/ready
    redis.defineCommand('gatehouseHitWindow', { numberOfKeys: 1, lua: HIT_WINDOW });
    redis.defineCommand('gatehouseIncrement', { numberOfKeys: 1, lua: INCREMENT });
    redis.defineCommand('gatehouseGetCounter', { numberOfKeys: 1, lua: GET_COUNTER });
    redis.defineCommand('gatehouseResetCounterBelow', { numberOfKeys: 1, lua: RESET_COUNTER_BELOW });
    // a variable number of keys: the count goes first in the call
    redis.defineCommand('gatehouseHitWindows', { lua: HIT_WINDOWS });
    this.#redis = redis as ScriptedRedis;
  }

  #k(key: string): string {
    return this.#prefix + key;
  }

  async get(key: string): Promise<string | null> {
    return guarded(this.#redis.get(this.#k(key)));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await guarded(this.#redis.set(this.#k(key), value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async delete(key: string): Promise<void> {
    await guarded(this.#redis.del(this.#k(key)));
  }

  async getAndDelete(key: string): Promise<string | null> {
    return guarded(this.#redis.getdel(this.#k(key)));
  }

  async incrementWithTtl(key: string, ttlMs: number, rearmAt?: number): Promise<CounterState> {
    // 0 never matches: INCR starts at 1
    const [count, ttl] = await guarded(this.#redis.gatehouseIncrement(this.#k(key), Math.max(1, Math.round(ttlMs)), rearmAt ?? 0));
    return { count, ttlMs: Math.max(0, ttl) };
  }

  async getCounter(key: string): Promise<CounterState> {
    const [count, ttl] = await guarded(this.#redis.gatehouseGetCounter(this.#k(key)));
    return { count, ttlMs: Math.max(0, ttl) };
  }

  async resetCounterBelow(key: string, limit: number): Promise<CounterState> {
    const [count, ttl] = await guarded(this.#redis.gatehouseResetCounterBelow(this.#k(key), limit));
    return { count, ttlMs: Math.max(0, ttl) };
  }

  async hitWindow(key: string, limit: number, windowMs: number): Promise<WindowHit> {
    const now = this.#clock.now();
    const member = `${now}-${process.pid}-${++this.#seq}-${Math.random().toString(36).slice(2, 8)}`;
    const [allowed, count, retry] = await guarded(this.#redis.gatehouseHitWindow(this.#k(key), now, windowMs, limit, member));
    return { allowed: allowed === 1, count, retryAfterMs: retry };
  }

  async hitWindows(windows: readonly WindowSpec[], counterKey: string): Promise<WindowsHit> {
    const now = this.#clock.now();
    const keys = [...windows.map((w) => this.#k(w.key)), this.#k(counterKey)];
    const args = windows.flatMap((w) => [w.limit, w.windowMs, `${now}-${process.pid}-${++this.#seq}-${Math.random().toString(36).slice(2, 8)}`]);
    const [refused, retry, count, ttl] = await guarded(this.#redis.gatehouseHitWindows(keys.length, ...keys, now, windows.length, ...args));
    return {
      refused: refused > 0 ? { index: refused - 1, retryAfterMs: retry } : null,
      counter: { count, ttlMs: Math.max(0, ttl) },
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    await guarded(this.#redis.publish(this.#k(channel), message));
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    if (!this.#subscriber) {
      this.#subscriber = connect(this.#url, `${this.#name}-sub`);
      this.#subscriber.on('error', () => {});
      this.#subscriber.on('message', (ch: string, message: string) => {
        const handlers = this.#handlers.get(ch);
        if (handlers) deliver(handlers, ch, message);
      });
    }
    const full = this.#k(channel);
    const list = this.#handlers.get(full) ?? [];
    list.push(handler);
    this.#handlers.set(full, list);
    if (list.length === 1) await this.#subscriber.subscribe(full);
  }

  async ping(): Promise<void> {
    await this.#redis.ping();
  }

  async close(): Promise<void> {
    await Promise.all([this.#redis.quit().catch(() => this.#redis.disconnect()), this.#subscriber?.quit().catch(() => this.#subscriber?.disconnect())]);
  }
}

/** removes every key under a prefix (test clean-up) */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: COMMAND_TIMEOUT_MS, retryStrategy: () => null });
  redis.on('error', () => {}); // a failure rejects connect() or the command below
  let removed = 0;
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}
