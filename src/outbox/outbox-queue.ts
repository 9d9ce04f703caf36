/**
 * The outbox: one table, one queue for every channel (mail, webhook). A change queues its message
 * in its own transaction (or as one write of another feature's statement: `withQueuedWhen`, `withQueuedEach`); a worker per channel
 * (outbox-worker.ts) claims due rows and hands them to that channel's deliverer. Core
 * infrastructure like db/: features queue through it, and it is the only writer of `outbox`.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Executor, StatementStart } from '../db/database-types.js';
import { olderThan, type KeysetPosition } from '../db/keyset.js';
import { PLAN_EACH_TIME } from '../db/prepared-statements.js';

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

/** what one claim statement found */
export interface ClaimBatch {
  messages: ClaimedMessage[];
  /** the scan of due rows was cut short: another claim may find more */
  more: boolean;
  /** the earliest pending message not claimed whose recipient is not at its limit (null: none) */
  nextDue: Date | null;
  /** recipients at their limit that have due messages waiting: one of theirs finishing should look again */
  blocked: string[];
}

/** one attempt's outcome as recorded (OutboxQueue.record) */
export type RecordedOutcome =
  | { id: string; kind: 'sent'; at: Date; keepData: boolean; statusCode?: number | null }
  | { id: string; kind: 'retry'; due: Date; error: string; statusCode?: number | null }
  | { id: string; kind: 'dead'; error: string; keepData: boolean; statusCode?: number | null }
  | { id: string; kind: 'park'; due: Date };

interface ClaimRow {
  scanned: number;
  next_due: Date | string | null;
  blocked: string[];
  id: string | null;
  template: string;
  to_address: string;
  data: Record<string, unknown>;
  attempts: number;
  attempts_base: number;
  created_at: Date | string;
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
 * A message's values as a statement built once takes them (db/statement-template.ts): as
 * parameters, `data` already JSON — the builders below are handed markers in their place, so they
 * pass each value on and never read one.
 */
export type QueuedParams = Omit<QueuedMessage, 'data'> & {
  /** JSON text */
  data: string;
};

/** `m`'s values for a statement built once (see QueuedParams) */
export function queuedParams(m: QueuedMessage): QueuedParams {
  return { id: m.id, channel: m.channel, template: m.template, to: m.to, userId: m.userId, eventId: m.eventId, data: JSON.stringify(m.data), createdAt: m.createdAt };
}

/**
 * `start` with a CTE named `name` that queues `m` when `condition` (an SQL boolean over the
 * statement's snapshot) holds: a message written by another feature's statement, atomic with the
 * change that caused it and in the same round trip (the new-device notice of a sign-in). The
 * columns and initial state are those of `values` below.
 */
export function withQueuedWhen(start: StatementStart, name: string, m: QueuedParams, condition: RawBuilder<SqlBool>): StatementStart {
  return start.with(name, (qb) =>
    qb
      .insertInto('outbox')
      .columns(['id', 'channel', 'template', 'to_address', 'user_id', 'event_id', 'data', 'status', 'attempts', 'next_attempt_at', 'created_at'])
      .expression(
        sql`select ${m.id}::uuid, ${m.channel}::text, ${m.template}::text, ${m.to}::text, ${m.userId}::uuid, ${m.eventId}::uuid, ${m.data}::jsonb, 'pending', 0, ${m.createdAt}::timestamptz, ${m.createdAt}::timestamptz
            where ${condition}`,
      )
      .returning('id'),
  ) as unknown as StatementStart;
}

/**
 * one message to each of several recipients, alike but for the id (QueuedParams with `id` and `to`
 * as arrays of one length), queued due at `dueAt` with `attempts` counted: `createdAt` and 0 for a
 * message any worker may claim, or already leased to this process's worker (see `leased`)
 */
export interface QueuedEachParams extends Omit<QueuedParams, 'id' | 'to'> {
  ids: string[];
  to: string[];
  dueAt: Date;
  attempts: number;
}

/** a message's due time and attempt count when queued for any worker to claim */
export function claimable(createdAt: Date): Pick<QueuedEachParams, 'dueAt' | 'attempts'> {
  return { dueAt: createdAt, attempts: 0 };
}

/**
 * A message's due time and attempt count when queued already claimed by this process's worker
 * (OutboxWorker.reserve): the row is as a claim leaves it — due again when the lease runs out,
 * its first attempt counted — so no claim statement is needed, and should this process die before
 * sending it, any worker claims it once the lease has run out (at-least-once, never two workers at
 * once). The insert trigger wakes no worker for it (migration 0020: it notifies only rows queued
 * with no attempt).
 */
export function leased(leaseUntil: Date): Pick<QueuedEachParams, 'dueAt' | 'attempts'> {
  return { dueAt: leaseUntil, attempts: 1 };
}

/**
 * The data a claim reads back from a row whose `data` was written as `json`: the same values, each
 * object's keys in the order PostgreSQL's jsonb keeps them (shorter keys first, then bytewise). A
 * message handed to the worker without a claim carries this, so its first attempt sends the bytes
 * every later attempt sends.
 */
export function readBack(json: string): Record<string, unknown> {
  return JSON.parse(json, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const keys = Object.keys(value).sort((a, b) => {
      const [x, y] = [Buffer.from(a), Buffer.from(b)];
      return x.length - y.length || Buffer.compare(x, y);
    });
    return Object.fromEntries(keys.map((k) => [k, (value as Record<string, unknown>)[k]]));
  }) as Record<string, unknown>;
}

