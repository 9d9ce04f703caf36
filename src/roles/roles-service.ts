/**
 * Roles are data; permissions come from a catalogue: the built-in permissions (with the products
 * module's when PRODUCTS=on) and the operator's own, stored in the `permissions` table. What a role
 * grants is resolved from the user's current roles on every request, through one snapshot (the
 * catalogue and every role's grants) cached for at most one second and evicted on every instance
 * (InvalidationBus topic `roles`) when a role or a permission changes, so a demotion — or a new
 * permission given to a role — takes effect within a second. A role grants only what the catalogue
 * holds: a permission stored on a role but no longer in the catalogue (the products module's, once
 * PRODUCTS is off) stays on the role, inert, and comes back with the module.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import { TtlCache } from '../cache/ttl-cache.js';
import type { Db, Executor } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import {
  ADMIN_PERMISSION,
  ADMIN_ROLE,
  builtinPermissions,
  isPermissionName,
  PERMISSION_NAME_MAX,
  PERMISSION_NAME_MIN,
  PRODUCTS_NAMESPACE,
  PRODUCTS_ROLES,
  type PermissionEntry,
} from './permissions.js';
import type { PermissionsRepository } from './permissions-repository.js';
import { permissionsErrors, rolesErrors } from './roles-errors.js';
import type { RoleRecord, RolesRepository } from './roles-repository.js';
import type { Clock } from '../clock.js';
import type { RequestContext } from '../request-context.js';

export interface RolesServiceDeps {
  db: Db;
  roles: RolesRepository;
  permissions: PermissionsRepository;
  audit: AuditService;
  bus: InvalidationBus;
  clock: Clock;
  defaultRole: string;
  /** PRODUCTS=on: the products module's permissions are built in, and its roles are seeded */
  products: boolean;
}

/** the catalogue and what each role grants, as of one read */
interface Snapshot {
  catalogue: PermissionEntry[];
  grants: Map<string, ReadonlySet<string>>;
}

export class RolesService {
  readonly #cache: TtlCache<Snapshot>;
  readonly #unions = new WeakMap<Snapshot, Map<string, ReadonlySet<string>>>();
  readonly #builtin: PermissionEntry[];

