import { DomainError } from '../errors.js';
import { formatWait } from '../http/wait-time.js';

/** the refusals of a sign-in, a second step and a re-authentication (codes are API contract) */
export const signInErrors = {
  invalidCredentials: () =>
    new DomainError('invalid_credentials', 'Invalid credentials', { detail: 'The login or password is not correct.' }),
  accountDisabled: () => new DomainError('account_disabled', 'Account disabled', { detail: 'This account has been disabled.' }),
  emailNotVerified: () =>
    new DomainError('email_not_verified', 'Email not verified', { detail: 'Verify your email address before signing in.' }),
  /** a sensitive change from a session older than ten minutes */
  reauthenticationRequired: (what: string) =>
    new DomainError('forbidden', 'Re-authentication required', { detail: `Sign in again (within the last 10 minutes) to ${what}.` }),
  /** a wrong second-step code */
  invalidCode: () => new DomainError('invalid_code', 'Invalid code', { detail: 'The code is not correct.' }),
  /** an mfa_token after 5 wrong codes */
  tooManyAttempts: () =>
    new DomainError('too_many_attempts', 'Too many attempts', { detail: 'Too many wrong codes for this sign-in: sign in again with your password.' }),
  /** the account's second step after 20 wrong codes within 24 h */
  secondStepLocked: (retryAfterSeconds: number) =>
    new DomainError('too_many_attempts', 'Too many attempts', {
      detail: `Too many wrong codes for this account: its second step is locked; try again in ${retryAfterSeconds} s.`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
  accountLocked: (retryAfterSeconds: number) =>
    new DomainError('account_locked', 'Account locked', {
      detail: `Too many failed sign-ins for this login. Try again in ${formatWait(retryAfterSeconds)}.`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
};
