/**
 * The ways into an account that features above this one own — linked identities (oauth), TOTP,
 * passkeys and recovery codes (mfa) — as the password reset sees them: it cannot import those
 * features (they sit above it), so each owner implements this interface, its wiring makes the
 * implementation (social-wiring.ts's linkedIdentitiesWayIn, mfa-wiring.ts's secondFactorsWayIn) and the
 * composition (src/services.ts) hands them to email-ownership-wiring.ts. Each owner writes only its own tables.
 */
import type { Executor } from '../db/database-types.js';
import type { RequestContext } from '../request-context.js';

/** one way in that was removed, as the notice names it */
export interface RemovedWayIn {
  kind: 'identity' | 'totp' | 'passkey' | 'recovery_codes';
  /** the provider of an identity, the name of a passkey, the number of recovery codes */
  name: string;
}

export interface OtherWaysIn {
  /**
   * Removes every way in of this kind the user has, inside the caller's transaction (which holds
   * the user's row), audited with `reason` in the events' data; returns what was removed.
   */
  removeAllInTx(tx: Executor, ctx: RequestContext, userId: string, reason: string): Promise<RemovedWayIn[]>;
}
