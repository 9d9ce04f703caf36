/**
 * In-process ephemeral store for the embedded mode (one instance). Same contract as RedisStore
 * (test/contracts/ephemeral-store.contract.ts). Time comes from the injected clock; expired
 * entries are ignored on read and swept periodically so per-IP keys cannot grow without bound.
 */
import type { CounterState, EphemeralStore, MessageHandler, WindowHit, WindowSpec, WindowsHit } from './ephemeral-store.js';
import { systemClock, type Clock } from '../clock.js';

interface Entry {
  value: string;
  expiresAt: number;
}

interface Counter {
  count: number;
  expiresAt: number;
}

interface Window {
  hits: number[];
  windowMs: number;
}

const SWEEP_MS = 30_000;

export class MemoryStore implements EphemeralStore {
  readonly #values = new Map<string, Entry>();
  readonly #counters = new Map<string, Counter>();
  readonly #windows = new Map<string, Window>();
  readonly #subscribers = new Map<string, MessageHandler[]>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock = systemClock) {
    this.#sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.#sweeper.unref();
  }

  async get(key: string): Promise<string | null> {
    const e = this.#values.get(key);
    if (!e) return null;
    if (e.expiresAt <= this.clock.now()) {
      this.#values.delete(key);
      return null;
    }
    return e.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#values.set(key, { value, expiresAt: this.clock.now() + ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.#values.delete(key);
    this.#counters.delete(key);
    this.#windows.delete(key);
  }

  async getAndDelete(key: string): Promise<string | null> {
    // synchronous between read and delete: single use even under concurrent callers
    const e = this.#values.get(key);
    this.#values.delete(key);
    return e && e.expiresAt > this.clock.now() ? e.value : null;
  }

  async incrementWithTtl(key: string, ttlMs: number, rearmAt?: number): Promise<CounterState> {
    const now = this.clock.now();
    let c = this.#counters.get(key);
    if (!c || c.expiresAt <= now) {
      c = { count: 0, expiresAt: now + ttlMs };
      this.#counters.set(key, c);
    }
    c.count++;
    if (c.count === rearmAt) c.expiresAt = now + ttlMs;
    return { count: c.count, ttlMs: c.expiresAt - now };
  }

  async getCounter(key: string): Promise<CounterState> {
    return this.#counter(key);
  }

  #counter(key: string): CounterState {
    const now = this.clock.now();
    const c = this.#counters.get(key);
    if (!c || c.expiresAt <= now) return { count: 0, ttlMs: 0 };
    return { count: c.count, ttlMs: c.expiresAt - now };
  }

  async resetCounterBelow(key: string, limit: number): Promise<CounterState> {
    const state = this.#counter(key);
    if (state.count < limit) this.#counters.delete(key);
    return state;
  }

  async hitWindow(key: string, limit: number, windowMs: number): Promise<WindowHit> {
    return this.#hit(key, limit, windowMs);
  }

  #hit(key: string, limit: number, windowMs: number): WindowHit {
    const now = this.clock.now();
    let w = this.#windows.get(key);
    if (!w) {
      w = { hits: [], windowMs };
      this.#windows.set(key, w);
    }
    w.windowMs = windowMs;
    const cutoff = now - windowMs;
    let drop = 0;
    while (drop < w.hits.length && w.hits[drop]! <= cutoff) drop++;
    if (drop > 0) w.hits.splice(0, drop);
    if (w.hits.length < limit) {
      w.hits.push(now);
      return { allowed: true, count: w.hits.length, retryAfterMs: 0 };
    }
    const oldest = w.hits[0];
    return { allowed: false, count: w.hits.length, retryAfterMs: oldest === undefined ? windowMs : Math.max(1, oldest + windowMs - now) };
  }

  async hitWindows(windows: readonly WindowSpec[], counterKey: string): Promise<WindowsHit> {
    // synchronous from the first window to the counter: one step, as the Redis script is
    for (const [index, w] of windows.entries()) {
      const hit = this.#hit(w.key, w.limit, w.windowMs);
      if (!hit.allowed) return { refused: { index, retryAfterMs: hit.retryAfterMs }, counter: { count: 0, ttlMs: 0 } };
    }
    return { refused: null, counter: this.#counter(counterKey) };
  }

  async publish(channel: string, message: string): Promise<void> {
    const handlers = this.#subscribers.get(channel);
    if (!handlers) return;
    queueMicrotask(() => {
      // a throwing handler must neither starve the others nor surface as an uncaught exception
      for (const h of handlers) {
        try {
          h(message);
        } catch (error) {
          process.emitWarning(`ephemeral store: a subscriber of "${channel}" threw: ${String(error)}`);
        }
      }
    });
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    const list = this.#subscribers.get(channel) ?? [];
    list.push(handler);
    this.#subscribers.set(channel, list);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }

  /** entries currently held (expired ones included until the next sweep) */
  size(): number {
    return this.#values.size + this.#counters.size + this.#windows.size;
  }

  /** drops expired entries (runs every 30 s; public for tests) */
  sweep(): void {
    const now = this.clock.now();
    for (const [k, e] of this.#values) if (e.expiresAt <= now) this.#values.delete(k);
    for (const [k, c] of this.#counters) if (c.expiresAt <= now) this.#counters.delete(k);
    for (const [k, w] of this.#windows) if (w.hits.length === 0 || w.hits[w.hits.length - 1]! <= now - w.windowMs) this.#windows.delete(k);
  }
}
