/**
 * The registry of OpenID Connect clients ("Sign in with Gatehouse"): the applications that sign
 * their users in through Gatehouse, and the back-end jobs that get tokens with client credentials.
 * Clients are data managed by admins. A confidential client's secret is generated here, shown in
 * the answer to its creation or rotation only, and stored sealed with a key derived from
 * SECRETS_KEY (purpose `oidc-client-secrets`); it is opened only for the provider to compare the
 * secret a client presents. Public clients (browser and native apps) have no secret, must use PKCE
 * and cannot use client credentials. The provider's view of a client (secret opened) is cached for
 * at most one second per instance, as users and sessions are (docs/security.md): every change
 * (update, disable, delete, new secret) evicts it on every instance through the invalidation bus
 * — at once on the instance that made it, within a second everywhere even if a message is lost —
 * so a disabled or deleted client is refused on every instance within a second. Without it each
 * token request read the row and opened the secret again.
 */
import { randomBytes } from 'node:crypto';
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import { TtlCache } from '../cache/ttl-cache.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { SecretBox } from '../security/secret-box.js';
import { oidcErrors } from './oidc-errors.js';
import type { OidcClientChanges, OidcClientRow, OidcClientsRepository, OidcClientType } from './oidc-clients-repository.js';

export const OIDC_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access', 'roles'] as const;
export const DEFAULT_GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token'];
export const DEFAULT_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];

/** an admin's view of a client: everything but the secret */
export type OidcClientView = Omit<OidcClientRow, 'clientSecretEnc'>;

/** a client as the provider uses it: the secret opened */
export interface ResolvedOidcClient extends OidcClientView {
  clientSecret: string | null;
}

export interface OidcClientInput {
  name: string;
  type?: OidcClientType;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: string[];
  scopes?: string[];
  permissions?: string[];
  skipConsent?: boolean;
  enabled?: boolean;
}

export type OidcClientPatch = Partial<Omit<OidcClientInput, 'type'>>;

type Problem = { field: string; message: string };

export interface OidcClientsServiceDeps {
  db: Db;
  repo: OidcClientsRepository;
  box: SecretBox;
  audit: AuditService;
  clock: Clock;
  /** evicts the cached client on every instance when it changes */
  bus: InvalidationBus;
  /** the permission catalogue (names a client's `permissions` may hold) */
  permissionCatalogue: () => readonly { name: string }[] | Promise<readonly { name: string }[]>;
  /** NODE_ENV=production: redirect URIs must be https except on loopback hosts */
  production: boolean;
}

