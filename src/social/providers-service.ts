/**
 * The sign-in providers of this instance: those of OAUTH_<ID>_* variables merged with those admins
 * keep in the database (a database row with the same id wins, so an admin can also disable an
 * environment provider). Built-in ids get their endpoints and scopes filled in.
 *
 * Client secrets of database providers are sealed with a key derived from SECRETS_KEY (purpose
 * `oauth-client-secrets`), written only, never returned or logged, and opened only to talk to the
 * provider. Rows are cached in-process for at most one second and evicted on every instance
 * through the InvalidationBus after each change.
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import { TtlCache } from '../cache/ttl-cache.js';
import type { Clock } from '../clock.js';
import { OAUTH_ID_PATTERN, urlProblem, type OAuthEnvProvider } from '../config/oauth-env.js';
import type { Db } from '../db/database-types.js';
import { commonErrors } from '../errors.js';
import type { RequestContext } from '../request-context.js';
import type { SecretBox } from '../security/secret-box.js';
import { isBuiltin, providerDefaults, type ProviderKind } from './builtin-providers.js';
import { oauthErrors, providerFailureOf, ProviderCallFailed } from './social-errors.js';
import type { ProviderClient } from './provider-client.js';
import type { ProviderChanges, ProviderRow, ProvidersRepository } from './providers-repository.js';

/** a provider ready to use in a sign-in (secret opened) */
export interface ResolvedProvider {
  id: string;
  name: string;
  kind: ProviderKind;
  /** OIDC: the issuer its metadata is discovered from */
  issuer: string | null;
  clientId: string;
  clientSecret: string | null;
  authorizationUrl: string | null;
  tokenUrl: string | null;
  userinfoUrl: string | null;
  scopes: string[];
  /** a new identity may join an existing account with the same verified email */
  linkByEmail: boolean;
}

/** an admin's view of a database provider: everything but the secret */
export type ProviderView = Omit<ProviderRow, 'clientSecretEnc'>;

export interface ProviderInput {
  id: string;
  name?: string | null;
  issuer?: string | null;
  clientId: string;
  clientSecret?: string | null;
  authorizationUrl?: string | null;
  tokenUrl?: string | null;
  userinfoUrl?: string | null;
  scopes?: string[] | null;
  linkByEmail?: boolean;
  enabled?: boolean;
}

export type ProviderPatch = Partial<Omit<ProviderInput, 'id'>>;

export interface ProvidersServiceDeps {
  db: Db;
  repo: ProvidersRepository;
  box: SecretBox;
  bus: InvalidationBus;
  clock: Clock;
  envProviders: readonly OAuthEnvProvider[];
  production: boolean;
  audit: AuditService;
  /** checks that a provider answers (discovery, or its endpoints) before it is enabled */
  client: ProviderClient;
}

const TOPIC = 'oauth-provider';

