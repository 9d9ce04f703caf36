import { DomainError } from '../errors.js';

export const oidcErrors = {
  grantNotFound: () => new DomainError('not_found', 'Not Found', { detail: 'You have not connected this application.' }),
  clientNotFound: () => new DomainError('not_found', 'Not Found', { detail: 'No OpenID Connect client with this client_id.' }),
  noSecret: () =>
    new DomainError('validation_error', 'Validation failed', {
      detail: 'A public client has no secret to rotate.',
      errors: [{ field: 'type', message: 'is public: public clients have no secret' }],
    }),
  /** the sealed client secret does not open with the current SECRETS_KEY */
  secretUnreadable: (clientId: string) =>
    new DomainError('internal_error', 'Internal Server Error', { detail: `The secret of OpenID Connect client "${clientId}" cannot be decrypted with the current SECRETS_KEY; rotate it through the admin API.` }),
};
