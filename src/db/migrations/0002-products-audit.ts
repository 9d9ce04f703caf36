import { sql, type Kysely } from 'kysely';

/**
 * Products (the marketplace example behind the ownership checks) and the audit trail.
 * audit_events has no foreign keys on purpose: rows outlive the users they mention. Each row
 * holds the hash of its content and of the previous row (hash chain; see src/audit).
 */
const statements = [
  `create table products (
    id uuid primary key,
    seller_id uuid not null references users(id) on delete cascade,
    title text not null,
    description text,
    price numeric(10, 2) not null check (price >= 0),
    currency char(3) not null,
    image_url text,
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`,
  `create index products_created_idx on products(created_at desc, id desc)`,
  `create index products_seller_idx on products(seller_id, created_at desc, id desc)`,
  `create table audit_events (
    seq bigserial primary key,
    id uuid not null unique,
    type text not null,
    user_id uuid,
    actor_id uuid,
    ip text,
    user_agent text,
    data jsonb not null,
    created_at timestamptz not null,
    prev_hash text not null,
    hash text not null
  )`,
  `create index audit_created_idx on audit_events(created_at desc, id desc)`,
  `create index audit_user_idx on audit_events(user_id, created_at desc)`,
  `create index audit_type_idx on audit_events(type, created_at desc)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