/**
 * `start` with a CTE named `name` that queues a message to each of `m.to` (the id at the same
 * position): any number of recipients in one statement text, the lists being two array parameters
 * (a webhook event's deliveries). The columns are those of `values` below; the due time and the
 * attempts are parameters too (`claimable` or `leased`), so both kinds are one statement text.
 */
export function withQueuedEach(start: StatementStart, name: string, m: QueuedEachParams): StatementStart {
  return start.with(name, (qb) =>
    qb
      .insertInto('outbox')
      .columns(['id', 'channel', 'template', 'to_address', 'user_id', 'event_id', 'data', 'status', 'attempts', 'next_attempt_at', 'created_at'])
      .expression(
        sql`select q.id, ${m.channel}::text, ${m.template}::text, q.to_address, ${m.userId}::uuid, ${m.eventId}::uuid, ${m.data}::jsonb, 'pending', ${m.attempts}::int, ${m.dueAt}::timestamptz, ${m.createdAt}::timestamptz
            from unnest(${m.ids}::uuid[], ${m.to}::text[]) as q(id, to_address)`,
      ),
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

  async insert(tx: Executor, m: QueuedMessage): Promise<void> {
    await tx.insertInto('outbox').values(this.values(m)).execute();
  }

  /** removes a message not yet committed (MailService.rehearse) */
  async delete(tx: Executor, id: string): Promise<void> {
    await tx.deleteFrom('outbox').where('id', '=', id).execute();
  }

  /**
   * Claims up to `limit` due messages of a channel, oldest first, in one statement: rows another
   * worker holds locked are skipped (FOR UPDATE SKIP LOCKED), and each claimed row's due time moves
   * to `leaseUntil`, so no other worker takes it while this one sends — nor after, unless this one
   * dies mid-send (the lease then runs out and the message is tried again). A recipient gets at
   * most `perRecipient` messages in flight counting the `inFlight` ones this process already sends,
   * so one slow recipient cannot hold the queue (a recipient at its limit is passed over).
   *
   * The same statement says when to look again (`nextDue`: the earliest pending message not claimed
   * now whose recipient is not at its limit; null: none), which recipients at their limit have due
   * messages waiting (`blocked`), and whether rows were left unseen (`more`: the scan of due rows
   * was cut short, another claim may find more).
   */
  async claimBatch(
    db: Executor,
    channel: OutboxChannel,
    opts: { now: Date; leaseUntil: Date; limit: number; perRecipient: number; inFlight: ReadonlyMap<string, number> },
  ): Promise<ClaimBatch> {
    const inFlight = JSON.stringify(Object.fromEntries(opts.inFlight));
    const scan = opts.limit * opts.perRecipient;
    const held = sql<number>`coalesce((${inFlight}::jsonb ->> o.to_address)::int, 0)`;
    const { rows } = await sql<ClaimRow>`
      with candidates as (
        select o.id, o.to_address, o.next_attempt_at from outbox o
        where o.channel = ${channel} and o.status = 'pending' and o.next_attempt_at <= ${opts.now}
          and ${held} < ${opts.perRecipient}
        order by o.next_attempt_at
        limit ${scan}
        for update skip locked
      ), chosen as (
        select id from (
          select c.id, c.next_attempt_at,
                 row_number() over (partition by c.to_address order by c.next_attempt_at, c.id)
                   + coalesce((${inFlight}::jsonb ->> c.to_address)::int, 0) as slot
          from candidates c
        ) ranked
        where slot <= ${opts.perRecipient}
        order by next_attempt_at, id
        limit ${opts.limit}
      ), claimed as (
        update outbox o set next_attempt_at = ${opts.leaseUntil}, attempts = o.attempts + 1
        from chosen where o.id = chosen.id and o.status = 'pending'
        returning o.id, o.template, o.to_address, o.data, o.attempts, o.attempts_base, o.created_at
      ), per_recipient as (
        select to_address, count(*) as n from claimed group by to_address
      ), next as (
        select min(o.next_attempt_at) as due from outbox o
        where o.channel = ${channel} and o.status = 'pending'
          and o.id not in (select id from claimed)
          and ${held} + coalesce((select n from per_recipient p where p.to_address = o.to_address), 0) < ${opts.perRecipient}
      ), blocked as (
        select distinct o.to_address from outbox o
        where o.channel = ${channel} and o.status = 'pending' and o.next_attempt_at <= ${opts.now}
          and o.id not in (select id from claimed)
          and ${held} + coalesce((select n from per_recipient p where p.to_address = o.to_address), 0) >= ${opts.perRecipient}
      )
      select (select count(*) from candidates)::int as scanned, (select due from next) as next_due,
             (select coalesce(json_agg(to_address), '[]'::json) from blocked) as blocked, c.*
      from (select 1) as one left join claimed c on true
    `.execute(db);
    const first = rows[0];
    const messages = rows
      .filter((r): r is ClaimRow & { id: string } => r.id !== null)
      .map((r) => ({ id: r.id, template: r.template, to: r.to_address, data: r.data, attempts: r.attempts, budgetAttempts: r.attempts - r.attempts_base, createdAt: new Date(r.created_at) }));
    return { messages, more: (first?.scanned ?? 0) >= scan, nextDue: first?.next_due ? new Date(first.next_due) : null, blocked: first?.blocked ?? [] };
  }

  /**
   * Records the outcomes of many attempts in one statement, each row its own: sent (data blanked
   * unless kept), retry (due again, the error kept), dead (given up; data blanked unless kept), or
   * parked (due again at a time, not counted as an attempt: a disabled webhook endpoint).
   */
  async record(db: Executor, outcomes: readonly RecordedOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    // Each row's outcome keyed by its id: the rows are found by their ids (`= any`, the primary
    // key) and each reads its own outcome. A statement prepared once per connection keeps the plan
    // made for the table as it was then: where no autovacuum refreshes the statistics (the embedded
    // engine; PostgreSQL with it off) a plan made while the outbox was small — a scan of the whole
    // table — would stay as the table grows, and every outcome would cost time in proportion to
    // every message kept. PGlite's planner keeps the primary key for this text even then;
    // PostgreSQL's generic plan for `= any($n)` on a small table is a scan, so there it is planned
    // on each run (PLAN_EACH_TIME) for the table as it is. test/outbox/outbox.plans.test.ts.
    const byId: Record<string, unknown> = {};
    for (const o of outcomes) {
      byId[o.id] = {
        kind: o.kind,
        due: o.kind === 'retry' || o.kind === 'park' ? o.due.toISOString() : null,
        at: o.kind === 'sent' ? o.at.toISOString() : null,
        error: o.kind === 'retry' || o.kind === 'dead' ? o.error.slice(0, 1000) : null,
        code: o.kind === 'park' ? null : (o.statusCode ?? null),
        blank: (o.kind === 'sent' || o.kind === 'dead') && !o.keepData,
      };
    }
    await sql`${sql.raw(PLAN_EACH_TIME)}
      update outbox o set (status, next_attempt_at, attempts, sent_at, last_error, last_status_code, data) = (
        select
          case v.kind when 'sent' then 'sent' when 'dead' then 'dead' else o.status end,
          coalesce(v.due, o.next_attempt_at),
          case when v.kind = 'park' then greatest(o.attempts - 1, 0) else o.attempts end,
          case when v.kind = 'sent' then v.at else o.sent_at end,
          case when v.kind = 'park' then o.last_error else v.error end,
          case when v.kind = 'park' then o.last_status_code else v.code end,
          case when v.blank then '{}'::jsonb else o.data end
        from jsonb_to_record(${JSON.stringify(byId)}::jsonb -> o.id::text) as v(kind text, due timestamptz, at timestamptz, error text, code integer, blank boolean)
      )
      where o.id = any(${outcomes.map((o) => o.id)}::uuid[])
    `.execute(db);
  }

  /** every pending message of a recipient due now (a webhook endpoint enabled again); workers are woken at commit */
  async wakeRecipient(db: Executor, channel: OutboxChannel, to: string, now: Date): Promise<void> {
    await db.updateTable('outbox').set({ next_attempt_at: now }).where('channel', '=', channel).where('to_address', '=', to).where('status', '=', 'pending').execute();
    await this.#notify(db, channel);
  }

  /** the same wake-up the insert trigger sends (delivered at commit) */
  async #notify(db: Executor, channel: OutboxChannel): Promise<void> {
    await sql`select pg_notify('gatehouse_outbox', ${channel}::text)`.execute(db);
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
    await this.#notify(db, channel);
    return true;
  }

  async deleteForRecipient(tx: Executor, channel: OutboxChannel, to: string): Promise<void> {
    await tx.deleteFrom('outbox').where('channel', '=', channel).where('to_address', '=', to).execute();
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
