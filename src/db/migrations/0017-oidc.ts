import { sql, type Kysely } from 'kysely';

/**
 * Gatehouse as an OpenID Connect provider. `oidc_clients`: the applications admins register (a
 * confidential client's secret sealed with a key derived from SECRETS_KEY, never in clear).
 * `oidc_payloads`: what the provider library keeps between requests (grants, codes, tokens,
 * sessions, interactions), one row per (model, id), so every instance can finish a flow another
 * started; rows past `expires_at` are dead and swept.
 */
const statements = [
  `create table oidc_clients (
    client_id text primary key,
    name text not null,
    type text not null check (type in ('confidential', 'public')),
    client_secret_enc text,
    redirect_uris text[] not null default '{}',
    post_logout_redirect_uris text[] not null default '{}',
    grant_types text[] not null,
    scopes text[] not null,
    permissions text[] not null default '{}',
    skip_consent boolean not null default false,
    enabled boolean not null default true,
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`,
  `create table oidc_payloads (
    model text not null,
    id text not null,
    payload jsonb not null,
    grant_id text,
    user_code text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    primary key (model, id)
  )`,
  `create index oidc_payloads_grant_idx on oidc_payloads(grant_id) where grant_id is not null`,
  `create index oidc_payloads_uid_idx on oidc_payloads(model, uid) where uid is not null`,
  `create index oidc_payloads_user_code_idx on oidc_payloads(model, user_code) where user_code is not null`,
  `create index oidc_payloads_expires_idx on oidc_payloads(expires_at) where expires_at is not null`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
