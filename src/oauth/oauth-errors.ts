import { DomainError, type ErrorCode } from '../errors.js';

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
  ) {
    super(code, title, { detail });
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
  providerError: () => new OAuthFailure('provider_error', 'forbidden', 'Provider error', 'The provider answered with an error or could not be reached.'),
  invalidState: () => new OAuthFailure('invalid_state', 'validation_error', 'Invalid sign-in state', 'The sign-in could not be matched to one started here (state mismatch or missing cookie); start again.'),
  flowExpired: () => new OAuthFailure('flow_expired', 'validation_error', 'Sign-in expired', 'The sign-in took too long; start again.'),
  invalidIdToken: () => new OAuthFailure('invalid_id_token', 'forbidden', 'Invalid ID token', 'The identity token from the provider did not pass its checks.'),
  identityInUse: () => new OAuthFailure('identity_in_use', 'forbidden', 'Identity already linked', 'This provider account is already linked to another account.'),
  emailTaken: () => new OAuthFailure('email_taken', 'email_taken', 'Email taken', 'An account with this email exists; sign in to it and link this provider from there.'),
  registrationClosed: () => new OAuthFailure('registration_closed', 'registration_closed', 'Registration closed', 'No account is linked to this provider account and self-registration is closed.'),
  accountDisabled: () => new OAuthFailure('account_disabled', 'account_disabled', 'Account disabled', 'This account has been disabled.'),
  emailNotVerified: () => new OAuthFailure('email_not_verified', 'email_not_verified', 'Email not verified', 'Verify your email address before signing in.'),
};
