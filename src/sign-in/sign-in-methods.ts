/**
 * The typed vocabulary of signing in: how someone signed in (or tried to), and why a try was
 * refused. The core hands these values to its listeners (metrics) as they are; audit rows keep
 * their stable strings (`data.method`, `data.reason`), derived here in one place, so nothing has to
 * parse a string back into a method.
 */

/** the second factors a user can finish a sign-in with (the second step's `methods`) */
export const SECOND_FACTORS = ['totp', 'recovery_code', 'webauthn'] as const;
export type SecondFactorMethod = (typeof SECOND_FACTORS)[number];

/** a verified second factor, as RFC 8176 names it: `otp` (TOTP, recovery code) or `hwk` (passkey) */
export type AmrFactor = 'otp' | 'hwk';

/** how a sign-in was made: the method `complete` is told about */
export type SignInMethod =
  | { kind: 'password' }
  | { kind: 'passkey' }
  /** a social provider (upstream OAuth / OpenID Connect) vouched for the user */
  | { kind: 'social'; provider: string }
  /** a code or one-click link emailed to the account's verified address (amr `otp`) */
  | { kind: 'email' }
  /** the second step after a first factor, finished with `factor` */
  | { kind: 'second_step'; factor: SecondFactorMethod };

/**
 * what a counted attempt was: a sign-in method, a second step whose code did not verify (no factor
 * to name), or a re-authentication for a sensitive change
 */
export type Attempt = SignInMethod | { kind: 'second_step'; factor: null } | { kind: 'reauthentication' };

export const signInMethods = {
  password: { kind: 'password' } as const satisfies SignInMethod,
  passkey: { kind: 'passkey' } as const satisfies SignInMethod,
  email: { kind: 'email' } as const satisfies SignInMethod,
  social: (provider: string): SignInMethod => ({ kind: 'social', provider }),
  secondStep: (factor: SecondFactorMethod): SignInMethod => ({ kind: 'second_step', factor }),
  wrongSecondFactor: { kind: 'second_step', factor: null } as const satisfies Attempt,
  reauthentication: { kind: 'reauthentication' } as const satisfies Attempt,
};

/** a first factor: the user's second factor (when they have one) is still to come */
export function isFirstFactor(method: SignInMethod): boolean {
  return method.kind !== 'second_step' && method.kind !== 'passkey';
}

/**
 * Why a sign-in (or a re-authentication) was refused. These are also the audit trail's
 * `login.failed` `data.reason` values, so they are contract for anyone reading the trail.
 */
export const FAILURE_REASONS = [
  // the credential
  'unknown_login',
  'wrong_password',
  'no_password',
  'passkey',
  'mfa',
  // sign-in by email: a wrong, expired or void code, or a link that is not (or no longer) valid
  'wrong_code',
  'code_expired',
  'code_void',
  'invalid_link',
  'reauthentication',
  // the account rules and the defences
  'locked',
  'mfa_locked',
  'account_disabled',
  'email_not_verified',
  // social sign-in: the flow with the provider did not complete
  'access_denied',
  'email_taken',
  'flow_expired',
  'identity_in_use',
  'invalid_id_token',
  'invalid_state',
  'provider_error',
  'registration_closed',
  // a reason another feature names that is not listed here (its audit row keeps the feature's own word)
  'other',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const REASONS: ReadonlySet<string> = new Set(FAILURE_REASONS);

/** a reason named by another feature's error (social sign-in); an unlisted one reads as `other` */
export function failureReason(reason: string): FailureReason {
  return REASONS.has(reason) ? (reason as FailureReason) : 'other';
}

/** what the core tells its listeners, after the outcome is committed */
export type SignInEvent = { attempt: Attempt; outcome: 'success' } | { attempt: Attempt; outcome: 'failure'; reason: FailureReason };

/** `login.succeeded`'s `data.method` (stable audit strings: `password`, `passkey`, `email`, `oauth:<provider>`, `pwd+otp`, …) */
export function auditMethod(method: SignInMethod, amr: readonly string[]): string {
  switch (method.kind) {
    case 'password':
    case 'passkey':
    case 'email':
      return method.kind;
    case 'social':
      return `oauth:${method.provider}`;
    case 'second_step':
      // the factors that made the sign-in, without "mfa" ("pwd+otp", "otp", "pwd+hwk")
      return amr.filter((v) => v !== 'mfa').join('+');
  }
}

/** the RFC 8176 value a second factor adds to the sign-in's `amr` */
export function amrOf(factor: SecondFactorMethod): AmrFactor {
  return factor === 'webauthn' ? 'hwk' : 'otp';
}

/**
 * The `amr` after the second step: the first factor's values, the second factor's and `mfa`, each
 * once (an emailed code and a TOTP are both `otp`: `["otp", "mfa"]`, not `["otp", "otp", "mfa"]`).
 */
export function secondStepAmr(firstFactor: readonly string[], factor: SecondFactorMethod): string[] {
  return [...new Set([...firstFactor, amrOf(factor), 'mfa'])];
}