  constructor(private readonly d: RolesServiceDeps) {
    this.#builtin = builtinPermissions(d.products);
    this.#cache = new TtlCache(1000, 1, () => d.clock.now());
    d.bus.on('roles', () => this.#cache.clear());
  }

  /** the whole permission catalogue, built-in and the operator's, by name */
  async catalogue(): Promise<PermissionEntry[]> {
    return (await this.#snapshot()).catalogue;
  }

  /** the union of the roles' permissions; the same Set for the same roles while the snapshot lives */
  async permissionsFor(roles: readonly string[]): Promise<ReadonlySet<string>> {
    return this.#union(await this.#snapshot(), roles);
  }

  /** permissionsFor from this second's snapshot alone; undefined when it has to be read */
  cachedPermissionsFor(roles: readonly string[]): ReadonlySet<string> | undefined {
    const snapshot = this.#cache.peek('all');
    return snapshot === undefined ? undefined : this.#union(snapshot, roles);
  }

  #union(snapshot: Snapshot, roles: readonly string[]): ReadonlySet<string> {
    let unions = this.#unions.get(snapshot);
    if (!unions) this.#unions.set(snapshot, (unions = new Map()));
    const key = roles.join('\u0000');
    let result = unions.get(key);
    if (!result) {
      const set = new Set<string>();
      for (const role of roles) for (const p of snapshot.grants.get(role) ?? []) set.add(p);
      unions.set(key, (result = set));
    }
    return result;
  }

  /**
   * Roles that grant `permission` (e.g. every role that makes a user an admin). With `db` (a
   * transaction), read fresh through it rather than from the cache: inside a transaction a cache
   * miss must not wait for another connection (PGlite has only one, held by the transaction).
   */
  async rolesGranting(permission: string, db?: Executor): Promise<string[]> {
    if (db) {
      const [rows, catalogue] = await Promise.all([this.d.roles.list(db), this.#builtinOnly(permission) ? this.#builtin : this.#readCatalogue(db)]);
      const grants = grantsOf(rows, catalogue);
      return [...grants].filter(([, perms]) => perms.has(permission)).map(([name]) => name);
    }
    const { grants } = await this.#snapshot();
    return [...grants].filter(([, perms]) => perms.has(permission)).map(([name]) => name);
  }

  /** the names in `names` that are not roles (with `db`: read fresh through it, not from the cache) */
  async unknownRoles(names: readonly string[], db?: Executor): Promise<string[]> {
    if (db) {
      const known = new Set((await this.d.roles.list(db)).map((r) => r.name));
      return names.filter((n) => !known.has(n));
    }
    const { grants } = await this.#snapshot();
    return names.filter((n) => !grants.has(n));
  }

  /** every role as stored; the admin role with every permission of the catalogue */
  async list(): Promise<RoleRecord[]> {
    const [rows, catalogue] = await Promise.all([this.d.roles.list(this.d.db), this.#readCatalogue(this.d.db)]);
    return rows.map((r) => withAdminPermissions(r, catalogue));
  }

  /**
   * With PRODUCTS=on, the module's roles (seller, buyer) are created when missing — on a new
   * database, and on one that ran without the module. Safe to run from several instances at once.
   */
  async seedModuleRoles(): Promise<string[]> {
    if (!this.d.products) return [];
    const created: string[] = [];
    await this.d.db.transaction().execute(async (tx) => {
      const at = new Date(this.d.clock.now());
      for (const role of PRODUCTS_ROLES) {
        if (await this.d.roles.insert(tx, { name: role.name, description: role.description, permissions: [...role.permissions] }, at)) created.push(role.name);
      }
    });
    if (created.length > 0) await this.d.bus.publish('roles', '*');
    return created;
  }

  async create(ctx: RequestContext, input: RoleRecord): Promise<RoleRecord> {
    const role = { ...input, permissions: [...new Set(input.permissions)] };
    await this.d.db.transaction().execute(async (tx) => {
      await this.#checkPermissions(tx, input.permissions, []);
      if (!(await this.d.roles.insert(tx, role, new Date(this.d.clock.now())))) throw rolesErrors.exists(role.name);
      await this.d.audit.record(tx, ctx, { type: 'role.created', userId: null, data: { role: role.name, permissions: role.permissions } });
    });
    await this.d.bus.publish('roles', '*');
    return role;
  }

  async update(ctx: RequestContext, name: string, patch: { description?: string | null; permissions?: string[] }): Promise<RoleRecord> {
    // PATCH {} answers the role as it is, and changes (and records) nothing
    if (patch.description === undefined && patch.permissions === undefined) {
      const current = (await this.list()).find((r) => r.name === name);
      if (!current) throw rolesErrors.notFound(name);
      return current;
    }
    const updated = await this.d.db.transaction().execute(async (tx) => {
      // a change that may take users:admin away serialises with user demotions (UsersService);
      // the advisory lock comes before the row lock there too, so the two cannot deadlock
      if (patch.permissions && !patch.permissions.includes(ADMIN_PERMISSION)) await this.d.roles.lockAdmins(tx);
      const current = await this.d.roles.lock(tx, name);
      // a permission the role already holds may stay even when it left the catalogue (the
      // products module's, with PRODUCTS off): sending a role back as it was read never fails
      if (patch.permissions) await this.#checkPermissions(tx, patch.permissions, current?.permissions ?? []);
      if (!current) throw rolesErrors.notFound(name);
      if (name === ADMIN_ROLE) throw rolesErrors.protected();
      const losesAdmin = current.permissions.includes(ADMIN_PERMISSION) && patch.permissions !== undefined && !patch.permissions.includes(ADMIN_PERMISSION);
      const next = {
        description: patch.description !== undefined ? patch.description : current.description,
        permissions: patch.permissions ? [...new Set(patch.permissions)] : current.permissions,
      };
      await this.d.roles.update(tx, name, next, new Date(this.d.clock.now()));
      if (losesAdmin && (await this.countActiveAdmins(tx)) === 0) throw rolesErrors.lastAdmin();
      await this.d.audit.record(tx, ctx, {
        type: 'role.updated',
        userId: null,
        data: { role: name, ...(patch.permissions ? { permissions: next.permissions } : {}), ...(patch.description !== undefined ? { description_changed: true } : {}) },
      });
      return { name, ...next };
    });
    await this.d.bus.publish('roles', '*');
    return updated;
  }

  async delete(ctx: RequestContext, name: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      const current = await this.d.roles.lock(tx, name);
      if (!current) throw rolesErrors.notFound(name);
      if (name === ADMIN_ROLE) throw rolesErrors.protected();
      if (name === this.d.defaultRole) throw rolesErrors.inUse(`"${name}" is the DEFAULT_ROLE given to new users; change DEFAULT_ROLE first.`);
      const holders = await this.d.roles.countHolders(tx, name);
      if (holders > 0) throw rolesErrors.inUse(`"${name}" is still held by ${holders} user${holders === 1 ? '' : 's'}; remove it from them first.`);
      await this.d.roles.delete(tx, name);
      await this.d.audit.record(tx, ctx, { type: 'role.deleted', userId: null, data: { role: name } });
    });
    await this.d.bus.publish('roles', '*');
  }

  /**
   * Adds an operator permission (`<namespace>:<action>`). A built-in name is taken (409
   * permission_exists); the products module's namespace stays reserved while the module is off.
   */
  async createPermission(ctx: RequestContext, input: { name: string; description: string | null }): Promise<PermissionEntry> {
    const { name } = input;
    if (this.#builtin.some((p) => p.name === name)) throw permissionsErrors.exists(name, true);
    if (!isPermissionName(name)) {
      throw commonErrors.validation([{ field: 'name', message: `must be <namespace>:<action>, each of a-z 0-9 _ -, ${PERMISSION_NAME_MIN}–${PERMISSION_NAME_MAX} characters in all` }]);
    }
    if (name.startsWith(`${PRODUCTS_NAMESPACE}:`)) {
      throw commonErrors.validation([{ field: 'name', message: `the "${PRODUCTS_NAMESPACE}:" namespace belongs to the products module (PRODUCTS=on)` }]);
    }
    const entry = { name, description: input.description, builtin: false };
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.permissions.insert(tx, { name, description: input.description }, new Date(this.d.clock.now())))) throw permissionsErrors.exists(name, false);
      await this.d.audit.record(tx, ctx, { type: 'permission.created', userId: null, data: { permission: name } });
    });
    await this.d.bus.publish('roles', '*');
    return entry;
  }

