import type { Executor } from '../db/database-types.js';

export interface RoleRecord {
  name: string;
  description: string;
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
}
