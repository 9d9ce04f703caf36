import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { AuditEventsTable, Executor, StatementStart } from '../db/database-types.js';
import { ComposedTemplate, type StatementPart } from '../db/statement-template.js';
import { GENESIS_HASH, LINK_HMAC, type ChainedContent } from './audit-chain.js';
import { olderThan, type KeysetPosition } from '../db/keyset.js';

export interface AuditRow extends ChainedContent {
  seq: string;
  prevHash: string;
  hash: string;
  /** how `hash` was computed: LINK_SHA256 (before the upgrade) or LINK_HMAC */
  link: number;
}

/** the chain's head as recorded apart from the events, and the sealed upgrade boundary */
export interface ChainHead {
  hash: string;
  /** the last event chained before links were keyed (0: none) and its link */
  legacySeq: string;
  legacyHash: string;
  legacySeal: string | null;
}

/** an era of the chain that ended at a change of SECRETS_KEY */
export interface ChainEra {
  uptoSeq: string;
  keysEnc: string;
  seal: string;
  sealPrevious: string;
}

export interface AuditFilters {
  /** the user the events are about */
  userId: string | null;
  type: string | null;
}

export interface AuditListQuery extends AuditFilters {
  limit: number;
  after: KeysetPosition | null;
}

function toRow(r: Selectable<AuditEventsTable>): AuditRow {
  return {
    seq: String(r.seq),
    id: r.id,
    type: r.type,
    userId: r.user_id,
    actorId: r.actor_id,
    ip: r.ip,
    userAgent: r.user_agent,
    data: r.data,
    createdAt: r.created_at,
    prevHash: r.prev_hash,
    hash: r.hash,
    link: r.link,
  };
}

/** an event's values as the append statement takes them: parameters only (`data` as JSON text) */
type AppendParams = Omit<ChainedContent, 'data'> & {
  data: string;
  /** the canonical content before and after the previous link, and the event key's HMAC pads (audit-chain.ts) */
  before: string;
  after: string;
  inner: string;
  outer: string;
};

/**
 * The append: the chain head's row is updated first (its lock serialises writers), its previous
 * link read there and the new link computed from it; the event row takes both from that CTE.
 * Built and compiled once per shape of the writes before it (db/statement-template.ts).
 */
const appendEvent = new ComposedTemplate((start: StatementStart, e: AppendParams) =>
  start
    .with('head', (qb) =>
      qb
        .updateTable('audit_chain_head')
        .set({
          prev_hash: sql<string>`hash`,
          hash: sql<string>`encode(sha256(decode(${e.outer}::text, 'hex') || sha256(decode(${e.inner}::text, 'hex') || convert_to(${e.before}::text || hash || ${e.after}::text, 'UTF8'))), 'hex')`,
        })
        .where('id', '=', 1)
        .returning(['prev_hash', 'hash']),
    )
    .insertInto('audit_events')
    .columns(['id', 'type', 'user_id', 'actor_id', 'ip', 'user_agent', 'data', 'created_at', 'prev_hash', 'hash', 'link'])
    .expression((eb) =>
      eb.selectFrom('head').select([
        sql<string>`${e.id}::uuid`.as('id'),
        sql<string>`${e.type}::text`.as('type'),
        sql<string | null>`${e.userId}::uuid`.as('user_id'),
        sql<string | null>`${e.actorId}::uuid`.as('actor_id'),
        sql<string | null>`${e.ip}::text`.as('ip'),
        sql<string | null>`${e.userAgent}::text`.as('user_agent'),
        sql<string>`${e.data}::jsonb`.as('data'),
        sql<Date>`${e.createdAt}::timestamptz`.as('created_at'),
        'head.prev_hash',
        'head.hash',
        sql<number>`${LINK_HMAC}::smallint`.as('link'),
      ]),
    )
    .returning('seq'),
);