  /** Deletes an operator permission no role holds; built-in ones are protected (409). */
  async deletePermission(ctx: RequestContext, name: string): Promise<void> {
    if (this.#builtin.some((p) => p.name === name)) throw permissionsErrors.protected(name);
    await this.d.db.transaction().execute(async (tx) => {
      // the row lock waits for a role change that share-locked it (#checkPermissions), so the
      // holders read next include that role
      if (!(await this.d.permissions.lock(tx, name))) throw permissionsErrors.notFound(name);
      const holders = await this.d.permissions.rolesHolding(tx, name);
      if (holders.length > 0) throw permissionsErrors.inUse(name, holders);
      await this.d.permissions.delete(tx, name);
      await this.d.audit.record(tx, ctx, { type: 'permission.deleted', userId: null, data: { permission: name } });
    });
    await this.d.bus.publish('roles', '*');
  }

  /**
   * Active users holding a role that grants users:admin. With `tx`, as that transaction sees them
   * (role grants read fresh through it); without, from the cached role map and the database.
   */
  async countActiveAdmins(tx?: Executor): Promise<number> {
    return this.d.roles.countActiveHolders(tx ?? this.d.db, await this.rolesGranting(ADMIN_PERMISSION, tx));
  }

  /**
   * Serialises, for the rest of `tx`, every change that could leave no active admin (demoting,
   * disabling or deleting a user, taking users:admin from a role), so the last-admin check of each
   * sees the others' results. Taken before any row lock, so two such changes cannot deadlock.
   */
  async lockAdmins(tx: Executor): Promise<void> {
    await this.d.roles.lockAdmins(tx);
  }

  /**
   * After a change to a user who was `before` (inside lockAdmins): if they were an active admin, at
   * least one active admin must remain, else the change is refused (409 last_admin) and `tx` rolls
   * back. Read through `tx`: inside a transaction a cache miss must not wait for a second
   * connection (PGlite has one, and this transaction holds it).
   */
  async assertAdminRemains(tx: Executor, before: { disabled: boolean; roles: readonly string[] }): Promise<void> {
    const adminRoles = await this.rolesGranting(ADMIN_PERMISSION, tx);
    const wasAdmin = !before.disabled && before.roles.some((r) => adminRoles.includes(r));
    if (wasAdmin && (await this.d.roles.countActiveHolders(tx, adminRoles)) === 0) throw rolesErrors.lastActiveAdmin();
  }

  async #snapshot(): Promise<Snapshot> {
    return this.#cache.get('all', async () => {
      const [rows, catalogue] = await Promise.all([this.d.roles.list(this.d.db), this.#readCatalogue(this.d.db)]);
      return { catalogue, grants: grantsOf(rows, catalogue) };
    });
  }

