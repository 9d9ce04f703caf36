import { sql, type Kysely } from 'kysely';

/**
 * Email (#17):
 * - `outbox`: mail queued in the transaction of the change that caused it, delivered by the
 *   worker (src/mail/outbox-worker.ts). A row is claimed by moving `next_attempt_at` forward (a
 *   lease) in one statement that skips rows other workers hold (FOR UPDATE SKIP LOCKED), so two
 *   workers never send the same message. No foreign key to users: an "account deleted" notice
 *   outlives its account. A row trigger NOTIFYs `gatehouse_outbox`, which PostgreSQL (and PGlite)
 *   deliver at commit: the worker wakes once the message is really there, whatever wrote it.
 * - `email_codes`: one live code per user and purpose (a new request replaces the old), stored as
 *   an HMAC, with its one-click link token's hash, its tries and its expiry.
 */
const statements = [
  `create table outbox (
    id uuid primary key,
    template text not null,
    to_address text not null,
    user_id uuid,
    data jsonb not null,
    status text not null default 'pending' check (status in ('pending', 'sent', 'dead')),
    attempts integer not null default 0,
    next_attempt_at timestamptz not null,
    last_error text,
    created_at timestamptz not null,
    sent_at timestamptz
  )`,
  `create index outbox_due_idx on outbox(next_attempt_at) where status = 'pending'`,
  `create index outbox_created_idx on outbox(created_at desc)`,
  `create function outbox_notify() returns trigger language plpgsql as $$
   begin
     perform pg_notify('gatehouse_outbox', '');
     return null;
   end $$`,
  `create trigger outbox_notify after insert on outbox for each row execute function outbox_notify()`,
  `create table email_codes (
    id uuid primary key,
    user_id uuid not null references users(id) on delete cascade,
    purpose text not null,
    code_hash text not null,
    link_hash text,
    new_email text,
    attempts integer not null default 0,
    created_at timestamptz not null,
    expires_at timestamptz not null,
    unique (user_id, purpose)
  )`,
  `create unique index email_codes_link_idx on email_codes(link_hash) where link_hash is not null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
