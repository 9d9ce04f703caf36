import { sql, type Kysely } from 'kysely';

/**
 * The audit chain across a change of SECRETS_KEY (`gatehouse secrets rekey`): one row per era
 * that ended at a re-keying. `upto_seq` is the era's last event; `keys_enc` the chain keys its
 * links were made with (derived keys, never SECRETS_KEY itself), sealed under the current
 * SECRETS_KEY and re-sealed at every later re-keying; `seal` an HMAC of the boundary under the
 * key that took over and `seal_previous` the same under the era's own key, so the boundary cannot
 * be moved by someone who lacks the keys.
 */
const statements = [
  `create table audit_chain_eras (
    upto_seq bigint primary key,
    keys_enc text not null,
    seal text not null,
    seal_previous text not null,
    created_at timestamptz not null default now()
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
