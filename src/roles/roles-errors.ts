import { DomainError } from '../errors.js';

export const rolesErrors = {
  exists: (name: string) => new DomainError('role_exists', 'Role exists', { detail: `A role named "${name}" already exists.` }),
  inUse: (detail: string) => new DomainError('role_in_use', 'Role in use', { detail }),
  protected: () => new DomainError('role_protected', 'Role protected', { detail: 'The admin role always holds every permission and cannot be changed or deleted.' }),
  lastAdmin: () =>
    new DomainError('last_admin', 'Last admin', { detail: 'Taking users:admin away from this role would leave no active admin.' }),
  /** demoting, disabling or deleting this user would leave no active admin */
  lastActiveAdmin: () =>
    new DomainError('last_admin', 'Last admin', { detail: 'This is the last active admin: it cannot be demoted, disabled or deleted.' }),
  notFound: (name: string) => new DomainError('not_found', 'Not Found', { detail: `No role named "${name}".` }),
};

export const permissionsErrors = {
  exists: (name: string, builtin: boolean) =>
    new DomainError('permission_exists', 'Permission exists', { detail: builtin ? `"${name}" is a built-in permission.` : `A permission named "${name}" already exists.` }),
  inUse: (name: string, roles: readonly string[]) =>
    new DomainError('permission_in_use', 'Permission in use', { detail: `"${name}" is still held by the role${roles.length === 1 ? '' : 's'} ${roles.join(', ')}; take it away from ${roles.length === 1 ? 'it' : 'them'} first.` }),
  protected: (name: string) => new DomainError('permission_protected', 'Permission protected', { detail: `"${name}" is built in and cannot be deleted.` }),
  notFound: (name: string) => new DomainError('not_found', 'Not Found', { detail: `No permission named "${name}".` }),
};
