import { sql } from 'kysely';
import type { Executor } from '../db/database-types.js';

import type { OutboxRow } from './outbox-row.js';

export type { OutboxRow } from './outbox-row.js';

export interface ClaimedMessage {
  id: string;
  template: string;
  to: string;
  data: Record<string, unknown>;
  /** this attempt's number (1 = first) */
  attempts: number;
}

export interface OutboxEntry {
  id: string;
  template: string;
  to: string;
  data: Record<string, unknown>;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export class OutboxRepository {
  async insert(tx: Executor, m: OutboxRow): Promise<void> {
    await tx
      .insertInto('outbox')
      .values({
        id: m.id,
        template: m.template,
        to_address: m.to,
        user_id: m.userId,
        data: JSON.stringify(m.data),
        status: 'pending',
        attempts: 0,
        next_attempt_at: m.createdAt,
        last_error: null,
        created_at: m.createdAt,
        sent_at: null,
      })
      .execute();
  }

  /** removes a message not yet committed (MailService.rehearse) */
  async delete(tx: Executor, id: string): Promise<void> {
    await tx.deleteFrom('outbox').where('id', '=', id).execute();
  }

  /**
   * Claims the oldest due message in one statement: rows another worker holds locked are skipped
   * (FOR UPDATE SKIP LOCKED), and the claimed row's due time moves `leaseMs` ahead, so no other
   * worker takes it while this one sends — nor after, unless this one dies mid-send (the lease
   * then runs out and the message is tried again).
   */
  async claimDue(db: Executor, now: Date, leaseUntil: Date): Promise<ClaimedMessage | null> {
    const row = await db
      .updateTable('outbox')
      .set({ next_attempt_at: leaseUntil, attempts: sql<number>`attempts + 1` })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('outbox')
          .select('id')
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .orderBy('next_attempt_at')
          .limit(1)
          .forUpdate()
          .skipLocked(),
      )
      .where('status', '=', 'pending')
      .returning(['id', 'template', 'to_address', 'data', 'attempts'])
      .executeTakeFirst();
    return row ? { id: row.id, template: row.template, to: row.to_address, data: row.data, attempts: row.attempts } : null;
  }

  /** delivered; `keepData` false blanks the data (codes and links leave the database) */
  async markSent(db: Executor, id: string, at: Date, keepData: boolean): Promise<void> {
    let q = db.updateTable('outbox').set({ status: 'sent', sent_at: at, last_error: null });
    if (!keepData) q = q.set({ data: '{}' });
    await q.where('id', '=', id).execute();
  }

  async markRetry(db: Executor, id: string, due: Date, error: string): Promise<void> {
    await db.updateTable('outbox').set({ next_attempt_at: due, last_error: error.slice(0, 1000) }).where('id', '=', id).execute();
  }

  async markDead(db: Executor, id: string, error: string): Promise<void> {
    await db.updateTable('outbox').set({ status: 'dead', last_error: error.slice(0, 1000), data: '{}' }).where('id', '=', id).execute();
  }

  /** when the next pending message is due (null: none pending) */
  async nextDue(db: Executor): Promise<Date | null> {
    const row = await db.selectFrom('outbox').select((eb) => eb.fn.min('next_attempt_at').as('due')).where('status', '=', 'pending').executeTakeFirst();
    return row?.due ? new Date(row.due as unknown as string | Date) : null;
  }

  async counts(db: Executor): Promise<{ pending: number; dead: number }> {
    const rows = await db
      .selectFrom('outbox')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('status', 'in', ['pending', 'dead'])
      .groupBy('status')
      .execute();
    const n = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { pending: n('pending'), dead: n('dead') };
  }

  /** newest first (the development outbox) */
  async recent(db: Executor, limit: number): Promise<OutboxEntry[]> {
    const rows = await db.selectFrom('outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      template: r.template,
      to: r.to_address,
      data: r.data,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
      sentAt: r.sent_at,
    }));
  }
}
