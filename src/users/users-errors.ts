import { DomainError } from '../errors.js';

export const usersErrors = {
  emailTaken: () => new DomainError('email_taken', 409, 'Email taken', { detail: 'An account with this email address already exists.' }),
  usernameTaken: () => new DomainError('username_taken', 409, 'Username taken', { detail: 'This username is already taken.' }),
  notFound: () => new DomainError('not_found', 404, 'Not Found', { detail: 'No such user.' }),
  lastAdmin: () =>
    new DomainError('last_admin', 409, 'Last admin', { detail: 'This is the last active admin: it cannot be demoted, disabled or deleted.' }),
  invalidPassword: () =>
    new DomainError('invalid_password', 403, 'Invalid password', { detail: 'The password you entered is not correct.' }),
};
