/**
 * The permission catalogue: the built-in permissions (Gatehouse's own, plus those of the modules
 * that are on) and, stored in the `permissions` table, the operator's own permissions for the
 * applications Gatehouse guards. Roles hold names from this catalogue.
 */
export interface PermissionEntry {
  name: string;
  /** null when the operator gave none */
  description: string | null;
  /** built in (never deleted), or the operator's own */
  builtin: boolean;
}

/** Gatehouse's own permission: the admin API and console */
const CORE_PERMISSIONS = [{ name: 'users:admin', description: 'Manage users, roles, permissions, sessions, sign-in providers and the audit trail' }] as const;

/** the products module's permissions (PRODUCTS=on) */
const PRODUCTS_PERMISSIONS = [
  { name: 'products:read', description: 'List and read products' },
  { name: 'products:write', description: 'Create products and manage your own' },
  { name: 'products:write:any', description: "Manage every seller's products" },
] as const;

/**
 * The namespace the products module owns: reserved while the module is off too, so an operator's
 * permission can never turn into (or collide with) a module permission when PRODUCTS is switched on.
 */
export const PRODUCTS_NAMESPACE = 'products';

/** the built-in permissions, with the products module's when it is on */
export function builtinPermissions(products: boolean): PermissionEntry[] {
  return [...CORE_PERMISSIONS, ...(products ? PRODUCTS_PERMISSIONS : [])]
    .map((p) => ({ name: p.name, description: p.description, builtin: true }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * An operator permission's name: `<namespace>:<action>`, each part of a–z, 0–9, `_` and `-`, 3–64
 * characters in all (e.g. `invoices:read`).
 */
const PERMISSION_NAME_PATTERN = '^[a-z0-9_-]+:[a-z0-9_-]+$';
export const PERMISSION_NAME_MIN = 3;
export const PERMISSION_NAME_MAX = 64;
const PERMISSION_NAME = new RegExp(PERMISSION_NAME_PATTERN);

export function isPermissionName(name: string): boolean {
  return name.length >= PERMISSION_NAME_MIN && name.length <= PERMISSION_NAME_MAX && PERMISSION_NAME.test(name);
}

/** the seeded admin role: every permission of the catalogue, now and as it grows */
export const ADMIN_ROLE = 'admin';

/** the permission that makes a user an admin (the admin API and console require it) */
export const ADMIN_PERMISSION = 'users:admin';

/** the products module's seeded roles, created at start when PRODUCTS=on and missing */
export const PRODUCTS_ROLES = [
  { name: 'seller', description: 'Sellers: read products, manage their own', permissions: ['products:read', 'products:write'] },
  { name: 'buyer', description: 'Buyers: read products', permissions: ['products:read'] },
] as const;

/**
 * PostgreSQL advisory lock id taken (per transaction) by every change that could leave no active
 * admin — demoting, disabling or deleting a user, or taking users:admin away from a role — so
 * concurrent changes serialise and the last-admin check sees the others' results.
 */
export const ADMINS_LOCK = 7_262_003;
