import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';
import type { ChainedContent } from './audit-chain.js';

export interface AuditRow extends ChainedContent {
  seq: string;
  prevHash: string;
  hash: string;
}

export interface AuditListQuery {
  userId: string | null;
  type: string | null;
  limit: number;
  after: { createdAt: Date; id: string } | null;
}

// one advisory lock id serialises appends, so concurrent writers cannot fork the chain
const CHAIN_LOCK = 7_262_002;

function toRow(r: {
  seq: string | number;
  id: string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  prev_hash: string;
  hash: string;
}): AuditRow {
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
  /** takes the chain lock (until the transaction ends) and returns the last hash */
  async lockChainHead(tx: Executor): Promise<string | null> {
    await sql`select pg_advisory_xact_lock(${CHAIN_LOCK})`.execute(tx);
    const row = await tx.selectFrom('audit_events').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
    return row?.hash ?? null;
  }

  async insert(tx: Executor, row: ChainedContent & { prevHash: string; hash: string }): Promise<void> {
    await tx
      .insertInto('audit_events')
      .values({
        id: row.id,
        type: row.type,
        user_id: row.userId,
        actor_id: row.actorId,
        ip: row.ip,
        user_agent: row.userAgent,
        data: JSON.stringify(row.data),
        created_at: row.createdAt,
        prev_hash: row.prevHash,
        hash: row.hash,
      })
      .execute();
  }

  async list(db: Executor, query: AuditListQuery): Promise<AuditRow[]> {
    let q = db.selectFrom('audit_events').selectAll();
    if (query.userId) q = q.where('user_id', '=', query.userId);
    if (query.type) q = q.where('type', '=', query.type);
    if (query.after) {
      const { createdAt, id } = query.after;
      q = q.where((eb) => eb.or([eb('created_at', '<', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '<', id)])]));
    }
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
