/**
 * Named moving-window limits (docs/security.md `RATE_LIMIT_*`) over the shared ephemeral store, so N
 * instances share one budget per key. A null limit is `off`.
 */
import type { RateLimit } from '../config/load-config.js';
import type { CounterState, EphemeralStore } from '../cache/ephemeral-store.js';
import { commonErrors } from '../errors.js';

/** a hit on the named limit for `key`; `limit` null = the limit is off */
export interface LimitHit {
  name: string;
  key: string;
  limit: RateLimit | null;
}

export class RateLimiter {
  constructor(
    private readonly store: EphemeralStore,
    /** told the name of every limit that refuses a hit (metrics) */
    private readonly onRefused?: (name: string) => void,
  ) {}

  /**
   * Counts a hit on each limit in order (429 at the first one over: the later ones are not
   * counted), then reads the counter `counterKey` — all in one store operation, one round trip on
   * Redis (a sign-in checks its limits and its lockout at once).
   */
  async hitAllAndRead(hits: readonly LimitHit[], counterKey: string): Promise<CounterState> {
    const active = hits.filter((h): h is LimitHit & { limit: RateLimit } => h.limit !== null);
    const result = await this.store.hitWindows(
      active.map((h) => ({ key: `rl:${h.name}:${h.key}`, limit: h.limit.limit, windowMs: h.limit.windowSeconds * 1000 })),
      counterKey,
    );
    if (result.refused) {
      this.onRefused?.(active[result.refused.index]?.name ?? 'unknown');
      throw commonErrors.rateLimited(Math.max(1, Math.ceil(result.refused.retryAfterMs / 1000)));
    }
    return result.counter;
  }

  /** counts a hit against `name`/`key`; throws 429 rate_limited with Retry-After when over */
  async hit(name: string, key: string, limit: RateLimit | null): Promise<void> {
    if (!limit) return;
    const result = await this.store.hitWindow(`rl:${name}:${key}`, limit.limit, limit.windowSeconds * 1000);
    if (!result.allowed) {
      this.onRefused?.(name);
      throw commonErrors.rateLimited(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
    }
  }
}