function view(row: OidcClientRow): OidcClientView {
  return {
    clientId: row.clientId,
    name: row.name,
    type: row.type,
    redirectUris: row.redirectUris,
    postLogoutRedirectUris: row.postLogoutRedirectUris,
    grantTypes: row.grantTypes,
    scopes: row.scopes,
    permissions: row.permissions,
    skipConsent: row.skipConsent,
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** what is wrong with a redirect URI, or null: absolute, no fragment, https (http for loopback, or outside production) */
export function redirectUriProblem(value: string, production: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URI';
  }
  if (value.includes('#')) return 'must not contain a fragment';
  if (url.protocol === 'https:') return null;
  if (url.protocol === 'http:') {
    if (!production || LOOPBACK_HOSTS.has(url.hostname)) return null;
    return 'must use https (http only for localhost, 127.0.0.1 and [::1])';
  }
  return 'must be an https URI';
}

function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** the invalidation topic: `oidc-client:<client_id>` */
const TOPIC = 'oidc-client';
/** how long an instance may use a client it read (docs/security.md's bound for cached state) */
const CACHE_TTL_MS = 1000;
const CACHE_MAX_ENTRIES = 10_000;

export class OidcClientsService {
  /** the provider's view of a client by id (null: unknown or disabled) */
  readonly #resolved: TtlCache<ResolvedOidcClient | null>;

  constructor(private readonly d: OidcClientsServiceDeps) {
    this.#resolved = new TtlCache(CACHE_TTL_MS, CACHE_MAX_ENTRIES, () => d.clock.now());
    d.bus.on(TOPIC, (clientId) => this.#resolved.delete(clientId));
  }

  async list(): Promise<OidcClientView[]> {
    return (await this.d.repo.list(this.d.db)).map(view);
  }

  async get(clientId: string): Promise<OidcClientView> {
    const row = await this.d.repo.find(this.d.db, clientId);
    if (!row) throw oidcErrors.clientNotFound();
    return view(row);
  }

  /** a client as an admin sees it (enabled or not), or null */
  async find(clientId: string): Promise<OidcClientView | null> {
    const row = await this.d.repo.find(this.d.db, clientId);
    return row ? view(row) : null;
  }

  /**
   * the enabled client with its secret opened, or null (unknown or disabled: refused everywhere);
   * at most a second old, and evicted on every instance by each change
   */
  async resolve(clientId: string): Promise<ResolvedOidcClient | null> {
    return this.#resolved.peek(clientId) ?? this.#resolved.get(clientId, () => this.#load(clientId));
  }

  async #load(clientId: string): Promise<ResolvedOidcClient | null> {
    const row = await this.d.repo.find(this.d.db, clientId);
    if (!row || !row.enabled) return null;
    let clientSecret: string | null = null;
    if (row.clientSecretEnc) {
      try {
        clientSecret = this.d.box.open(row.clientSecretEnc);
      } catch {
        throw oidcErrors.secretUnreadable(row.clientId);
      }
    }
    return { ...view(row), clientSecret };
  }

  /** a new client; `clientSecret` (confidential clients) is shown in this answer only */
  async create(ctx: RequestContext, input: OidcClientInput): Promise<{ client: OidcClientView; clientSecret: string | null }> {
    const type = input.type ?? 'confidential';
    const candidate = {
      type,
      redirectUris: input.redirectUris ?? [],
      postLogoutRedirectUris: input.postLogoutRedirectUris ?? [],
      grantTypes: unique(input.grantTypes ?? DEFAULT_GRANT_TYPES),
      scopes: unique(input.scopes ?? DEFAULT_SCOPES),
      permissions: unique(input.permissions ?? []),
    };
    await this.#validate(candidate);
    const secret = type === 'confidential' ? generateSecret() : null;
    const now = new Date(this.d.clock.now());
    const row: OidcClientRow = {
      clientId: randomBytes(16).toString('base64url'),
      name: input.name,
      clientSecretEnc: secret ? this.d.box.seal(secret) : null,
      ...candidate,
      skipConsent: input.skipConsent ?? false,
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.d.repo.insert(tx, row);
      await this.d.audit.record(tx, ctx, { type: 'oidc.client.created', userId: null, data: { client_id: row.clientId, name: row.name, type } });
    });
    // an instance that looked this id up before it existed cached "unknown"
    await this.d.bus.publish(TOPIC, row.clientId);
    return { client: view(row), clientSecret: secret };
  }

  async update(ctx: RequestContext, clientId: string, patch: OidcClientPatch): Promise<OidcClientView> {
    const changes: OidcClientChanges = {};
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.redirectUris !== undefined) changes.redirectUris = patch.redirectUris;
    if (patch.postLogoutRedirectUris !== undefined) changes.postLogoutRedirectUris = patch.postLogoutRedirectUris;
    if (patch.grantTypes !== undefined) changes.grantTypes = unique(patch.grantTypes);
    if (patch.scopes !== undefined) changes.scopes = unique(patch.scopes);
    if (patch.permissions !== undefined) changes.permissions = unique(patch.permissions);
    if (patch.skipConsent !== undefined) changes.skipConsent = patch.skipConsent;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    const existing = await this.d.repo.find(this.d.db, clientId);
    if (!existing) throw oidcErrors.clientNotFound();
    // PATCH {} answers the client as it is and changes nothing
    if (Object.keys(changes).length === 0) return view(existing);
    // the rules hold for the client as it will be, not only for the fields sent
    await this.#validate({ ...existing, ...changes });
    const row = await this.d.db.transaction().execute(async (tx) => {
      const updated = await this.d.repo.update(tx, clientId, changes, new Date(this.d.clock.now()));
      if (!updated) throw oidcErrors.clientNotFound();
      await this.d.audit.record(tx, ctx, { type: 'oidc.client.updated', userId: null, data: { client_id: clientId, fields: Object.keys(changes).map(snake) } });
      return updated;
    });
    await this.d.bus.publish(TOPIC, clientId);
    return view(row);
  }

  /** removes the client and whatever was granted or issued to it */
  async delete(ctx: RequestContext, clientId: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.repo.delete(tx, clientId))) throw oidcErrors.clientNotFound();
      await this.d.audit.record(tx, ctx, { type: 'oidc.client.deleted', userId: null, data: { client_id: clientId } });
    });
    await this.d.bus.publish(TOPIC, clientId);
  }

  /** a new secret for a confidential client; the old one stops working at once here, within a second on every instance */
  async rotateSecret(ctx: RequestContext, clientId: string): Promise<{ client: OidcClientView; clientSecret: string }> {
    const existing = await this.d.repo.find(this.d.db, clientId);
    if (!existing) throw oidcErrors.clientNotFound();
    if (existing.type !== 'confidential') throw oidcErrors.noSecret();
    const secret = generateSecret();
    const row = await this.d.db.transaction().execute(async (tx) => {
      const updated = await this.d.repo.update(tx, clientId, { clientSecretEnc: this.d.box.seal(secret) }, new Date(this.d.clock.now()));
      if (!updated) throw oidcErrors.clientNotFound();
      await this.d.audit.record(tx, ctx, { type: 'oidc.client.secret_rotated', userId: null, data: { client_id: clientId } });
      return updated;
    });
    await this.d.bus.publish(TOPIC, clientId);
    return { client: view(row), clientSecret: secret };
  }

  /** a user's consent to a client (given on the consent page, or implied by skip_consent), for the audit trail */
  async recordConsent(ctx: RequestContext, input: { userId: string; clientId: string; scopes: readonly string[]; implied: boolean }): Promise<void> {
    await this.d.audit.recordAlone(ctx, {
      type: 'oidc.consent.granted',
      userId: input.userId,
      data: { client_id: input.clientId, scopes: [...input.scopes], ...(input.implied ? { implied: true } : {}) },
    });
  }

  async #validate(c: { type: OidcClientType; redirectUris: readonly string[]; postLogoutRedirectUris: readonly string[]; grantTypes: readonly string[]; scopes: readonly string[]; permissions: readonly string[] }): Promise<void> {
    const problems: Problem[] = [];
    c.redirectUris.forEach((uri, i) => {
      const problem = redirectUriProblem(uri, this.d.production);
      if (problem) problems.push({ field: `redirect_uris.${i}`, message: problem });
    });
    c.postLogoutRedirectUris.forEach((uri, i) => {
      const problem = redirectUriProblem(uri, this.d.production);
      if (problem) problems.push({ field: `post_logout_redirect_uris.${i}`, message: problem });
    });
    if (c.grantTypes.length === 0) problems.push({ field: 'grant_types', message: 'must name at least one grant type' });
    if (c.grantTypes.includes('authorization_code') && c.redirectUris.length === 0) {
      problems.push({ field: 'redirect_uris', message: 'a client with authorization_code needs at least one redirect URI' });
    }
    if (c.grantTypes.includes('refresh_token') && !c.grantTypes.includes('authorization_code')) {
      problems.push({ field: 'grant_types', message: 'refresh_token comes with authorization_code' });
    }
    if (c.type === 'public' && c.grantTypes.includes('client_credentials')) {
      problems.push({ field: 'grant_types', message: 'a public client cannot use client_credentials' });
    }
    const known = new Set((await this.d.permissionCatalogue()).map((p) => p.name));
    c.permissions.forEach((p, i) => {
      if (!known.has(p)) problems.push({ field: `permissions.${i}`, message: 'is not a permission of the catalogue' });
    });
    if (problems.length > 0) throw commonErrors.validation(problems);
  }

  /** re-seals every client secret under the current SECRETS_KEY (`gatehouse secrets rekey`); how many were re-sealed */
  async rekeySecrets(): Promise<number> {
    let count = 0;
    for (const row of await this.d.repo.listSealedSecrets(this.d.db)) {
      const resealed = this.d.box.reseal(row.clientSecretEnc);
      if (resealed !== null && (await this.d.repo.replaceSealedSecret(this.d.db, row.clientId, row.clientSecretEnc, resealed))) count++;
    }
    return count;
  }
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function snake(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
