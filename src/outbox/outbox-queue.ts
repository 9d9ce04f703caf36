/**
 * The outbox: one table, one queue for every channel (mail, webhook). A change queues its message
 * in its own transaction (or as one write of its own statement, `withQueued`); a worker per channel
 * (outbox-worker.ts) claims due rows and hands them to that channel's deliverer. Core
 * infrastructure like db/: features queue through it, and it is the only writer of `outbox`.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor, StatementStart } from '../db/database-types.js';
import { olderThan, type KeysetPosition } from '../db/keyset.js';

export type OutboxChannel = 'mail' | 'webhook';

/** a message as it is queued: written here, or by another repository as part of its own statement (see `values`) */
export interface QueuedMessage {
  id: string;
  channel: OutboxChannel;
  /** mail: the template; webhook: the event type */
  template: string;
  /** mail: the address; webhook: the endpoint's id */
  to: string;
  /** the account the message is about (informational) */
  userId: string | null;
  /** webhook: the audit event delivered */
  eventId: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface ClaimedMessage {
  id: string;
  template: string;
  to: string;
  data: Record<string, unknown>;
  /** this attempt's number (1 = first), counted over the message's whole life */
  attempts: number;
  /** attempts since the budget last restarted (an admin's retry): 1 = first of this budget */
  budgetAttempts: number;
  createdAt: Date;
}

export interface OutboxEntry {
  id: string;
  channel: string;
  template: string;
  to: string;
  eventId: string | null;
  data: Record<string, unknown>;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  /** where the attempt budget last restarted */
  attemptsBase: number;
  lastError: string | null;
  lastStatusCode: number | null;
  nextAttemptAt: Date;
  createdAt: Date;
  sentAt: Date | null;
}

const ENTRY_COLUMNS = ['id', 'channel', 'template', 'to_address', 'event_id', 'data', 'status', 'attempts', 'attempts_base', 'last_error', 'last_status_code', 'next_attempt_at', 'created_at', 'sent_at'] as const;

interface EntryRow {
  id: string;
  channel: string;
  template: string;
  to_address: string;
  event_id: string | null;
  data: Record<string, unknown>;
  status: 'pending' | 'sent' | 'dead';
  attempts: number;
  attempts_base: number;
  last_error: string | null;
  last_status_code: number | null;
  next_attempt_at: Date;
  created_at: Date;
  sent_at: Date | null;
}

function toEntry(r: EntryRow): OutboxEntry {
  return {
    id: r.id,
    channel: r.channel,
    template: r.template,
    to: r.to_address,
    eventId: r.event_id,
    data: r.data,
    status: r.status,
    attempts: r.attempts,
    attemptsBase: r.attempts_base,
    lastError: r.last_error,
    lastStatusCode: r.last_status_code,
    nextAttemptAt: new Date(r.next_attempt_at),
    createdAt: new Date(r.created_at),
    sentAt: r.sent_at ? new Date(r.sent_at) : null,
  };
}

/**
 * `start` with a CTE named `name` that queues `m` when `condition` (an SQL boolean over the
 * statement's snapshot) holds: a message written by another feature's statement, atomic with the
 * change that caused it and in the same round trip (the new-device notice of a sign-in). The
 * columns and initial state are those of `values` below.
 */
export function withQueuedWhen(start: StatementStart, name: string, m: QueuedMessage, condition: RawBuilder<SqlBool>): StatementStart {
  return start.with(name, (qb) =>
    qb
      .insertInto('outbox')
      .columns(['id', 'channel', 'template', 'to_address', 'user_id', 'event_id', 'data', 'status', 'attempts', 'next_attempt_at', 'created_at'])
      .expression(
        sql`select ${m.id}::uuid, ${m.channel}::text, ${m.template}::text, ${m.to}::text, ${m.userId}::uuid, ${m.eventId}::uuid, ${JSON.stringify(m.data)}::jsonb, 'pending', 0, ${m.createdAt}::timestamptz, ${m.createdAt}::timestamptz
            where ${condition}`,
      )
      .returning('id'),
  ) as unknown as StatementStart;
}

export class OutboxQueue {
  /** the row's column values, for a statement that queues messages as one of its writes */
  values(m: QueuedMessage) {
    return {
      id: m.id,
      channel: m.channel,
      template: m.template,
      to_address: m.to,
      user_id: m.userId,
      event_id: m.eventId,
      data: JSON.stringify(m.data),
      status: 'pending' as const,
      attempts: 0,
      next_attempt_at: m.createdAt,
      last_error: null,
      created_at: m.createdAt,
      sent_at: null,
    };
  }

