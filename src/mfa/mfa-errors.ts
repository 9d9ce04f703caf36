import { commonErrors, DomainError } from '../errors.js';

export const mfaErrors = {
  invalidCode: () => new DomainError('invalid_code', 'Invalid code', { detail: 'The code is not correct.' }),
  notEnabled: (what = 'Multi-factor authentication is not on for this account.') => new DomainError('mfa_not_enabled', 'MFA not enabled', { detail: what }),
  passkeyNotFound: () => commonErrors.notFound('No such passkey.'),
  /** docs/security.md: a registration response that does not verify is a 400 naming `response` */
  invalidRegistration: (message: string) => commonErrors.validation([{ field: 'response', message }], 'The passkey registration did not verify.'),
};
