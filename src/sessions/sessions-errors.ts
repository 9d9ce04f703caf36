import { DomainError } from '../errors.js';

export const sessionsErrors = {
  invalidRefreshToken: () =>
    new DomainError('invalid_refresh_token', 'Invalid refresh token', { detail: 'The refresh token is unknown, expired or revoked. Sign in again.' }),
  refreshTokenReused: () =>
    new DomainError('refresh_token_reused', 'Refresh token reused', {
      detail: 'This refresh token was already used. The session has been revoked as a precaution; sign in again.',
    }),
  notFound: () => new DomainError('not_found', 'Not Found', { detail: 'No such session.' }),
};
