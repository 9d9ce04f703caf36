import { DomainError } from '../errors.js';

export const emailErrors = {
  invalidCode: () => new DomainError('invalid_code', 'Invalid code', { detail: 'The code is not correct, or there is no code to check.' }),
  codeExpired: () => new DomainError('code_expired', 'Code expired', { detail: 'The code has expired; ask for a new one.' }),
  tooManyAttempts: () =>
    new DomainError('too_many_attempts', 'Too many attempts', { detail: 'Too many wrong codes: this code is void; ask for a new one.' }),
};
