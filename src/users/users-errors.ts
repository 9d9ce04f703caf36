import { DomainError } from '../errors.js';

export const usersErrors = {
  emailTaken: () => new DomainError('email_taken', 'Email taken', { detail: 'An account with this email address already exists.' }),
  usernameTaken: () => new DomainError('username_taken', 'Username taken', { detail: 'This username is already taken.' }),
  notFound: () => new DomainError('not_found', 'Not Found', { detail: 'No such user.' }),
  invalidPassword: () =>
    new DomainError('invalid_password', 'Invalid password', { detail: 'The password you entered is not correct.' }),
};
