/**
 * The mail feature owns the outbox table; this is the statement builder another feature composes
 * when a message must be queued inside its own statement (a data-modifying CTE: one round trip,
 * atomic with the change that caused the message) rather than in a transaction of its own. The
 * columns and the initial state of a queued message are written here and nowhere else; the
 * outbox repository's insert uses the same values.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Insertable } from 'kysely';
import type { OutboxTable, StatementStart } from '../db/database-types.js';
import type { OutboxRow } from './outbox-row.js';

/** the row of a freshly queued message: pending, never tried, due at once */
export function queuedRow(m: OutboxRow): Insertable<OutboxTable> {
  return {
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
  };
}

/**
 * `start` with a CTE named `name` that queues `m` when `condition` (an SQL boolean over the
 * statement's snapshot) holds; whatever statement is built on the result writes it.
 */
export function withQueuedMessage(start: StatementStart, name: string, m: OutboxRow, condition: RawBuilder<SqlBool>): StatementStart {
  return start.with(name, (qb) =>
    qb
      .insertInto('outbox')
      .columns(['id', 'template', 'to_address', 'user_id', 'data', 'status', 'attempts', 'next_attempt_at', 'created_at'])
      .expression(
        sql`select ${m.id}::uuid, ${m.template}::text, ${m.to}::text, ${m.userId}::uuid, ${JSON.stringify(m.data)}::jsonb, 'pending', 0, ${m.createdAt}::timestamptz, ${m.createdAt}::timestamptz
            where ${condition}`,
      )
      .returning('id'),
  ) as unknown as StatementStart;
}
