import { sql, type Kysely } from 'kysely';

/**
 * Social sign-in (docs/security.md): the provider identities linked to accounts, and the providers admins
 * configure in the database (beside those from OAUTH_<ID>_* variables). A provider's client secret
 * is stored sealed (AES-GCM under a key derived from SECRETS_KEY), never in clear.
 */
const statements = [
  `create table identities (
    id uuid primary key,
    user_id uuid not null references users(id) on delete cascade,
    provider text not null,
    subject text not null,
    email text,
    email_verified boolean not null default false,
    created_at timestamptz not null,
    constraint identities_provider_subject_key unique (provider, subject)
  )`,
  `create index identities_user_idx on identities(user_id, created_at)`,
  `create table oauth_providers (
    id text primary key,
    name text not null,
    issuer text,
    client_id text not null,
    client_secret_enc text,
    authorization_url text,
    token_url text,
    userinfo_url text,
    scopes text[],
    enabled boolean not null default true,
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
