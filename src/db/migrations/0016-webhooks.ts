import { sql, type Kysely } from 'kysely';

/**
 * Webhooks, and the outbox made generic:
 * - `outbox` gains a `channel` ('mail' | 'webhook'): one queue, a deliverer per channel. For a
 *   webhook delivery `to_address` holds the endpoint's id, `template` the event type, `data` the
 *   request body (fixed when the event is recorded, so every attempt sends the same bytes),
 *   `event_id` the audit event. `attempts_base` is where an admin's retry restarted the attempt
 *   budget (attempts keep counting). `last_status_code` is the receiver's last HTTP status.
 * - `webhook_endpoints`: the admins' subscriptions. Secrets are sealed with SECRETS_KEY; after a
 *   rotation the previous secret stays live (deliveries carry both signatures) until
 *   `previous_secret_expires_at`.
 * Deliveries have no foreign key to their endpoint (the outbox is one table for every channel):
 * deleting an endpoint deletes its deliveries in the same transaction (webhooks-service.ts).
 */
const statements = [
  `alter table outbox add column channel text not null default 'mail'`,
  `alter table outbox add column event_id uuid`,
  `alter table outbox add column attempts_base integer not null default 0`,
  `alter table outbox add column last_status_code integer`,
  `drop index if exists outbox_due_idx`,
  `create index outbox_channel_due_idx on outbox(channel, next_attempt_at) where status = 'pending'`,
  `create index outbox_recipient_idx on outbox(channel, to_address, created_at desc, id desc)`,
  `create table webhook_endpoints (
    id uuid primary key,
    url text not null,
    events text[] not null,
    description text,
    enabled boolean not null default true,
    secret_enc text not null,
    previous_secret_enc text,
    previous_secret_expires_at timestamptz,
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
