import type { ColumnType, Generated, Kysely, QueryCreator, Transaction } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;

export interface UsersTable {
  id: string;
  /** null for accounts identified by a login name only (ACCOUNT_EMAIL=optional) */
  email: string | null;
  username: string | null;
  name: string | null;
  avatar_url: string | null;
  password_hash: string | null;
  email_verified: boolean;
  disabled: boolean;
  /** TOTP on or a passkey registered: kept by the MFA service (migration 0007) */
  mfa_enabled: Generated<boolean>;
  /** the owner's language (migration 0018), kept by the users feature; null: not known */
  locale: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RolesTable {
  name: string;
  description: string | null;
  permissions: string[];
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** the operator's own permissions (migration 0008); built-in ones live in code */
export interface PermissionsTable {
  name: string;
  description: string | null;
  created_at: Timestamp;
}

export interface UserRolesTable {
  user_id: string;
  role_name: string;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** the current refresh token, AES-GCM encrypted, so a stale token inside the grace window can get it */
  refresh_token_enc: string;
  created_at: Timestamp;
  last_used_at: Timestamp;
  /** refresh-token expiry (renewed on rotation, never past max_expires_at) */
  expires_at: Timestamp;
  max_expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
  device_browser: string | null;
  device_os: string | null;
  device_type: string | null;
  location_country: string | null;
  location_city: string | null;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  /** how the session was signed in (RFC 8176 `amr`), carried by every access token of the session */
  amr: Generated<string[]>;
}

export interface RefreshTokensTable {
  token_hash: string;
  session_id: string;
  created_at: Timestamp;
  rotated_at: Timestamp | null;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_key_enc: string;
  created_at: Timestamp;
  retired_at: Timestamp | null;
  /** `gatehouse keys revoke`: out of JWKS at once, its tokens refused */
  revoked_at: Timestamp | null;
}

export interface ProductsTable {
  id: string;
  seller_id: string;
  title: string;
  description: string | null;
  price: ColumnType<string, string, string>;
  currency: string;
  image_url: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AuditEventsTable {
  seq: Generated<string>;
  id: string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: ColumnType<Record<string, unknown>, string, string>;
  created_at: Timestamp;
  prev_hash: string;
  hash: string;
  /** 1: plain SHA-256 (events before migration 0004), 2: HMAC (see src/audit/audit-chain.ts) */
  link: Generated<number>;
}

export interface AuditChainHeadTable {
  id: Generated<number>;
  prev_hash: string;
  hash: string;
  /** the last event chained before links were keyed (0: none), its link, and their seal */
  legacy_seq: Generated<string>;
  legacy_hash: Generated<string>;
  legacy_seal: string | null;
}

/** an era of the audit chain that ended when SECRETS_KEY was changed (`secrets rekey`) */
export interface AuditChainErasTable {
  upto_seq: string;
  keys_enc: string;
  seal: string;
  seal_previous: string;
  created_at: Generated<Date>;
}

export interface OutboxTable {
  id: string;
  template: string;
  to_address: string;
  /** the account the message is about (informational: no foreign key, notices outlive accounts) */
  user_id: string | null;
  /** the template's data; codes and links are blanked once the message is handed to SMTP */
  data: ColumnType<Record<string, unknown>, string, string>;
  status: 'pending' | 'sent' | 'dead';
  /** 'mail' or 'webhook': which deliverer sends it */
  channel: Generated<string>;
  /** webhook deliveries: the audit event delivered */
  event_id: string | null;
  attempts: number;
  /** where the attempt budget last restarted (an admin's retry); attempts keep counting */
  attempts_base: Generated<number>;
  /** webhook deliveries: the receiver's last HTTP status (null: none, e.g. a timeout) */
  last_status_code: number | null;
  /** due time, and the claim's lease while a worker sends it */
  next_attempt_at: Timestamp;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_expires_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface EmailCodesTable {
  id: string;
  user_id: string;
  purpose: string;
  code_hash: string;
  link_hash: string | null;
  new_email: string | null;
  attempts: number;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** a provider identity (provider, subject) linked to an account (docs/security.md) */
export interface IdentitiesTable {
  id: string;
  user_id: string;
  provider: string;
  subject: string;
  email: string | null;
  email_verified: boolean;
  created_at: Timestamp;
}

/** an OAuth/OIDC provider configured by an admin (docs/api.md Admin) */
export interface OAuthProvidersTable {
  id: string;
  name: string;
  issuer: string | null;
  client_id: string;
  /** AES-GCM sealed under a key derived from SECRETS_KEY; never returned */
  client_secret_enc: string | null;
  authorization_url: string | null;
  token_url: string | null;
  userinfo_url: string | null;
  scopes: string[] | null;
  /** a new identity may join an existing account with the same verified email */
  link_by_email: Generated<boolean>;
  enabled: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface MfaTotpTable {
  user_id: string;
  /** the confirmed secret (base32, sealed with SECRETS_KEY), null when TOTP is off */
  secret_enc: string | null;
  /** a set-up awaiting its confirming code (sealed), replaced by a new set-up */
  pending_secret_enc: string | null;
  /** the last accepted time step: a code of this step or an earlier one is refused */
  last_step: ColumnType<string | null, number | null, number | null>;
  enabled_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface MfaRecoveryCodesTable {
  user_id: string;
  /** HMAC-SHA256 of the normalised code under a key derived from SECRETS_KEY */
  code_hash: string;
  created_at: Timestamp;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  /** base64url credential id, as the authenticator reports it */
  credential_id: string;
  /** base64url COSE public key */
  public_key: string;
  counter: ColumnType<string, number, number>;
  transports: string[];
  name: string;
  created_at: Timestamp;
  last_used_at: Timestamp | null;
}

export interface OidcClientsTable {
  client_id: string;
  name: string;
  type: 'confidential' | 'public';
  /** AES-GCM sealed under a key derived from SECRETS_KEY; null for public clients; never returned */
  client_secret_enc: string | null;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: string[];
  scopes: string[];
  permissions: string[];
  skip_consent: boolean;
  enabled: boolean;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** the OpenID Connect provider library's models (grants, codes, tokens, sessions, interactions) */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface Database {
  users: UsersTable;
  roles: RolesTable;
  permissions: PermissionsTable;
  user_roles: UserRolesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  products: ProductsTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  audit_chain_eras: AuditChainErasTable;
  outbox: OutboxTable;
  webhook_endpoints: WebhookEndpointsTable;
  email_codes: EmailCodesTable;
  identities: IdentitiesTable;
  oauth_providers: OAuthProvidersTable;
  mfa_totp: MfaTotpTable;
  mfa_recovery_codes: MfaRecoveryCodesTable;
  passkeys: PasskeysTable;
  oidc_clients: OidcClientsTable;
  oidc_payloads: OidcPayloadsTable;
}

export type Db = Kysely<Database>;
/** a transaction or the database itself: repositories accept either */
export type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Where a repository starts a statement: an executor, or a statement that already carries
 * data-modifying CTEs from another repository (several writes in one round trip, atomic as one
 * statement, without BEGIN/COMMIT).
 */
export type StatementStart = QueryCreator<Database>;
