/**
 * createServices(config, edges?): the composition of one Gatehouse instance — database, ephemeral
 * store, repositories and services — in plain sight, without HTTP. The HTTP app (app.ts) and the
 * CLI commands both start from here, so a rule lives in one service and every entry point uses it.
 * Each service gets the settings it reads (typed as a Pick of the config), not the whole config.
 */
import { AuditRepository } from './audit/audit-repository.js';
import { AuditService } from './audit/audit-service.js';
import { AuthService } from './auth/auth-service.js';
import type { EphemeralStore } from './cache/ephemeral-store.js';
import { InvalidationBus } from './cache/invalidation-bus.js';
import { MemoryStore } from './cache/memory-store.js';
import { RedisStore } from './cache/redis-store.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/load-config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { KeyService } from './keys/key-service.js';
import { MfaRepository } from './mfa/mfa-repository.js';
import { MfaService } from './mfa/mfa-service.js';
import { OidcClientsRepository } from './oidc/oidc-clients-repository.js';
import { OidcClientsService } from './oidc/oidc-clients-service.js';
import { OidcGrantsService } from './oidc/oidc-grants-service.js';
import { OidcPayloadsRepository } from './oidc/oidc-payloads-repository.js';
import { OidcProviderHost } from './oidc/oidc-provider.js';
import { PAGE_COOKIE } from './pages/page-session.js';
import { RecoveryCodeHasher } from './mfa/recovery-codes.js';
import { RelyingParty, WebAuthnChallenges } from './mfa/webauthn.js';
import { UserImportRepository } from './user-import/user-import-repository.js';
import { UserImportService } from './user-import/user-import-service.js';
import { SigningKeysRepository } from './keys/signing-keys-repository.js';
import { PasswordHasher, type HasherOptions } from './passwords/password-hasher.js';
import { PasswordPolicy } from './passwords/password-policy.js';
import { ProductsRepository } from './products/products-repository.js';
import { ProductsService } from './products/products-service.js';
import { RolesRepository } from './roles/roles-repository.js';
import { RolesService } from './roles/roles-service.js';
import { RateLimiter } from './security/rate-limiter.js';
import { deriveKey, resolveSecretsKey, SecretBox } from './security/secret-box.js';
import { legacySeal } from './audit/audit-chain.js';
import { ensureDataDir } from './db/data-dir.js';
import { listen } from './db/notifications.js';
import { CodeHasher } from './email/email-codes.js';
import { EmailCodesRepository } from './email/email-codes-repository.js';
import { EmailService } from './email/email-service.js';
import { MailService } from './mail/mail-service.js';
import { Metrics } from './metrics/metrics.js';
import { MailTemplates } from './mail/mail-templates.js';
import { smtpTransport } from './mail/mail-transport.js';
import { OutboxRepository } from './mail/outbox-repository.js';
import { OutboxWorker } from './mail/outbox-worker.js';
import { noGeoIp, openGeoIp } from './sessions/geoip.js';
import { IdentitiesRepository } from './oauth/identities-repository.js';
import { OAuthService } from './oauth/oauth-service.js';
import { ProvidersRepository } from './oauth/providers-repository.js';
import { ProvidersService } from './oauth/providers-service.js';
import { SessionsRepository } from './sessions/sessions-repository.js';
import { SessionsService } from './sessions/sessions-service.js';
import { UsersRepository } from './users/users-repository.js';
import { UsersService } from './users/users-service.js';

/** what a test (or an embedding program) may hand in instead of what the config says */
export interface ServiceEdges {
  clock?: Clock;
  /** an open database (tests); createServices still runs migrations, and close() closes it */
  database?: DatabaseHandle;
  store?: EphemeralStore;
  /** a password policy to share (tests: its strength-checking thread starts once per process); not closed here */
  passwordPolicy?: PasswordPolicy;
  /** a password hasher to share, initialised (tests: its threads start once per process); not closed here */
  hasher?: PasswordHasher;
}

/** the services of one Gatehouse instance, shared by the HTTP app and the CLI */
export interface Services {
  config: Config;
  clock: Clock;
  database: DatabaseHandle;
  store: EphemeralStore;
  bus: InvalidationBus;
  hasher: PasswordHasher;
  keys: KeyService;
  audit: AuditService;
  roles: RolesService;
  users: UsersService;
  sessions: SessionsService;
  auth: AuthService;
  products: ProductsService;
  mail: MailService;
  email: EmailService;
  /**
   * delivers the outbox once started (`serve` unless MAIL_WORKER=off, `gatehouse worker`); null
   * when mail cannot be delivered (NODE_ENV=production without SMTP_URL: it stays queued)
   */
  outboxWorker: OutboxWorker | null;
  oauthProviders: ProvidersService;
  oauth: OAuthService;
  mfa: MfaService;
  /** OpenID Connect provider: the client registry, and the provider (library) signing with `keys` */
  oidcClients: OidcClientsService;
  oidcProvider: OidcProviderHost;
  oidcGrants: OidcGrantsService;
  /** `gatehouse users import` */
  userImport: UserImportService;
  limiter: RateLimiter;
  /** the Prometheus registry of this instance (GET /metrics) */
  metrics: Metrics;
  /** the key of the HTML forms' CSRF tokens (SPEC §8), derived from SECRETS_KEY */
  csrfKey: Buffer;
  /** what an operator should hear about at start (the HTTP app logs them) */
  warnings: string[];
  close(): Promise<void>;
}

