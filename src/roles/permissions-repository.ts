import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';

export interface PermissionRow {
  name: string;
  description: string | null;
}

/** the operator's own permissions (the `permissions` table; built-in ones live in code) */
export class PermissionsRepository {
  async list(db: Executor): Promise<PermissionRow[]> {
    return db.selectFrom('permissions').select(['name', 'description']).orderBy('name').execute();
  }

  /**
   * The names among `names` that exist, each row share-locked for the rest of `tx`: a concurrent
   * delete of one of them (which takes the row for update) waits for the role change to commit
   * and then sees the role holding it.
   */
  async lockExisting(tx: Executor, names: readonly string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const rows = await tx.selectFrom('permissions').select('name').where('name', 'in', [...names]).forShare().execute();
    return rows.map((r) => r.name);
  }

  /** false when the name is taken */
  async insert(tx: Executor, row: PermissionRow, at: Date): Promise<boolean> {
    const result = await tx
      .insertInto('permissions')
      .values({ ...row, created_at: at })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  /** the row, locked for the rest of `tx` (a delete), or null */
  async lock(tx: Executor, name: string): Promise<PermissionRow | null> {
    return (await tx.selectFrom('permissions').select(['name', 'description']).where('name', '=', name).forUpdate().executeTakeFirst()) ?? null;
  }

  async delete(tx: Executor, name: string): Promise<void> {
    await tx.deleteFrom('permissions').where('name', '=', name).execute();
  }

  /** the roles whose permissions hold `name` */
  async rolesHolding(db: Executor, name: string): Promise<string[]> {
    const rows = await db.selectFrom('roles').select('name').where(sql<boolean>`${name} = any(permissions)`).orderBy('name').execute();
    return rows.map((r) => r.name);
  }
}
