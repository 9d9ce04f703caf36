import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { AuditEventsTable, Executor, StatementStart } from '../db/database-types.js';
import { GENESIS_HASH, type ChainedContent } from './audit-chain.js';
import { olderThan, type KeysetPosition } from '../db/keyset.js';

export interface AuditRow extends ChainedContent {
  seq: string;
  prevHash: string;
  hash: string;
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
  };
}

export class AuditRepository {
  /**
   * Appends an event in one statement: the chain head's row lock serialises writers until the
   * caller's transaction (or this statement) ends, and the database computes the new hash as
   * sha256(before || previous hash || after) (see chainHashParts). `start` may carry other
   * writes as CTEs: they commit together with the event.
   */
  async append(start: StatementStart, e: ChainedContent, parts: { before: string; after: string }): Promise<void> {
    const row = await start
      .with('head', (qb) =>
        qb
          .updateTable('audit_chain_head')
          .set({
            prev_hash: sql<string>`hash`,
            hash: sql<string>`encode(sha256(convert_to(${parts.before}::text || hash || ${parts.after}::text, 'UTF8')), 'hex')`,
          })
          .where('id', '=', 1)
          .returning(['prev_hash', 'hash']),
      )
      .insertInto('audit_events')
      .columns(['id', 'type', 'user_id', 'actor_id', 'ip', 'user_agent', 'data', 'created_at', 'prev_hash', 'hash'])
      .expression((eb) =>
        eb.selectFrom('head').select([
          sql<string>`${e.id}::uuid`.as('id'),
          sql<string>`${e.type}::text`.as('type'),
          sql<string | null>`${e.userId}::uuid`.as('user_id'),
          sql<string | null>`${e.actorId}::uuid`.as('actor_id'),
          sql<string | null>`${e.ip}::text`.as('ip'),
          sql<string | null>`${e.userAgent}::text`.as('user_agent'),
          sql<string>`${JSON.stringify(e.data)}::jsonb`.as('data'),
          sql<Date>`${e.createdAt}::timestamptz`.as('created_at'),
          'head.prev_hash',
          'head.hash',
        ]),
      )
      .returning('seq')
      .executeTakeFirst();
    if (!row) throw new Error('audit_chain_head is missing its row: run the migrations');
  }

  /** the chain head as recorded apart from the events (GENESIS_HASH when none was appended) */
  async head(db: Executor): Promise<string> {
    const row = await db.selectFrom('audit_chain_head').select('hash').where('id', '=', 1).executeTakeFirst();
    return row?.hash ?? GENESIS_HASH;
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
}
