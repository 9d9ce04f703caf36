/**
 * The second sign-in step's state (SPEC §12): an `mfa_token` handed out after a right first factor
 * stands for a pending step kept in the ephemeral store, so any instance can finish it. Only the
 * token's hash is a key (the store never holds a usable token); a step lasts 300 s, allows 5
 * checks and is spent once. The rules around it (what opens a session, what is audited) stay in
 * AuthService.
 */
import type { EphemeralStore } from '../cache/ephemeral-store.js';
import type { Clock } from '../clock.js';
import { commonErrors, type DomainError } from '../errors.js';
import { randomToken, sha256 } from '../security/tokens.js';
import { authErrors } from './auth-errors.js';

/** SPEC §12: an mfa_token lasts 300 s and allows 5 wrong codes */
const SECOND_STEP_MS = 300 * 1000;
const SECOND_STEP_TRIES = 5;

/** the second factors a user can finish a sign-in with (SPEC §12 `methods`) */
export type MfaMethod = 'totp' | 'recovery_code' | 'webauthn';

/** a verified second factor, as RFC 8176 names it: `otp` (TOTP, recovery code) or `hwk` (passkey) */
export type SecondFactor = 'otp' | 'hwk';

/** a second step under way, as the ephemeral store keeps it */
export interface PendingSecondStep {
  userId: string;
  /** the first factor's methods (`["pwd"]`) */
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
    if (tries.count >= SECOND_STEP_TRIES) throw authErrors.tooManyAttempts();
    return pending;
  }

  /** reserves one of the step's checks before checking, so parallel guesses get no more; 429 past them */
  async countTry(mfaToken: string): Promise<void> {
    const tries = await this.store.incrementWithTtl(triesKey(mfaToken), SECOND_STEP_MS);
    if (tries.count > SECOND_STEP_TRIES) throw authErrors.tooManyAttempts();
  }

  /** spends the step: of two right answers at once, one gets through (401 for the other) */
  async spend(mfaToken: string): Promise<void> {
    if (!(await this.store.getAndDelete(stepKey(mfaToken)))) throw unknownSecondStep();
  }
}

/** only the token's hash names its state: the store never holds a usable mfa_token */
function stepKey(mfaToken: string): string {
  return `mfa-login:${sha256(mfaToken)}`;
}

function triesKey(mfaToken: string): string {
  return `mfa-login-tries:${sha256(mfaToken)}`;
}

export function unknownSecondStep(): DomainError {
  return commonErrors.unauthorized('The mfa_token is unknown, spent or expired: sign in again.');
}
