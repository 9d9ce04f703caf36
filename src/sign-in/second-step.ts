/**
 * The second sign-in step's state: an `mfa_token` handed out after a right first factor stands for
 * a pending step kept in the ephemeral store, so any instance can finish it. Only the token's hash
 * is a key (the store never holds a usable token); a step lasts 300 s, allows 5 checks and is
 * spent once.
 *
 * Across tokens, per account: someone with the password gets a fresh token (and 5 more guesses)
 * each time, so the wrong codes of all of an account's tokens are counted in a moving 24-hour
 * window; the 20th locks the account's second step for an hour (the right code is refused too).
 * The rules around it (what opens a session, what is audited and mailed) are the core's.
 */
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import type { Clock } from '../clock.js';
import { commonErrors, type DomainError } from '../errors.js';
import { randomToken, sha256 } from '../security/tokens.js';
import { signInErrors } from './sign-in-errors.js';

/** an mfa_token lasts 300 s and allows 5 wrong codes */
export const SECOND_STEP_SECONDS = 300;
const SECOND_STEP_MS = SECOND_STEP_SECONDS * 1000;
const SECOND_STEP_TRIES = 5;
/** 20 wrong codes for one account within 24 h lock its second step for an hour */
const WRONG_CODES_LIMIT = 20;
const WRONG_CODES_WINDOW_MS = 24 * 3600 * 1000;
const SECOND_STEP_LOCK_MS = 3600 * 1000;

/** a second step under way, as the ephemeral store keeps it */
export interface PendingSecondStep {
  userId: string;
  /** the first factor's methods (`["pwd"]`; none after a social sign-in) */
  amr: string[];
  /** ms; checked against the clock as well as the store's own expiry */
  expiresAt: number;
}

export class SecondSteps {
  constructor(
    private readonly store: EphemeralStore,
    private readonly clock: Clock,
  ) {}

  /** a new pending step for the user; the token is handed out once, here */
  async begin(userId: string, amr: string[]): Promise<string> {
    const mfaToken = randomToken();
    const pending: PendingSecondStep = { userId, amr, expiresAt: this.clock.now() + SECOND_STEP_MS };
    await this.store.set(stepKey(mfaToken), JSON.stringify(pending), SECOND_STEP_MS);
    return mfaToken;
  }

  /** the step an mfa_token stands for: 401 when unknown, spent or expired; 429 once void */
  async read(mfaToken: string): Promise<PendingSecondStep> {
    const raw = mfaToken.length <= 128 ? await this.store.get(stepKey(mfaToken)) : null;
    const pending = raw ? (JSON.parse(raw) as PendingSecondStep) : null;
    if (!pending || pending.expiresAt <= this.clock.now()) throw unknownSecondStep();
    const tries = await this.store.getCounter(triesKey(mfaToken));
    if (tries.count >= SECOND_STEP_TRIES) throw signInErrors.tooManyAttempts();
    return pending;
  }

  /** reserves one of the step's checks before checking, so parallel guesses get no more; 429 past them */
  async countTry(mfaToken: string): Promise<void> {
    const tries = await this.store.incrementWithTtl(triesKey(mfaToken), SECOND_STEP_MS);
    if (tries.count > SECOND_STEP_TRIES) throw signInErrors.tooManyAttempts();
  }

  /** spends the step: of two right answers at once, one gets through (401 for the other) */
  async spend(mfaToken: string): Promise<void> {
    if (!(await this.store.getAndDelete(stepKey(mfaToken)))) throw unknownSecondStep();
  }

  /** 429 while the account's second step is locked (whatever the code), else null */
  async accountLock(userId: string): Promise<DomainError | null> {
    // the lock's end is kept in the value and checked against the clock as well as the store's expiry
    const until = Number((await this.store.get(lockKey(userId))) ?? 0);
    const leftMs = until - this.clock.now();
    return leftMs > 0 ? signInErrors.secondStepLocked(Math.max(1, Math.ceil(leftMs / 1000))) : null;
  }

  /**
   * Counts a wrong code against the account (every token of it). Returns `locked` once the account
   * has 20 in the window — the lock then runs an hour from this code — and `first` for the one
   * code that completed the 20 (the user is told once, not once per refused code).
   */
  async recordWrongCode(userId: string): Promise<{ locked: boolean; first: boolean }> {
    const hit = await this.store.hitWindow(wrongCodesKey(userId), WRONG_CODES_LIMIT, WRONG_CODES_WINDOW_MS);
    if (hit.allowed && hit.count < WRONG_CODES_LIMIT) return { locked: false, first: false };
    await this.store.set(lockKey(userId), String(this.clock.now() + SECOND_STEP_LOCK_MS), SECOND_STEP_LOCK_MS);
    return { locked: true, first: hit.allowed };
  }
}

/** only the token's hash names its state: the store never holds a usable mfa_token */
function stepKey(mfaToken: string): string {
  return `mfa-login:${sha256(mfaToken)}`;
}

function triesKey(mfaToken: string): string {
  return `mfa-login-tries:${sha256(mfaToken)}`;
}

function wrongCodesKey(userId: string): string {
  return `mfa-wrong-codes:${userId}`;
}

function lockKey(userId: string): string {
  return `mfa-locked:${userId}`;
}

export function unknownSecondStep(): DomainError {
  return commonErrors.unauthorized('The mfa_token is unknown, spent or expired: sign in again.');
}
