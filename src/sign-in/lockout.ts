/**
 * Lockout (docs/security.md): LOCKOUT_THRESHOLD failed sign-ins for one identifier — as typed, normalised,
 * whether or not an account has it — lock it for LOCKOUT_MINUTES. The failure that reaches the
 * threshold still gets its ordinary refusal and starts the lock's full window; every attempt after
 * it gets 423 account_locked, even with the right password. A wrong current password on a
 * re-authentication (password change, account deletion) counts like a failed sign-in for the
 * account's identifier (its email, else its username).
 *
 * The count lives in the ephemeral store (shared through Redis), one atomic step per operation.
 */
import type { CounterState, EphemeralStore } from '../cache/ephemeral-store.js';
import type { Config } from '../config/load-config.js';
import type { DomainError } from '../errors.js';
import { signInErrors } from './sign-in-errors.js';

const retryAfterSeconds = (ttlMs: number) => Math.max(1, Math.ceil(ttlMs / 1000));

export class Lockout {
  constructor(
    private readonly store: EphemeralStore,
    private readonly settings: Pick<Config, 'lockoutThreshold' | 'lockoutSeconds'>,
  ) {}

  key(identifier: string): string {
    return `lockout:${identifier}`;
  }

  /** 423 account_locked when `state` (as read from the store) is a lock, else null */
  refusal(state: CounterState): DomainError | null {
    return state.count >= this.settings.lockoutThreshold && state.ttlMs > 0 ? signInErrors.accountLocked(retryAfterSeconds(state.ttlMs)) : null;
  }

  /** the lock on `identifier`, read from the store (a sign-in reads it with its rate limits instead) */
  async check(identifier: string): Promise<DomainError | null> {
    return this.refusal(await this.store.getCounter(this.key(identifier)));
  }

  /**
   * Counts a failure. Null: the caller refuses as usual (the failure that reaches the threshold
   * included, and it starts the lock's own full window); 423 when it was counted past the
   * threshold (attempts sent together were all checked before the lock existed).
   */
  async recordFailure(identifier: string): Promise<DomainError | null> {
    const threshold = this.settings.lockoutThreshold;
    const counted = await this.store.incrementWithTtl(this.key(identifier), Math.round(this.settings.lockoutSeconds * 1000), threshold);
    return counted.count > threshold ? signInErrors.accountLocked(retryAfterSeconds(counted.ttlMs)) : null;
  }

  /**
   * After a correct password: resets the count, unless failures that finished while it was being
   * checked completed a lock — then the attempt is refused like any attempt after the lock (423).
   */
  async settle(identifier: string): Promise<DomainError | null> {
    return this.refusal(await this.store.resetCounterBelow(this.key(identifier), this.settings.lockoutThreshold));
  }
}