function view(row: ProviderRow): ProviderView {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    clientId: row.clientId,
    authorizationUrl: row.authorizationUrl,
    tokenUrl: row.tokenUrl,
    userinfoUrl: row.userinfoUrl,
    scopes: row.scopes,
    linkByEmail: row.linkByEmail,
    enabled: row.enabled,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** what an audit event says about a provider: its settings, never its client secret */
function auditData(row: ProviderRow): Record<string, unknown> {
  return {
    id: row.id,
    name: row.name,
    issuer: row.issuer,
    client_id: row.clientId,
    authorization_url: row.authorizationUrl,
    token_url: row.tokenUrl,
    userinfo_url: row.userinfoUrl,
    scopes: row.scopes,
    link_by_email: row.linkByEmail,
    enabled: row.enabled,
  };
}

const CHANGE_FIELDS: Record<keyof ProviderChanges, string> = {
  name: 'name',
  issuer: 'issuer',
  clientId: 'client_id',
  clientSecretEnc: 'client_secret',
  authorizationUrl: 'authorization_url',
  tokenUrl: 'token_url',
  userinfoUrl: 'userinfo_url',
  scopes: 'scopes',
  linkByEmail: 'link_by_email',
  enabled: 'enabled',
};

export class ProvidersService {
  readonly #rows: TtlCache<ProviderRow[]>;

  constructor(private readonly d: ProvidersServiceDeps) {
    this.#rows = new TtlCache(1000, 1, () => d.clock.now());
    d.bus.on(TOPIC, () => this.#rows.clear());
  }

  /** the enabled provider `id` with its secret opened, or null (unknown or disabled: 404) */
  async resolve(id: string): Promise<ResolvedProvider | null> {
    const row = (await this.#dbRows()).find((r) => r.id === id);
    if (row) {
      if (!row.enabled) return null;
      let secret: string | null = null;
      if (row.clientSecretEnc) {
        try {
          secret = this.d.box.open(row.clientSecretEnc);
        } catch {
          throw oauthErrors.secretUnreadable(row.id);
        }
      }
      return this.#complete({ ...row, clientSecret: secret, scopes: row.scopes });
    }
    const env = this.d.envProviders.find((p) => p.id === id);
    return env ? this.#complete({ ...env, scopes: env.scopes ? [...env.scopes] : null }) : null;
  }

  /** GET /oauth/providers: the enabled providers, by id */
  async listEnabled(): Promise<{ id: string; name: string }[]> {
    const rows = await this.#dbRows();
    const out = new Map<string, string>();
    for (const p of this.d.envProviders) out.set(p.id, p.name ?? providerDefaults(p.id).name);
    for (const r of rows) {
      if (r.enabled) out.set(r.id, r.name);
      else out.delete(r.id);
    }
    return [...out].sort(([a], [b]) => a.localeCompare(b)).map(([id, name]) => ({ id, name }));
  }

  // ---- admin API (database providers) ----------------------------------------------------------

  async list(): Promise<ProviderView[]> {
    return (await this.d.repo.list(this.d.db)).map(view);
  }

  async get(id: string): Promise<ProviderView> {
    const row = await this.d.repo.find(this.d.db, id);
    if (!row) throw oauthErrors.providerNotFound();
    return view(row);
  }

  /** POST /admin/oauth-providers: audited (oauth_provider.created) with the admin as actor */
  async create(ctx: RequestContext, input: ProviderInput): Promise<ProviderView> {
    const problems: { field: string; message: string }[] = [];
    if (!OAUTH_ID_PATTERN.test(input.id)) problems.push({ field: 'id', message: 'must be 2–32 of a-z 0-9 _ -' });
    this.#checkUrls(input, problems);
    if (!isBuiltin(input.id) && !input.issuer) problems.push({ field: 'issuer', message: 'is required for a generic OpenID Connect provider' });
    if (problems.length > 0) throw commonErrors.validation(problems);
    const now = new Date(this.d.clock.now());
    const row: ProviderRow = {
      id: input.id,
      name: input.name ?? providerDefaults(input.id).name,
      issuer: input.issuer ? input.issuer.replace(/\/+$/, '') : null,
      clientId: input.clientId,
      clientSecretEnc: input.clientSecret ? this.d.box.seal(input.clientSecret) : null,
      authorizationUrl: input.authorizationUrl ?? null,
      tokenUrl: input.tokenUrl ?? null,
      userinfoUrl: input.userinfoUrl ?? null,
      scopes: input.scopes ?? null,
      linkByEmail: input.linkByEmail ?? true,
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
    };
    if (row.enabled) await this.#assertReachable(row);
    await this.d.db.transaction().execute(async (tx) => {
      if (!(await this.d.repo.insert(tx, row))) throw oauthErrors.providerExists();
      await this.d.audit.record(tx, ctx, { type: 'oauth_provider.created', userId: null, data: auditData(row) });
    });
    await this.d.bus.publish(TOPIC, row.id);
    return view(row);
  }

  /**
   * PATCH /admin/oauth-providers/{id}: audited (oauth_provider.updated, naming the changed fields).
   * A provider that is (or stays) enabled and whose issuer or endpoints change, or that is being
   * enabled, must answer first.
   */
  async update(ctx: RequestContext, id: string, patch: ProviderPatch): Promise<ProviderView> {
    // PATCH {} answers the provider as it is, and changes nothing
    if (Object.values(patch).every((v) => v === undefined)) return this.get(id);
    const problems: { field: string; message: string }[] = [];
    this.#checkUrls(patch, problems);
    if (patch.clientId === null) problems.push({ field: 'client_id', message: 'must be a string' });
    if (patch.name === null) problems.push({ field: 'name', message: 'must be a string' });
    if (patch.issuer === null && !isBuiltin(id)) problems.push({ field: 'issuer', message: 'is required for a generic OpenID Connect provider' });
    if (problems.length > 0) throw commonErrors.validation(problems);
    const changes: ProviderChanges = {};
    if (patch.name) changes.name = patch.name;
    if (patch.issuer !== undefined) changes.issuer = patch.issuer ? patch.issuer.replace(/\/+$/, '') : null;
    if (patch.clientId) changes.clientId = patch.clientId;
    if (patch.clientSecret !== undefined) changes.clientSecretEnc = patch.clientSecret ? this.d.box.seal(patch.clientSecret) : null;
    if (patch.authorizationUrl !== undefined) changes.authorizationUrl = patch.authorizationUrl;
    if (patch.tokenUrl !== undefined) changes.tokenUrl = patch.tokenUrl;
    if (patch.userinfoUrl !== undefined) changes.userinfoUrl = patch.userinfoUrl;
    if (patch.scopes !== undefined) changes.scopes = patch.scopes;
    if (patch.linkByEmail !== undefined) changes.linkByEmail = patch.linkByEmail;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    const current = await this.d.repo.find(this.d.db, id);
    if (!current) throw oauthErrors.providerNotFound();
    const next: ProviderRow = { ...current, ...changes };
    const moved = (['issuer', 'authorizationUrl', 'tokenUrl', 'userinfoUrl'] as const).some((k) => k in changes && changes[k] !== current[k]);
    if (next.enabled && (!current.enabled || moved)) await this.#assertReachable(next);
    const row = await this.d.db.transaction().execute(async (tx) => {
      const updated = await this.d.repo.update(tx, id, changes, new Date(this.d.clock.now()));
      if (!updated) throw oauthErrors.providerNotFound();
      const changed = (Object.keys(changes) as (keyof ProviderChanges)[]).map((k) => CHANGE_FIELDS[k]);
      await this.d.audit.record(tx, ctx, { type: 'oauth_provider.updated', userId: null, data: { ...auditData(updated), changed } });
      return updated;
    });
    await this.d.bus.publish(TOPIC, id);
    return view(row);
  }

  /** DELETE /admin/oauth-providers/{id}: audited (oauth_provider.deleted) */
  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      const row = await this.d.repo.find(tx, id);
      if (!row || !(await this.d.repo.delete(tx, id))) throw oauthErrors.providerNotFound();
      await this.d.audit.record(tx, ctx, { type: 'oauth_provider.deleted', userId: null, data: { id: row.id, name: row.name } });
    });
    await this.d.bus.publish(TOPIC, id);
  }

  /** the provider answers (discovery, or its endpoints), else 400 naming `issuer` with the cause */
  async #assertReachable(row: ProviderRow): Promise<void> {
    const provider = this.#complete({ ...row, clientSecret: null, scopes: row.scopes });
    try {
      await this.d.client.probe(provider);
    } catch (error) {
      throw oauthErrors.providerUnreachable(providerFailureOf(error) ?? new ProviderCallFailed(row.id, 'check', 'no answer'));
    }
  }

  #checkUrls(input: Partial<ProviderInput>, problems: { field: string; message: string }[]): void {
    const fields = [
      ['issuer', input.issuer],
      ['authorization_url', input.authorizationUrl],
      ['token_url', input.tokenUrl],
      ['userinfo_url', input.userinfoUrl],
    ] as const;
    for (const [field, value] of fields) {
      const problem = value ? urlProblem(value, this.d.production) : null;
      if (problem) problems.push({ field, message: problem });
    }
  }

  #dbRows(): Promise<ProviderRow[]> {
    return this.#rows.get('all', () => this.d.repo.list(this.d.db));
  }

  #complete(p: Omit<ResolvedProvider, 'kind' | 'name' | 'scopes'> & { name: string | null; scopes: string[] | null }): ResolvedProvider {
    const defaults = providerDefaults(p.id);
    return {
      id: p.id,
      name: p.name ?? defaults.name,
      kind: defaults.kind,
      issuer: p.issuer ?? defaults.issuer,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      authorizationUrl: p.authorizationUrl ?? defaults.authorizationUrl,
      tokenUrl: p.tokenUrl ?? defaults.tokenUrl,
      userinfoUrl: p.userinfoUrl ?? defaults.userinfoUrl,
      scopes: p.scopes ?? defaults.scopes,
      linkByEmail: p.linkByEmail,
    };
  }

  /**
   * `gatehouse secrets rekey`: re-seals under the current SECRETS_KEY every client secret sealed
   * under SECRETS_KEY_PREVIOUS; the count re-sealed (0: nothing left to do).
   */
  async rekeySecrets(): Promise<number> {
    let count = 0;
    for (const row of await this.d.repo.listSealedSecrets(this.d.db)) {
      const resealed = this.d.box.reseal(row.clientSecretEnc);
      if (resealed !== null && (await this.d.repo.replaceSealedSecret(this.d.db, row.id, row.clientSecretEnc, resealed))) count++;
    }
    this.#rows.clear();
    return count;
  }
}
