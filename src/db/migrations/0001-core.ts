import { sql, type Kysely } from 'kysely';

/** Accounts, roles, sessions with rotating refresh tokens, and the signing keys behind JWKS. */
const statements = [
  `create table users (
    id uuid primary key,
    email text not null unique,
    username text unique,
    name text,
    avatar_url text,
    password_hash text,
    email_verified boolean not null default false,
    disabled boolean not null default false,
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`,
  `create table roles (
    name text primary key,
    description text not null default '',
    permissions text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  `create table user_roles (
    user_id uuid not null references users(id) on delete cascade,
    role_name text not null references roles(name) on delete restrict,
    primary key (user_id, role_name)
  )`,
  `create index user_roles_role_idx on user_roles(role_name)`,
  `create table sessions (
    id uuid primary key,
    user_id uuid not null references users(id) on delete cascade,
    refresh_token_enc text not null,
    created_at timestamptz not null,
    last_used_at timestamptz not null,
    expires_at timestamptz not null,
    max_expires_at timestamptz not null,
    ip text,
    user_agent text,
    device_browser text,
    device_os text,
    device_type text,
    location_country text,
    location_city text,
    revoked_at timestamptz,
    revoked_reason text
  )`,
  `create index sessions_user_idx on sessions(user_id, created_at desc)`,
  `create table refresh_tokens (
    token_hash text primary key,
    session_id uuid not null references sessions(id) on delete cascade,
    created_at timestamptz not null,
    rotated_at timestamptz
  )`,
  `create index refresh_tokens_session_idx on refresh_tokens(session_id)`,
  `create table signing_keys (
    kid text primary key,
    alg text not null,
    public_jwk jsonb not null,
    private_key_enc text not null,
    created_at timestamptz not null,
    retired_at timestamptz
  )`,
  `insert into roles (name, description, permissions) values
    ('admin', 'Administrators: every permission', array['products:read','products:write','products:write:any','users:admin']),
    ('seller', 'Sellers: read products, manage their own', array['products:read','products:write']),
    ('buyer', 'Buyers: read products', array['products:read'])`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