  /** `start` with one more write: these messages queued as a CTE named `name`, in the same statement */
  withQueued(start: StatementStart, name: string, messages: QueuedMessage[]): StatementStart {
    return start.with(name, (db) => db.insertInto('outbox').values(messages.map((m) => this.values(m)))) as unknown as StatementStart;
  }

  async insert(tx: Executor, m: QueuedMessage): Promise<void> {
    await tx.insertInto('outbox').values(this.values(m)).execute();
  }

  /** removes a message not yet committed (MailService.rehearse) */
  async delete(tx: Executor, id: string): Promise<void> {
    await tx.deleteFrom('outbox').where('id', '=', id).execute();
  }

  /**
   * Claims the oldest due message of a channel in one statement: rows another worker holds locked
   * are skipped (FOR UPDATE SKIP LOCKED), and the claimed row's due time moves `leaseUntil` ahead,
   * so no other worker takes it while this one sends — nor after, unless this one dies mid-send
   * (the lease then runs out and the message is tried again). `busy` recipients (at their limit of
   * messages in flight in this process) are passed over, so one slow recipient cannot hold the queue.
   */
  async claimDue(db: Executor, channel: OutboxChannel, now: Date, leaseUntil: Date, busy: readonly string[] = []): Promise<ClaimedMessage | null> {
    const row = await db
      .updateTable('outbox')
      .set({ next_attempt_at: leaseUntil, attempts: sql<number>`attempts + 1` })
      .where('id', '=', (eb) => {
        let q = eb
          .selectFrom('outbox')
          .select('id')
          .where('channel', '=', channel)
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', now);
        if (busy.length > 0) q = q.where('to_address', 'not in', [...busy]);
        return q.orderBy('next_attempt_at').limit(1).forUpdate().skipLocked();
      })
      .where('status', '=', 'pending')
      .returning(['id', 'template', 'to_address', 'data', 'attempts', 'attempts_base', 'created_at'])
      .executeTakeFirst();
    return row
      ? { id: row.id, template: row.template, to: row.to_address, data: row.data, attempts: row.attempts, budgetAttempts: row.attempts - row.attempts_base, createdAt: new Date(row.created_at) }
      : null;
  }

  /** delivered; `keepData` false blanks the data (codes and links leave the database) */
  async markSent(db: Executor, id: string, at: Date, opts: { keepData: boolean; statusCode?: number | null }): Promise<void> {
    let q = db.updateTable('outbox').set({ status: 'sent', sent_at: at, last_error: null, last_status_code: opts.statusCode ?? null });
    if (!opts.keepData) q = q.set({ data: '{}' });
    await q.where('id', '=', id).execute();
  }

  async markRetry(db: Executor, id: string, due: Date, error: string, statusCode: number | null = null): Promise<void> {
    await db.updateTable('outbox').set({ next_attempt_at: due, last_error: error.slice(0, 1000), last_status_code: statusCode }).where('id', '=', id).execute();
  }

  /** given up; `keepData` keeps what an admin may send again (webhook bodies hold no secrets) */
  async markDead(db: Executor, id: string, error: string, opts: { keepData: boolean; statusCode?: number | null } = { keepData: false }): Promise<void> {
    let q = db.updateTable('outbox').set({ status: 'dead', last_error: error.slice(0, 1000), last_status_code: opts.statusCode ?? null });
    if (!opts.keepData) q = q.set({ data: '{}' });
    await q.where('id', '=', id).execute();
  }

