import { sql, type Kysely } from 'kysely';

/**
 * Multi-factor sign-in (#19, docs/security.md):
 * - users.mfa_enabled: kept by the MFA service (TOTP on, or a passkey registered), so the
 *   password step learns whether a second step follows from the row it reads anyway;
 * - sessions.amr: how the session was signed in (RFC 8176), so refreshed access tokens keep it.
 *   Sessions made before this migration were all password sign-ins;
 * - mfa_totp: the TOTP secret (sealed with SECRETS_KEY), the one awaiting confirmation, and the
 *   last accepted time step (a code of that step or an earlier one is refused);
 * - mfa_recovery_codes: keyed hashes (HMAC under a key derived from SECRETS_KEY) of unused codes;
 * - passkeys: WebAuthn credentials, one row each.
 */
const statements = [
  `alter table users add column mfa_enabled boolean not null default false`,
  `alter table sessions add column amr text[] not null default '{pwd}'`,
  `alter table sessions alter column amr set default '{}'`,
  `create table mfa_totp (
    user_id uuid primary key references users(id) on delete cascade,
    secret_enc text,
    pending_secret_enc text,
    last_step bigint,
    enabled_at timestamptz,
    updated_at timestamptz not null
  )`,
  `create table mfa_recovery_codes (
    user_id uuid not null references users(id) on delete cascade,
    code_hash text not null,
    created_at timestamptz not null,
    primary key (user_id, code_hash)
  )`,
  `create table passkeys (
    id uuid primary key,
    user_id uuid not null references users(id) on delete cascade,
    credential_id text not null unique,
    public_key text not null,
    counter bigint not null default 0,
    transports text[] not null default '{}',
    name text not null,
    created_at timestamptz not null,
    last_used_at timestamptz
  )`,
  `create index passkeys_user_id on passkeys (user_id, created_at)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
