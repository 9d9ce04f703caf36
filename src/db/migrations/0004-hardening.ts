import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The foundation's second pass (#16):
 * - audit links are keyed from now on (src/audit/audit-chain.ts): each event records its link
 *   version; the events chained before (plain SHA-256) end at a boundary sealed with the chain key,
 *   so they still verify but cannot be extended or rewritten without it;
 * - signing keys can be revoked (`gatehouse keys revoke`), not only retired;
 * - accounts may have no email (ACCOUNT_EMAIL=optional): unique where present;
 * - a role without a description has none (null), not an empty string.
 */
export interface MigrationContext {
  /** seals the audit chain at the upgrade boundary with its key; needed only when it has events */
  sealAuditChain: ((seq: string, hash: string) => string) | null;
}

const statements = [
  `alter table audit_events add column link smallint not null default 1`,
  `alter table audit_chain_head
     add column legacy_seq bigint not null default 0,
     add column legacy_hash text not null default '${'0'.repeat(64)}',
     add column legacy_seal text`,
  `update audit_chain_head set legacy_seq = coalesce((select max(seq) from audit_events), 0), legacy_hash = hash`,
  `alter table signing_keys add column revoked_at timestamptz`,
  `alter table users alter column email drop not null`,
  `alter table roles alter column description drop not null, alter column description drop default`,
];

export function migration(context: MigrationContext): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const statement of statements) await sql.raw(statement).execute(db);
      const head = (await sql<{ legacy_seq: string; legacy_hash: string }>`select legacy_seq::text as legacy_seq, legacy_hash from audit_chain_head`.execute(db)).rows[0];
      if (head && head.legacy_seq !== '0') {
        if (!context.sealAuditChain) throw new Error('migration 0004 seals the existing audit chain with a key derived from SECRETS_KEY: run it with SECRETS_KEY set (or DATA_DIR holding secrets.key)');
        const seal = context.sealAuditChain(head.legacy_seq, head.legacy_hash);
        await sql`update audit_chain_head set legacy_seal = ${seal}`.execute(db);
      }
    },
  };
}
