import { DomainError } from '../errors.js';

export const authErrors = {
  invalidCredentials: () =>
    new DomainError('invalid_credentials', 401, 'Invalid credentials', { detail: 'The login or password is not correct.' }),
  accountDisabled: () => new DomainError('account_disabled', 403, 'Account disabled', { detail: 'This account has been disabled.' }),
  emailNotVerified: () =>
    new DomainError('email_not_verified', 403, 'Email not verified', { detail: 'Verify your email address before signing in.' }),
  registrationClosed: () =>
    new DomainError('registration_closed', 403, 'Registration closed', { detail: 'Self-registration is closed; an administrator creates accounts.' }),
  accountLocked: (retryAfterSeconds: number) =>
    new DomainError('account_locked', 423, 'Account locked', {
      detail: `Too many failed sign-ins for this login; try again in ${retryAfterSeconds} s.`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    }),
};
