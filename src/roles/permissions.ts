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
