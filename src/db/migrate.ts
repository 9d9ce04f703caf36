import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './database-types.js';
import * as m0001 from './migrations/0001-core.js';
import * as m0002 from './migrations/0002-products-audit.js';
import * as m0003 from './migrations/0003-audit-chain-head.js';
import { migration as m0004, type MigrationContext } from './migrations/0004-hardening.js';
import * as m0005 from './migrations/0005-email.js';
import * as m0006 from './migrations/0006-oauth.js';
import * as m0007 from './migrations/0007-mfa.js';
import * as m0008 from './migrations/0008-permissions.js';
import * as m0009 from './migrations/0009-oauth-link-by-email.js';
import * as m0010 from './migrations/0010-audit-chain-eras.js';
import * as m0011 from './migrations/0011-email-nfc.js';
import * as m0016 from './migrations/0016-webhooks.js';
import * as m0017 from './migrations/0017-oidc.js';
import * as m0018 from './migrations/0018-user-locale.js';
import * as m0019 from './migrations/0019-outbox-notify-channel.js';
import * as m0020 from './migrations/0020-outbox-notify-claimable.js';

export type { MigrationContext } from './migrations/0004-hardening.js';

/**
 * Migrations are listed here (not discovered on disk) so the same code runs from src/ under tsx
 * and from dist/. Forward-only and numbered. Kysely's Postgres adapter serialises concurrent
 * runners with a session advisory lock, so N instances starting together are safe. A migration
 * that needs a secret (0004 seals the audit chain) gets it through the context.
 */
function migrations(context: MigrationContext): Record<string, Migration> {
  return {
    '0001-core': m0001,
    '0002-products-audit': m0002,
    '0003-audit-chain-head': m0003,
    '0004-hardening': m0004(context),
    '0005-email': m0005,
    '0006-oauth': m0006,
    '0007-mfa': m0007,
    '0008-permissions': m0008,
    '0009-oauth-link-by-email': m0009,
    '0010-audit-chain-eras': m0010,
    '0011-email-nfc': m0011,
    '0016-webhooks': m0016,
    '0017-oidc': m0017,
    '0018-user-locale': m0018,
    '0019-outbox-notify-channel': m0019,
    '0020-outbox-notify-claimable': m0020,
  };
}

function migrator(db: Db, context: MigrationContext): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => migrations(context) };
  // features merged in any order (0005 may land after 0006 was applied on a dev database): run the
  // missing one instead of refusing the database; every migration is independent of its neighbours
  return new Migrator({ db, provider, migrationTableName: 'schema_migrations', migrationLockTableName: 'schema_migrations_lock', allowUnorderedMigrations: true });
}

export async function migrateToLatest(db: Db, context: MigrationContext = { sealAuditChain: null }): Promise<string[]> {
  const { error, results } = await migrator(db, context).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** migrates up to and including `name` (tests that start from an older schema) */
export async function migrateTo(db: Db, name: string, context: MigrationContext = { sealAuditChain: null }): Promise<void> {
  const { error } = await migrator(db, context).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
