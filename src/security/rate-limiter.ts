/**
 * Named moving-window limits (SPEC §8 `RATE_LIMIT_*`) over the shared ephemeral store, so N
 * instances share one budget per key. A null limit is `off`.
 */
import type { RateLimit } from '../config/load-config.js';
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import { commonErrors } from '../errors.js';

export class RateLimiter {
  constructor(private readonly store: EphemeralStore) {}

  /** counts a hit against `name`/`key`; throws 429 rate_limited with Retry-After when over */
  async hit(name: string, key: string, limit: RateLimit | null): Promise<void> {
    if (!limit) return;
    const result = await this.store.hitWindow(`rl:${name}:${key}`, limit.limit, limit.windowSeconds * 1000);
    if (!result.allowed) throw commonErrors.rateLimited(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
  }
}
