import { DomainError } from '../errors.js';

export const rolesErrors = {
  exists: (name: string) => new DomainError('role_exists', 409, 'Role exists', { detail: `A role named "${name}" already exists.` }),
  inUse: (detail: string) => new DomainError('role_in_use', 409, 'Role in use', { detail }),
  protected: () => new DomainError('role_protected', 409, 'Role protected', { detail: 'The admin role always holds every permission and cannot be changed or deleted.' }),
  lastAdmin: () =>
    new DomainError('last_admin', 409, 'Last admin', { detail: 'Taking users:admin away from this role would leave no active admin.' }),
  notFound: (name: string) => new DomainError('not_found', 404, 'Not Found', { detail: `No role named "${name}".` }),
};