  /** the catalogue as `db` sees it now: built-in permissions, then the operator's, by name */
  async #readCatalogue(db: Executor): Promise<PermissionEntry[]> {
    const own = (await this.d.permissions.list(db)).map((p) => ({ name: p.name, description: p.description, builtin: false }));
    return [...this.#builtin, ...own].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  #builtinOnly(permission: string): boolean {
    return this.#builtin.some((p) => p.name === permission);
  }

  /**
   * Every permission must be in the catalogue as `tx` sees it (or in `held`); the operator's are
   * share-locked for the rest of `tx`, so deleting one waits and then sees this role holding it.
   */
  async #checkPermissions(tx: Executor, permissions: readonly string[], held: readonly string[]): Promise<void> {
    const builtin = new Set(this.#builtin.map((p) => p.name));
    const candidates = [...new Set(permissions)].filter((p) => !builtin.has(p) && !held.includes(p));
    const existing = new Set(await this.d.permissions.lockExisting(tx, candidates));
    const errors = permissions.flatMap((p, i) => (builtin.has(p) || held.includes(p) || existing.has(p) ? [] : [{ field: `permissions.${i}`, message: `unknown permission "${p}"` }]));
    if (errors.length > 0) throw commonErrors.validation(errors, 'Unknown permission: roles hold permissions of the catalogue (GET /api/v1/admin/permissions).');
  }
}

/** what each role grants: its permissions that are in the catalogue; the admin role every one */
function grantsOf(rows: readonly RoleRecord[], catalogue: readonly PermissionEntry[]): Map<string, ReadonlySet<string>> {
  const known = new Set(catalogue.map((p) => p.name));
  return new Map(rows.map((r) => [r.name, r.name === ADMIN_ROLE ? known : new Set(r.permissions.filter((p) => known.has(p)))]));
}

function withAdminPermissions(role: RoleRecord, catalogue: readonly PermissionEntry[]): RoleRecord {
  return role.name === ADMIN_ROLE ? { ...role, permissions: catalogue.map((p) => p.name) } : role;
}
export type { RoleRecord } from './roles-repository.js';
export type { PermissionEntry } from './permissions.js';
