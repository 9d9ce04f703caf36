import { sql, type Kysely } from 'kysely';

/**
 * users.locale: the language the account's owner last read Gatehouse in (set at registration and
 * sign-in from the request's language), so mail someone else causes — an admin, the CLI, the
 * system — reaches the owner in their language, not the actor's (docs/architecture.md,
 * "Languages"). Null: not known yet (accounts from before, imports, admin-created), which
 * renders in DEFAULT_LOCALE. Plain text, no check: a language added later needs no migration.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users add column locale text`.execute(db);
}
