import { DomainError } from '../errors.js';

/** registration's refusal; the sign-in refusals are the sign-in core's (sign-in-errors.ts) */
export const authErrors = {
  registrationClosed: () =>
    new DomainError('registration_closed', 'Registration closed', { detail: 'Self-registration is closed; an administrator creates accounts.' }),
};
