import { sql, type Kysely } from 'kysely';

/**
 * The outbox's wake-up only for a message some worker is to claim: one queued already leased to
 * the worker of the process that queued it (attempts 1, due when its lease runs out:
 * outbox-queue.ts `leased`) is handed to that worker after the commit, and a notification would
 * only wake the other workers to claim and find nothing. Tested on the attempts, not the due time:
 * the trigger's clock is the database's, the due time is the queuing process's clock (a test's
 * is set by hand), and only a leased row is queued with an attempt counted. If its process dies,
 * the row is found when the lease has run out, by a worker's timer or slow poll, as a crashed
 * worker's claim is. The payload stays the channel (0019).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create or replace function outbox_notify() returns trigger language plpgsql as $$
   begin
     if new.attempts = 0 then
       perform pg_notify('gatehouse_outbox', new.channel);
     end if;
     return null;
   end $$`.execute(db);
}
