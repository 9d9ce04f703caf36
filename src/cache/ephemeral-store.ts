/**
 * Ephemeral, shared state: rate-limit windows, lockout counters, one-time values and cache
 * invalidation messages. One interface, two implementations (memory for the embedded mode, Redis
 * for production / scale-out) that pass the same contract suite (test/contracts).
 *
 * Every operation is atomic on its own (Redis: a single command or one Lua script; memory: one
 * synchronous step), so N instances sharing one Redis never read-then-write a counter.
 * Time comes from the injected clock (milliseconds), so expiry is testable without waiting.
 */
export interface WindowHit {
  /** true when this hit was counted and is within the limit */
  allowed: boolean;
  /** hits inside the window, including this one when allowed */
  count: number;
  /** when not allowed: milliseconds until the oldest hit leaves the window (>= 1) */
  retryAfterMs: number;
}

export interface CounterState {
  count: number;
  /** milliseconds until the counter expires (0 when it does not exist) */
  ttlMs: number;
}

/** one moving window of a hitWindows call */
export interface WindowSpec {
  key: string;
  limit: number;
  windowMs: number;
}

export interface WindowsHit {
  /** the first window that refused the hit (the ones after it were not counted), or null */
  refused: { index: number; retryAfterMs: number } | null;
  /** the counter read after every window admitted the hit ({0, 0} when one refused) */
  counter: CounterState;
}

export type MessageHandler = (message: string) => void;

export interface EphemeralStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** returns the value and removes it in one step (single use values) */
  getAndDelete(key: string): Promise<string | null>;
  /**
   * Increments a counter; the TTL is set when the counter is created and not extended after,
   * except that the increment reaching `rearmAt` (when given) sets it to `ttlMs` again: a lockout
   * then lasts its whole window from the failure that completed it.
   */
  incrementWithTtl(key: string, ttlMs: number, rearmAt?: number): Promise<CounterState>;
  /** current counter value without changing it */
  getCounter(key: string): Promise<CounterState>;
  /**
   * Removes the counter unless it has reached `limit` (then it stays as it is), in one step;
   * returns the state it found. A successful sign-in resets its failure count this way without
   * undoing a lockout that concurrent failures completed meanwhile.
   */
  resetCounterBelow(key: string, limit: number): Promise<CounterState>;
  /**
   * Moving (sliding-log) window: counts this hit if fewer than `limit` hits happened in the last
   * `windowMs`; a refused hit is not recorded, so a client that keeps hammering is let in again as
   * soon as its oldest counted hit leaves the window.
   */
  hitWindow(key: string, limit: number, windowMs: number): Promise<WindowHit>;
  /**
   * Several hitWindow calls in order, stopping at the first refusal, then — when every window
   * admitted the hit — a getCounter of `counterKey`, all in one step (one round trip): a sign-in
   * checks its rate limits and its lockout at once.
   */
  hitWindows(windows: readonly WindowSpec[], counterKey: string): Promise<WindowsHit>;
  /** fire-and-forget broadcast to every instance (including this one) */
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** health probe: resolves when the backing service answers */
  ping(): Promise<void>;
  close(): Promise<void>;
}
