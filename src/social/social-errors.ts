import { DomainError, type ErrorCode } from '../errors.js';

/**
 * A call to a provider that failed, and why, for the log: the step (discovery, token, profile…)
 * and the cause (HTTP status, the provider's error code, a network error). Never a secret, a
 * code, a token, or a URL that carries one.
 */
export class ProviderCallFailed extends Error {
  constructor(
    readonly provider: string,
    readonly step: string,
    readonly why: string,
  ) {
    super(`${provider} ${step}: ${why}`);
    this.name = 'ProviderCallFailed';
  }
}

/** the failed provider call behind an error, if any */
export function providerFailureOf(error: unknown): ProviderCallFailed | null {
  if (error instanceof ProviderCallFailed) return error;
  return error instanceof Error && error.cause instanceof ProviderCallFailed ? error.cause : null;
}

/** logs the failed provider call behind an error (pino's signature), if there was one */
export function logProviderFailure(log: { warn(obj: object, msg: string): void }, error: unknown): void {
  const failed = providerFailureOf(error);
  if (failed) log.warn({ provider: failed.provider, step: failed.step, cause: failed.why }, 'oauth: a call to the provider failed');
}

/**
 * A sign-in or link through a provider that did not complete. `reason` is what the browser is
 * sent back with (`/login?error=<reason>`); API clients get the problem+json of `code`.
 */
export class OAuthFailure extends DomainError {
  constructor(
    readonly reason: string,
    code: ErrorCode,
    title: string,
    detail: string,
    cause?: ProviderCallFailed,
  ) {
    super(code, title, { detail, ...(cause ? { cause } : {}) });
    this.name = 'OAuthFailure';
  }
}

export const oauthErrors = {
  unknownProvider: () => new DomainError('not_found', 'Not Found', { detail: 'No such sign-in provider, or it is disabled.' }),
  providerNotFound: () => new DomainError('not_found', 'Not Found', { detail: 'No provider with this id is configured in the database.' }),
  identityNotFound: () => new DomainError('not_found', 'Not Found', { detail: 'No such linked identity.' }),
  lastLoginMethod: () =>
    new DomainError('last_login_method', 'Last login method', { detail: 'This is the only way left to sign in to this account: set a password or link another provider first.' }),
  providerExists: () => new DomainError('validation_error', 'Validation failed', { detail: 'A provider with this id is already configured.', errors: [{ field: 'id', message: 'already exists' }] }),
  /** the sealed client secret does not open with the current SECRETS_KEY (rotated without re-entering secrets) */
  secretUnreadable: (id: string) =>
    new DomainError('internal_error', 'Internal Server Error', { detail: `The client secret of OAuth provider "${id}" cannot be decrypted with the current SECRETS_KEY; set it again through the admin API.` }),

  // flow failures: the browser goes back to /login?error=<reason>
  accessDenied: () => new OAuthFailure('access_denied', 'forbidden', 'Sign-in cancelled', 'The provider did not grant access (consent denied or cancelled).'),
  providerError: (cause?: ProviderCallFailed) => new OAuthFailure('provider_error', 'forbidden', 'Provider error', 'The provider answered with an error or could not be reached.', cause),
  /** linking from a session older than ten minutes: sign in again first */
  reauthenticationRequired: () =>
    new OAuthFailure('reauthentication_required', 'forbidden', 'Re-authentication required', 'Sign in again (within the last 10 minutes) to connect another sign-in provider.'),
  /** an admin's provider that does not answer: 400 naming `issuer`, the failed call as its cause */
  providerUnreachable: (cause: ProviderCallFailed) =>
    new DomainError('validation_error', 'Validation failed', { detail: 'The provider cannot be reached.', errors: [{ field: 'issuer', message: `the provider cannot be reached (${cause.step}: ${cause.why})` }], cause }),
  invalidState: () => new OAuthFailure('invalid_state', 'validation_error', 'Invalid sign-in state', 'The sign-in could not be matched to one started here (state mismatch or missing cookie); start again.'),
  flowExpired: () => new OAuthFailure('flow_expired', 'validation_error', 'Sign-in expired', 'The sign-in took too long; start again.'),
  invalidIdToken: (cause?: ProviderCallFailed) => new OAuthFailure('invalid_id_token', 'forbidden', 'Invalid ID token', 'The identity token from the provider did not pass its checks.', cause),
  identityInUse: () => new OAuthFailure('identity_in_use', 'forbidden', 'Identity already linked', 'This provider account is already linked to another account.'),
  emailTaken: () => new OAuthFailure('email_taken', 'email_taken', 'Email taken', 'An account with this email exists; sign in to it and link this provider from there.'),
  registrationClosed: () => new OAuthFailure('registration_closed', 'registration_closed', 'Registration closed', 'No account is linked to this provider account and self-registration is closed.'),
  accountDisabled: () => new OAuthFailure('account_disabled', 'account_disabled', 'Account disabled', 'This account has been disabled.'),
  emailNotVerified: () => new OAuthFailure('email_not_verified', 'email_not_verified', 'Email not verified', 'Verify your email address before signing in.'),
};
