import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database-types.js';
import * as m0001 from './migrations/0001-core.js';
import * as m0002 from './migrations/0002-products-audit.js';
import * as m0003 from './migrations/0003-audit-chain-head.js';

/**
 * Migrations are listed here (not discovered on disk) so the same code runs from src/ under tsx
 * and from dist/. Forward-only and numbered. Kysely's Postgres adapter serialises concurrent
 * runners with a session advisory lock, so N instances starting together are safe.
 */
const migrations: Record<string, Migration> = {
  '0001-core': m0001,
  '0002-products-audit': m0002,
  '0003-audit-chain-head': m0003,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