export class AuditRepository {
  /**
   * Appends an event in one statement: the chain head's row lock serialises writers until the
   * caller's transaction (or this statement) ends, and the database computes the new link as
   * HMAC(event key, before || previous link || after) from the event key's two pads (see
   * audit-chain.ts). `writes` are other features' CTEs (db/statement-template.ts) that commit
   * together with the event, in the same round trip.
   */
  async append(db: Executor, e: ChainedContent, parts: { before: string; after: string }, pads: { inner: string; outer: string }, writes: readonly StatementPart[] = []): Promise<void> {
    const row = await appendEvent.executeTakeFirst(db, writes, {
      id: e.id,
      type: e.type,
      userId: e.userId,
      actorId: e.actorId,
      ip: e.ip,
      userAgent: e.userAgent,
      data: JSON.stringify(e.data),
      createdAt: e.createdAt,
      before: parts.before,
      after: parts.after,
      inner: pads.inner,
      outer: pads.outer,
    });
    if (!row) throw new Error('audit_chain_head is missing its row: run the migrations');
  }

  /** the chain head as recorded apart from the events (GENESIS_HASH when none was appended) */
  async head(db: Executor): Promise<ChainHead> {
    const row = await db.selectFrom('audit_chain_head').select(['hash', 'legacy_seq', 'legacy_hash', 'legacy_seal']).where('id', '=', 1).executeTakeFirst();
    if (!row) return { hash: GENESIS_HASH, legacySeq: '0', legacyHash: GENESIS_HASH, legacySeal: null };
    return { hash: row.hash, legacySeq: String(row.legacy_seq), legacyHash: row.legacy_hash, legacySeal: row.legacy_seal };
  }

  async list(db: Executor, query: AuditListQuery): Promise<AuditRow[]> {
    let q = db.selectFrom('audit_events').selectAll();
    if (query.userId) q = q.where('user_id', '=', query.userId);
    if (query.type) q = q.where('type', '=', query.type);
    if (query.after) q = q.where(olderThan('created_at', 'id', query.after));
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
    return rows.map(toRow);
  }

  /** chain order, in pages, for verification */
  async pageBySeq(db: Executor, afterSeq: string | null, limit: number): Promise<AuditRow[]> {
    let q = db.selectFrom('audit_events').selectAll();
    if (afterSeq !== null) q = q.where('seq', '>', afterSeq);
    const rows = await q.orderBy('seq', 'asc').limit(limit).execute();
    return rows.map(toRow);
  }

  /** locks the chain head until the transaction ends: no event is appended meanwhile */
  async lockHead(tx: Executor): Promise<void> {
    await tx.selectFrom('audit_chain_head').select('id').where('id', '=', 1).forUpdate().execute();
  }

  /** the ended eras, oldest first */
  async eras(db: Executor): Promise<ChainEra[]> {
    const rows = await db.selectFrom('audit_chain_eras').select(['upto_seq', 'keys_enc', 'seal', 'seal_previous']).orderBy('upto_seq', 'asc').execute();
    return rows.map((r) => ({ uptoSeq: String(r.upto_seq), keysEnc: r.keys_enc, seal: r.seal, sealPrevious: r.seal_previous }));
  }

  async insertEra(tx: Executor, era: ChainEra): Promise<void> {
    await tx.insertInto('audit_chain_eras').values({ upto_seq: era.uptoSeq, keys_enc: era.keysEnc, seal: era.seal, seal_previous: era.sealPrevious }).execute();
  }

  async replaceEraKeys(tx: Executor, uptoSeq: string, keysEnc: string): Promise<void> {
    await tx.updateTable('audit_chain_eras').set({ keys_enc: keysEnc }).where('upto_seq', '=', uptoSeq).execute();
  }

  async replaceLegacySeal(tx: Executor, seal: string): Promise<void> {
    await tx.updateTable('audit_chain_head').set({ legacy_seal: seal }).where('id', '=', 1).execute();
  }
}
