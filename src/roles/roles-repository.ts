import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';
import { ADMINS_LOCK } from './permissions.js';

export interface RoleRecord {
  name: string;
  /** null when the role was created without one */
  description: string | null;
  permissions: string[];
}

export class RolesRepository {
  async list(db: Executor): Promise<RoleRecord[]> {
    return db.selectFrom('roles').select(['name', 'description', 'permissions']).orderBy('name').execute();
  }

  async find(db: Executor, name: string): Promise<RoleRecord | null> {
    return (await db.selectFrom('roles').select(['name', 'description', 'permissions']).where('name', '=', name).executeTakeFirst()) ?? null;
  }

  /** false when the name is taken */
  async insert(tx: Executor, role: RoleRecord, at: Date): Promise<boolean> {
    const result = await tx
      .insertInto('roles')
      .values({ ...role, created_at: at, updated_at: at })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async update(tx: Executor, name: string, patch: Partial<Omit<RoleRecord, 'name'>>, at: Date): Promise<void> {
    await tx.updateTable('roles').set({ ...patch, updated_at: at }).where('name', '=', name).execute();
  }

  async delete(tx: Executor, name: string): Promise<void> {
    await tx.deleteFrom('roles').where('name', '=', name).execute();
  }

  async lock(tx: Executor, name: string): Promise<RoleRecord | null> {
    return (
      (await tx.selectFrom('roles').select(['name', 'description', 'permissions']).where('name', '=', name).forUpdate().executeTakeFirst()) ?? null
    );
  }

  /** users holding the role (disabled ones included) */
  async countHolders(db: Executor, role: string): Promise<number> {
    const row = await db
      .selectFrom('user_roles')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('role_name', '=', role)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** active (not disabled) users holding any of the given roles */
  async countActiveHolders(db: Executor, roles: readonly string[]): Promise<number> {
    if (roles.length === 0) return 0;
    const row = await db
      .selectFrom('users')
      .select(sql<number>`count(distinct users.id)::int`.as('n'))
      .innerJoin('user_roles', 'user_roles.user_id', 'users.id')
      .where('users.disabled', '=', false)
      .where('user_roles.role_name', 'in', roles)
      .executeTakeFirstOrThrow();
    return row.n;
  }

  /** the transaction-scoped advisory lock every change that could leave no active admin takes first */
  async lockAdmins(tx: Executor): Promise<void> {
    await sql`select pg_advisory_xact_lock(${ADMINS_LOCK})`.execute(tx);
  }
}
