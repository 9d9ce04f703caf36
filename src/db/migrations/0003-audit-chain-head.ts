import { sql, type Kysely } from 'kysely';

/**
 * The audit chain's head in a one-row table. Appending an event is then one statement: it
 * updates the head (the row lock serialises concurrent writers until their transaction ends, and
 * under READ COMMITTED a waiting writer re-reads the head that the first one committed) and
 * inserts the event with the hashes the update computed. It replaces an advisory lock, a read of
 * the last row and an insert (three round trips per audited change). The head also records the
 * newest hash apart from the events, so `audit verify` notices when the newest events are deleted.
 */
const statements = [
  `create table audit_chain_head (
    id smallint primary key default 1 check (id = 1),
    prev_hash text not null,
    hash text not null
  )`,
  `insert into audit_chain_head (id, prev_hash, hash)
   select 1,
     coalesce((select prev_hash from audit_events order by seq desc limit 1), repeat('0', 64)),
     coalesce((select hash from audit_events order by seq desc limit 1), repeat('0', 64))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