/** the audit chain's HMAC key (SPEC §8), derived from SECRETS_KEY */
export function auditChainKey(masterKey: Buffer): Buffer {
  return deriveKey(masterKey, 'audit-chain');
}

const REDIS_START_TIMEOUT_MS = 5000;

/** the password hasher's settings, from the config */
export function hasherOptions(config: Config): HasherOptions {
  return {
    memoryKib: config.argon2MemoryKib,
    timeCost: config.argon2TimeCost,
    parallelism: config.argon2Parallelism,
    concurrency: config.hashConcurrency,
    queueMax: config.hashQueueMax,
  };
}

export async function createServices(config: Config, edges: ServiceEdges = {}): Promise<Services> {
  const clock = edges.clock ?? systemClock;
  const database =
    edges.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, prepare: config.databasePrepare }));
  const store =
    edges.store ?? (config.redisUrl ? new RedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, clock }) : new MemoryStore(clock));
  let hasher: PasswordHasher | null = null;
  let policy: PasswordPolicy | null = null;
  const warnings: string[] = [];
  try {
    if (config.redisUrl) {
      // refuse to start against an unreachable Redis rather than hang on the first command
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`Redis at REDIS_URL did not answer within ${REDIS_START_TIMEOUT_MS / 1000} s`)), REDIS_START_TIMEOUT_MS).unref()),
      ]);
    }
    // DATA_DIR holds the embedded database and/or the generated secrets key
    if (!config.databaseUrl || !config.secretsKey) {
      const warning = ensureDataDir(config.dataDir);
      if (warning) warnings.push(warning);
    }
    if (config.accessTokenTtl < 60) warnings.push(`ACCESS_TOKEN_TTL=${config.accessTokenTtl}: access tokens live under a minute; meant for tests of refresh logic, not production`);
    const { key: masterKey } = resolveSecretsKey(config.secretsKey, config.dataDir);
    const chainKey = auditChainKey(masterKey);
    await migrateToLatest(database.db, { sealAuditChain: (seq, hash) => legacySeal(chainKey, seq, hash) });
    const db = database.db;
    const bus = new InvalidationBus(store);
    await bus.start();

    if (edges.passwordPolicy) policy = edges.passwordPolicy;
    else policy = new PasswordPolicy(config.passwordMinScore);
    const metrics = new Metrics({ now: () => clock.now() });
    const limiter = new RateLimiter(store, (name) => metrics.rateLimited(name));
    const keys = new KeyService({
      db,
      repo: new SigningKeysRepository(),
      box: new SecretBox(masterKey, 'signing-keys'),
      alg: config.jwtAlg,
      issuer: config.publicUrl,
      audience: config.tokenAudience,
      accessTokenTtl: config.accessTokenTtl,
      clock,
      bus,
    });
    await keys.init();
    const audit = new AuditService(db, new AuditRepository(), clock, chainKey, (event) => metrics.recorded(event));
    const templates = new MailTemplates(config.mailTemplatesDir);
    const outbox = new OutboxRepository();
    const mail = new MailService({ db, repo: outbox, templates, clock, settings: config });
    if (config.production && !config.smtpUrl) warnings.push('SMTP_URL is not set: mail (verification, password reset, notices) stays queued in the outbox until it is');
    const outboxWorker =
      config.smtpUrl || mail.devOutbox
        ? new OutboxWorker({
            db,
            repo: outbox,
            templates,
            transport: config.smtpUrl ? smtpTransport(config.smtpUrl) : null,
            clock,
            settings: config,
            listen: (onWake) => listen(database, 'gatehouse_outbox', onWake),
          })
        : null;
    const roles = new RolesService({ db, roles: new RolesRepository(), audit, bus, clock, defaultRole: config.defaultRole });
    // every sign-up would fail on a role nobody asked for: refuse to start instead, naming the setting
    if ((await roles.unknownRoles([config.defaultRole])).length > 0) {
      throw new Error(`DEFAULT_ROLE=${config.defaultRole} names no role. Use an existing role (seeded: buyer, seller, admin), or create it through the admin API first and then set DEFAULT_ROLE.`);
    }
    const sessions = new SessionsService({
      db,
      repo: new SessionsRepository(),
      audit,
      bus,
      box: new SecretBox(masterKey, 'refresh-tokens'),
      clock,
      refreshTokenTtl: config.refreshTokenTtl,
      sessionMaxAge: config.sessionMaxAge,
      reuseGraceSeconds: config.refreshReuseGrace,
      geoip: config.geoipDb ? openGeoIp(config.geoipDb) : noGeoIp,
      mail,
    });
    if (edges.hasher) hasher = edges.hasher;
    else {
      hasher = new PasswordHasher(hasherOptions(config));
      // the hash every unknown login is checked against, made now: made on first use, a failure
      // there (a full queue) would answer those logins differently from real ones until a restart
      await hasher.init();
    }
    const users = new UsersService({ db, repo: new UsersRepository(), roles, sessions, audit, bus, hasher, policy, clock, settings: config, mail });
    const email = new EmailService({
      db,
      codes: new EmailCodesRepository(),
      codeHasher: new CodeHasher(deriveKey(masterKey, 'email-codes')),
      users,
      sessions,
      audit,
      mail,
      hasher,
      policy,
      limiter,
      clock,
      settings: config,
      // the sign-in rules' re-authentication (its lockout), from the service constructed next
      reauthenticate: (...args) => auth.reauthenticateUser(...args),
    });
    // sign-in asks the MFA feature (a layer above it) which second factors a user has
    const secondFactors = { methodsFor: (userId: string) => mfa.methodsFor(userId) };
    const auth: AuthService = new AuthService({ db, settings: config, users, sessions, roles, keys, audit, hasher, policy, limiter, store, clock, email, mail, secondFactors });
    const publicHost = new URL(config.publicUrl).hostname;
    const issuer = config.mfaIssuer ?? publicHost;
    const mfa: MfaService = new MfaService({
      db,
      repo: new MfaRepository(),
      users,
      auth,
      audit,
      limiter,
      clock,
      box: new SecretBox(masterKey, 'totp-secrets'),
      codeHasher: new RecoveryCodeHasher(deriveKey(masterKey, 'recovery-codes')),
      rp: new RelyingParty({ rpId: publicHost, origin: config.publicOrigin, name: issuer }),
      challenges: new WebAuthnChallenges(store, clock),
      mail,
      sessions,
      settings: { rateLimitCodeId: config.rateLimitCodeId, rateLimitLoginIp: config.rateLimitLoginIp, issuer },
    });
    const products = new ProductsService({ db, repo: new ProductsRepository(), audit, clock });
    const oauthProviders = new ProvidersService({
      db,
      repo: new ProvidersRepository(),
      box: new SecretBox(masterKey, 'oauth-client-secrets'),
      bus,
      clock,
      envProviders: config.oauthProviders,
      production: config.production,
    });
    const oauth = new OAuthService({
      db,
      settings: config,
      repo: new IdentitiesRepository(),
      providers: oauthProviders,
      users,
      auth,
      audit,
      box: new SecretBox(masterKey, 'oauth-flow'),
      clock,
    });
    // OpenID Connect provider ("Sign in with Gatehouse"): the client registry
    const oidcClients = new OidcClientsService({
      db,
      repo: new OidcClientsRepository(),
      box: new SecretBox(masterKey, 'oidc-client-secrets'),
      audit,
      clock,
      permissionCatalogue: () => roles.catalogue(),
      production: config.production,
    });
    const oidcPayloads = new OidcPayloadsRepository();
    const oidcGrants = new OidcGrantsService({ db, payloads: oidcPayloads, clients: oidcClients, audit, clock });
    sessions.alsoOnRevokeAll((tx, userId, reason) => oidcGrants.revokeTokensInTx(tx, userId, reason));
    const oidcProvider = new OidcProviderHost({
      db,
      payloads: oidcPayloads,
      clients: oidcClients,
      keys,
      users,
      clock,
      cookieKey: deriveKey(masterKey, 'oidc-cookies'),
      pageSession: {
        cookie: PAGE_COOKIE,
        userOf: async (token) => (await auth.authenticate(token))?.userId ?? null,
        end: async (token, ctx) => {
          const principal = await auth.authenticate(token);
          if (principal) await sessions.revoke({ ...ctx, actorId: principal.userId }, principal.userId, principal.sessionId, 'logout');
        },
      },
      onTokenIssued: (grantType) => metrics.oidcTokenIssued(grantType),
      settings: config,
    });
    const hashing = hasher;
    metrics.watch({
      liveSessions: () => sessions.countLive(),
      outbox: () => mail.depth(),
      pool: () => database.poolStats?.() ?? { total: 1, idle: 1, waiting: 0 },
      hashQueue: () => hashing.load.waiting,
    });
    const userImport = new UserImportService({ db, repo: new UserImportRepository(), roles, audit, clock, defaultRole: config.defaultRole });
    const ownHasher = edges.hasher ? null : hasher;
    const ownPolicy = edges.passwordPolicy ? null : policy;

    return {
      config, clock, database, store, bus, hasher, keys, audit, roles, users, sessions, auth, products, mail, email, outboxWorker, oauthProviders, oauth, mfa, oidcClients, oidcProvider, oidcGrants, userImport, limiter, metrics, warnings,
      csrfKey: deriveKey(masterKey, 'csrf-forms'),
      async close() {
        // the message being sent is finished first (SPEC §10)
        await outboxWorker?.stop();
        keys.close();
        await ownHasher?.close();
        await ownPolicy?.close();
        await store.close();
        await database.close();
      },
    };
  } catch (error) {
    if (!edges.hasher) await hasher?.close().catch(() => {});
    if (!edges.passwordPolicy) await policy?.close().catch(() => {});
    await store.close().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
}
