/**
 * Roles are data; permissions come from a fixed catalogue. Permissions are resolved from the
 * user's current roles on every request, through a role map cached for at most one second and
 * evicted on every instance when a role changes, so a demotion takes effect within a second.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import { TtlCache } from '../cache/ttl-cache.js';
import type { Db, Executor } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import { ADMIN_PERMISSION, ADMIN_ROLE, PERMISSION_NAMES, PERMISSIONS } from './permissions.js';
import { rolesErrors } from './roles-errors.js';
import type { RoleRecord, RolesRepository } from './roles-repository.js';
import type { Clock } from '../clock.js';
import type { RequestContext } from '../request-context.js';

export interface RolesServiceDeps {
  db: Db;
  roles: RolesRepository;
  audit: AuditService;
  bus: InvalidationBus;
  clock: Clock;
  defaultRole: string;
}

export class RolesService {
  readonly #cache: TtlCache<Map<string, ReadonlySet<string>>>;
  readonly #unions = new WeakMap<Map<string, ReadonlySet<string>>, Map<string, ReadonlySet<string>>>();

  constructor(private readonly d: RolesServiceDeps) {
    this.#cache = new TtlCache(1000, 1, () => d.clock.now());
    d.bus.on('roles', () => this.#cache.clear());
  }

  catalogue(): { name: string; description: string }[] {
    return PERMISSIONS.map((p) => ({ name: p.name, description: p.description }));
  }

  /** the union of the roles' permissions; the same Set for the same roles while the role map lives */
  async permissionsFor(roles: readonly string[]): Promise<ReadonlySet<string>> {
    return this.#union(await this.#roleMap(), roles);
  }

  /** permissionsFor from this second's role map alone; undefined when it has to be read */
  cachedPermissionsFor(roles: readonly string[]): ReadonlySet<string> | undefined {
    const map = this.#cache.peek('all');
    return map === undefined ? undefined : this.#union(map, roles);
  }

  #union(map: Map<string, ReadonlySet<string>>, roles: readonly string[]): ReadonlySet<string> {
    let unions = this.#unions.get(map);
    if (!unions) this.#unions.set(map, (unions = new Map()));
    const key = roles.join('\u0000');
    let result = unions.get(key);
    if (!result) {
      const set = new Set<string>();
      for (const role of roles) for (const p of map.get(role) ?? []) set.add(p);
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
      const rows = await this.d.roles.list(db);
      return rows.map(withAdminPermissions).filter((r) => r.permissions.includes(permission)).map((r) => r.name);
    }
    const map = await this.#roleMap();
    return [...map].filter(([, perms]) => perms.has(permission)).map(([name]) => name);
  }

  /** the names in `names` that are not roles (with `db`: read fresh through it, not from the cache) */
  async unknownRoles(names: readonly string[], db?: Executor): Promise<string[]> {
    if (db) {
      const known = new Set((await this.d.roles.list(db)).map((r) => r.name));
      return names.filter((n) => !known.has(n));
    }
    const map = await this.#roleMap();
    return names.filter((n) => !map.has(n));
  }

  async list(): Promise<RoleRecord[]> {
    return (await this.d.roles.list(this.d.db)).map(withAdminPermissions);
  }

  async create(ctx: RequestContext, input: RoleRecord): Promise<RoleRecord> {
    validatePermissions(input.permissions);
    const role = { ...input, permissions: [...new Set(input.permissions)] };
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.roles.insert(tx, role, new Date(this.d.clock.now())))) throw rolesErrors.exists(role.name);
      await this.d.audit.record(tx, ctx, { type: 'role.created', userId: null, data: { role: role.name, permissions: role.permissions } });
    });
    await this.d.bus.publish('roles', '*');
    return role;
  }

  async update(ctx: RequestContext, name: string, patch: { description?: string | null; permissions?: string[] }): Promise<RoleRecord> {
    if (patch.permissions) validatePermissions(patch.permissions);
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

  async #roleMap(): Promise<Map<string, ReadonlySet<string>>> {
    return this.#cache.get('all', async () => {
      const rows = await this.d.roles.list(this.d.db);
      return new Map(rows.map((r) => [r.name, new Set(withAdminPermissions(r).permissions)]));
    });
  }
}

function withAdminPermissions(role: RoleRecord): RoleRecord {
  return role.name === ADMIN_ROLE ? { ...role, permissions: [...PERMISSION_NAMES] } : role;
}

function validatePermissions(permissions: string[]): void {
  const errors = permissions.flatMap((p, i) => (PERMISSION_NAMES.includes(p) ? [] : [{ field: `permissions.${i}`, message: `unknown permission "${p}"` }]));
  if (errors.length > 0) throw commonErrors.validation(errors, `Unknown permission. Known: ${PERMISSION_NAMES.join(', ')}.`);
}
export type { RoleRecord } from './roles-repository.js';
