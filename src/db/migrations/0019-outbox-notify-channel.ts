import { sql, type Kysely } from 'kysely';

/**
 * The outbox's wake-up says which channel got a message: `pg_notify('gatehouse_outbox', channel)`
 * instead of an empty payload, so the mail worker no longer claims (and finds nothing) at every
 * webhook delivery queued, nor the webhook worker at every mail. Listeners treat an empty payload
 * (an instance still on the old trigger during a rolling upgrade) as "any channel".
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create or replace function outbox_notify() returns trigger language plpgsql as $$
   begin
     perform pg_notify('gatehouse_outbox', new.channel);
     return null;
   end $$`.execute(db);
}