  /** not sent now and not counted as an attempt: due again at `until` (a disabled webhook endpoint) */
  async park(db: Executor, id: string, until: Date): Promise<void> {
    await db.updateTable('outbox').set({ next_attempt_at: until, attempts: sql<number>`greatest(attempts - 1, 0)` }).where('id', '=', id).execute();
  }

  /** every pending message of a recipient due now (a webhook endpoint enabled again); workers are woken at commit */
  async wakeRecipient(db: Executor, channel: OutboxChannel, to: string, now: Date): Promise<void> {
    await db.updateTable('outbox').set({ next_attempt_at: now }).where('channel', '=', channel).where('to_address', '=', to).where('status', '=', 'pending').execute();
    await this.#notify(db);
  }

  /** the same wake-up the insert trigger sends (delivered at commit) */
  async #notify(db: Executor): Promise<void> {
    await sql`select pg_notify('gatehouse_outbox', '')`.execute(db);
  }

  /** sends a message again with a fresh attempt budget (its attempts keep counting); false: no such message */
  async retry(db: Executor, channel: OutboxChannel, to: string, id: string, now: Date): Promise<boolean> {
    const r = await db
      .updateTable('outbox')
      .set({ status: 'pending', next_attempt_at: now, attempts_base: sql<number>`attempts` })
      .where('id', '=', id)
      .where('channel', '=', channel)
      .where('to_address', '=', to)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await this.#notify(db);
    return true;
  }

  async deleteForRecipient(tx: Executor, channel: OutboxChannel, to: string): Promise<void> {
    await tx.deleteFrom('outbox').where('channel', '=', channel).where('to_address', '=', to).execute();
  }

  /** when the channel's next pending message is due (null: none pending) */
  async nextDue(db: Executor, channel: OutboxChannel, busy: readonly string[] = []): Promise<Date | null> {
    let q = db.selectFrom('outbox').select((eb) => eb.fn.min('next_attempt_at').as('due')).where('channel', '=', channel).where('status', '=', 'pending');
    if (busy.length > 0) q = q.where('to_address', 'not in', [...busy]);
    const row = await q.executeTakeFirst();
    return row?.due ? new Date(row.due as unknown as string | Date) : null;
  }

  async counts(db: Executor, channel: OutboxChannel): Promise<{ pending: number; dead: number }> {
    const rows = await db
      .selectFrom('outbox')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .where('channel', '=', channel)
      .where('status', 'in', ['pending', 'dead'])
      .groupBy('status')
      .execute();
    const n = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
    return { pending: n('pending'), dead: n('dead') };
  }

  /** newest first (the development outbox) */
  async recent(db: Executor, channel: OutboxChannel, limit: number): Promise<OutboxEntry[]> {
    const rows = await db.selectFrom('outbox').select(ENTRY_COLUMNS).where('channel', '=', channel).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toEntry);
  }

  /** one recipient's messages, newest first, a page after `after` */
  async listForRecipient(db: Executor, channel: OutboxChannel, to: string, q: { limit: number; after: KeysetPosition | null }): Promise<OutboxEntry[]> {
    let query = db.selectFrom('outbox').select(ENTRY_COLUMNS).where('channel', '=', channel).where('to_address', '=', to);
    if (q.after) query = query.where(olderThan('created_at', 'id', q.after));
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toEntry);
  }

  async findForRecipient(db: Executor, channel: OutboxChannel, to: string, id: string): Promise<OutboxEntry | null> {
    const row = await db.selectFrom('outbox').select(ENTRY_COLUMNS).where('id', '=', id).where('channel', '=', channel).where('to_address', '=', to).executeTakeFirst();
    return row ? toEntry(row) : null;
  }
}
