/** The fixed permission catalogue (SPEC §5); it grows with the features. */
export const PERMISSIONS = [
  { name: 'products:read', description: 'List and read products' },
  { name: 'products:write', description: 'Create products and manage your own' },
  { name: 'products:write:any', description: "Manage every seller's products" },
  { name: 'users:admin', description: 'Manage users, roles, sessions and the audit trail of others' },
] as const;

export type Permission = (typeof PERMISSIONS)[number]['name'];

export const PERMISSION_NAMES: readonly string[] = PERMISSIONS.map((p) => p.name);

export function isPermission(name: string): name is Permission {
  return PERMISSION_NAMES.includes(name);
}

/** the seeded admin role: every permission, now and as the catalogue grows */
export const ADMIN_ROLE = 'admin';

/** the permission that makes a user an admin (SPEC §4 Admin) */
export const ADMIN_PERMISSION = 'users:admin';

/**
 * PostgreSQL advisory lock id taken (per transaction) by every change that could leave no active
 * admin — demoting, disabling or deleting a user, or taking users:admin away from a role — so
 * concurrent changes serialise and the last-admin check sees the others' results.
 */
export const ADMINS_LOCK = 7_262_003;
