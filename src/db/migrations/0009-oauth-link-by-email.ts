import { sql, type Kysely } from 'kysely';

/**
 * oauth_providers.link_by_email: whether a new identity from this provider may join an existing
 * account that has the same verified email (true, the default, keeps the behaviour of providers
 * added before this migration); false = a new identity never joins an existing account by email.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table oauth_providers add column link_by_email boolean not null default true`.execute(db);
}
