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
import { SecondFactorsRemoval } from './mfa/factors-removal.js';
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
import { PermissionsRepository } from './roles/permissions-repository.js';
import { RolesRepository } from './roles/roles-repository.js';
import { RolesService } from './roles/roles-service.js';
import { RateLimiter } from './security/rate-limiter.js';
import { deriveKey, resolveSecretsKey, SecretBox } from './security/secret-box.js';
import { legacySeal, type ChainKeys } from './audit/audit-chain.js';
import { ensureDataDir } from './db/data-dir.js';
import { listen } from './db/notifications.js';
import { CodeHasher } from './email-ownership/email-codes.js';
import { EmailCodesRepository } from './email-ownership/email-codes-repository.js';
import { EmailService } from './email-ownership/email-service.js';
import { EmailLoginService } from './email-login/email-login-service.js';
import { MailService } from './mail/mail-service.js';
import { Metrics } from './metrics/metrics.js';
import { MailTemplates } from './mail/mail-templates.js';
import { smtpTransport } from './mail/mail-transport.js';
import { MailDeliverer } from './mail/mail-deliverer.js';
import { OutboxQueue } from './outbox/outbox-queue.js';
import { OutboxWorker } from './outbox/outbox-worker.js';
import { WebhookDeliverer } from './webhooks/webhook-deliverer.js';
import { WebhookSubscriptions } from './webhooks/webhook-subscriptions.js';
import { WebhooksRepository } from './webhooks/webhooks-repository.js';
import { WebhooksService } from './webhooks/webhooks-service.js';
import { noGeoIp, openGeoIp } from './sessions/geoip.js';
import { IdentitiesRepository } from './social/identities-repository.js';
import { LinkedIdentitiesRemoval } from './social/identities-removal.js';
import { OAuthService } from './social/social-service.js';
import { ProviderClient } from './social/provider-client.js';
import { ProvidersRepository } from './social/providers-repository.js';
import { ProvidersService } from './social/providers-service.js';
import { SessionsRepository } from './sessions/sessions-repository.js';
import { SessionsService } from './sessions/sessions-service.js';
import { SignInService } from './sign-in/sign-in-service.js';
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
  /** one way to finish a sign-in: account rules, lockout, re-authentication, the second step */
  signIn: SignInService;
  auth: AuthService;
  products: ProductsService;
  mail: MailService;
  email: EmailService;
  /**
   * delivers the outbox once started (`serve` unless MAIL_WORKER=off, `gatehouse worker`); null
   * when mail cannot be delivered (NODE_ENV=production without SMTP_URL: it stays queued)
   */
  outboxWorker: OutboxWorker | null;
  /** delivers webhook deliveries once started (`serve`, `gatehouse worker`) */
  webhookWorker: OutboxWorker;
  webhooks: WebhooksService;
  oauthProviders: ProvidersService;
  oauth: OAuthService;
  mfa: MfaService;
  /** sign-in by emailed code or link (EMAIL_LOGIN) */
  emailLogin: EmailLoginService;
  /** OpenID Connect provider: the client registry, and the provider (library) signing with `keys` */
  oidcClients: OidcClientsService;
  oidcProvider: OidcProviderHost;
  oidcGrants: OidcGrantsService;
  /** `gatehouse users import` */
  userImport: UserImportService;
  limiter: RateLimiter;
  /** the Prometheus registry of this instance (GET /metrics) */
  metrics: Metrics;
  /** the key of the HTML forms' CSRF tokens (docs/security.md), derived from SECRETS_KEY */
  csrfKey: Buffer;
  /** applies the migrations not applied yet (`gatehouse migrate`); the names applied */
  migrate(): Promise<string[]>;
  /** what an operator should hear about at start (the HTTP app logs them) */
  warnings: string[];
  close(): Promise<void>;
}

/** the audit chain's HMAC key (docs/security.md), derived from SECRETS_KEY */
export function auditChainKey(masterKey: Buffer): Buffer {
  return deriveKey(masterKey, 'audit-chain');
}

/** the audit chain's keys: from SECRETS_KEY, from SECRETS_KEY_PREVIOUS while it is set, and the box that keeps ended eras' keys */
export function auditChainKeys(masterKey: Buffer, previousMasterKey: Buffer | null): ChainKeys {
  return {
    current: auditChainKey(masterKey),
    previous: previousMasterKey ? auditChainKey(previousMasterKey) : null,
    archive: new SecretBox(masterKey, 'audit-chain-eras', previousMasterKey),
  };
}

/** SECRETS_KEY_PREVIOUS as a key, or null */
export function previousSecretsKey(config: Pick<Config, 'secretsKeyPrevious'>): Buffer | null {
  return config.secretsKeyPrevious ? Buffer.from(config.secretsKeyPrevious, 'base64') : null;
}

/** applies the migrations not applied yet (at every start, and `gatehouse migrate`); the names applied */
export function migrateDatabase(db: DatabaseHandle['db'], masterKey: Buffer): Promise<string[]> {
  const chainKey = auditChainKey(masterKey);
  return migrateToLatest(db, { sealAuditChain: (seq, hash) => legacySeal(chainKey, seq, hash) });
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

/**
 * What a start has begun and must end — threads, timers, subscriptions, connections — stopped in
 * the reverse order of their start: by close(), and when the start fails half-way (a start that
 * throws leaves nothing running behind it).
 */
class Started {
  readonly #stops: (() => unknown)[] = [];

  /** `stop` ends something that has just begun */
  add(stop: () => unknown): void {
    this.#stops.push(stop);
  }

  /** stops everything, each even when an earlier one failed; the first failure is thrown at the end */
  async stopAll(): Promise<void> {
    let first: unknown = null;
    for (const stop of this.#stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        first ??= error;
      }
    }
    if (first) throw first;
  }
}

export async function createServices(config: Config, edges: ServiceEdges = {}): Promise<Services> {
  const clock = edges.clock ?? systemClock;
  const started = new Started();
  const database =
    edges.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, prepare: config.databasePrepare }));
  started.add(() => database.close());
  const warnings: string[] = [];
  try {
    const store =
      edges.store ?? (config.redisUrl ? new RedisStore({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, clock }) : new MemoryStore(clock));
    started.add(() => store.close());
    if (config.redisUrl) {
      // refuse to start against an unreachable Redis rather than hang on the first command
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`Redis at REDIS_URL did not answer within ${REDIS_START_TIMEOUT_MS / 1000} s`)), REDIS_START_TIMEOUT_MS))),
      ]).finally(() => clearTimeout(timer));
    }
    // DATA_DIR holds the embedded database and/or the generated secrets key
    if (!config.databaseUrl || !config.secretsKey) {
      const warning = ensureDataDir(config.dataDir);
      if (warning) warnings.push(warning);
    }
    if (config.accessTokenTtl < 60) warnings.push(`ACCESS_TOKEN_TTL=${config.accessTokenTtl}: access tokens live under a minute; meant for tests of refresh logic, not production`);
    const { key: masterKey } = resolveSecretsKey(config.secretsKey, config.dataDir);
    const previousKey = previousSecretsKey(config);
    await migrateDatabase(database.db, masterKey);
    const db = database.db;
    const bus = new InvalidationBus(store);
    await bus.start();

    let policy: PasswordPolicy;
    if (edges.passwordPolicy) policy = edges.passwordPolicy;
    else {
      const own = (policy = new PasswordPolicy(config.passwordMinScore));
      started.add(() => own.close());
    }
    const metrics = new Metrics({ now: () => clock.now() });
    const limiter = new RateLimiter(store, (name) => metrics.rateLimited(name));
    const outbox = new OutboxQueue();
    const webhooksRepo = new WebhooksRepository();
    // every audit event queues its webhook deliveries in its own statement
    const subscriptions = new WebhookSubscriptions(db, webhooksRepo, outbox, bus, clock);
    await subscriptions.reload();
    const audit = new AuditService(db, new AuditRepository(), clock, auditChainKeys(masterKey, previousKey), (event) => metrics.recorded(event), subscriptions);
    const products = config.products === 'on';
    const roles: RolesService = new RolesService({ db, roles: new RolesRepository(), permissions: new PermissionsRepository(), audit, bus, clock, defaultRole: config.defaultRole, products });
    await roles.seedModuleRoles();
    const keys = new KeyService({
      db,
      repo: new SigningKeysRepository(),
      box: new SecretBox(masterKey, 'signing-keys', previousKey),
      audit,
      alg: config.jwtAlg,
      issuer: config.publicUrl,
      audience: config.tokenAudience,
      accessTokenTtl: config.accessTokenTtl,
      clock,
      bus,
      // the access token's `permissions` claim
      permissionsFor: (names) => roles.permissionsFor(names),
    });
    await keys.init();
    started.add(() => keys.close());
    // every sign-up would fail on a role nobody asked for: refuse to start instead, naming the setting
    if ((await roles.unknownRoles([config.defaultRole])).length > 0) {
      const seeded = products ? 'admin, user, seller, buyer' : 'admin, user; seller and buyer with PRODUCTS=on';
      throw new Error(`DEFAULT_ROLE=${config.defaultRole} names no role. Use an existing role (seeded: ${seeded}), or create it through the admin API first and then set DEFAULT_ROLE.`);
    }
    const templates = new MailTemplates(config.mailTemplatesDir);
    const mail = new MailService({ db, repo: outbox, templates, clock, settings: config });
    if (config.production && !config.smtpUrl) warnings.push('SMTP_URL is not set: mail (verification, password reset, notices) stays queued in the outbox until it is');
    if (mail.devOutbox) warnings.push('SMTP_URL is not set: the development outbox is on, mail is not sent but shown at /dev/mail to loopback clients (set SMTP_URL, or NODE_ENV=production, outside development)');
    const outboxWorker =
      config.smtpUrl || mail.devOutbox
        ? new OutboxWorker({
            db,
            repo: outbox,
            deliverer: new MailDeliverer(templates, config.smtpUrl ? smtpTransport(config.smtpUrl) : null, config),
            clock,
            listen: (onWake) => listen(database, 'gatehouse_outbox', onWake),
          })
        : null;
    const webhooks = new WebhooksService({
      db,
      repo: webhooksRepo,
      outbox,
      subscriptions,
      audit,
      box: new SecretBox(masterKey, 'webhook-secrets', previousKey),
      clock,
      urlPolicy: { production: config.production, allowPrivate: config.webhookAllowPrivate },
    });
    const webhookWorker = new OutboxWorker({
      db,
      repo: outbox,
      deliverer: new WebhookDeliverer(
        webhooks,
        clock,
        {
          timeoutSeconds: config.webhookTimeoutSeconds,
          retryMaxSeconds: config.webhookRetryMaxSeconds,
          maxAttempts: config.webhookMaxAttempts,
          urlPolicy: { production: config.production, allowPrivate: config.webhookAllowPrivate },
        },
        (seconds) => metrics.webhookDelivered(seconds),
      ),
      clock,
      listen: (onWake) => listen(database, 'gatehouse_outbox', onWake),
      onOutcome: (_m, outcome) => metrics.webhookAttempt(outcome.kind === 'sent' ? 'delivered' : outcome.kind === 'retry' ? 'failed' : outcome.kind === 'dead' ? 'dead' : 'held'),
    });
    const sessions = new SessionsService({
      db,
      repo: new SessionsRepository(),
      audit,
      bus,
      box: new SecretBox(masterKey, 'refresh-tokens', previousKey),
      clock,
      refreshTokenTtl: config.refreshTokenTtl,
      sessionMaxAge: config.sessionMaxAge,
      reuseGraceSeconds: config.refreshReuseGrace,
      geoip: config.geoipDb ? openGeoIp(config.geoipDb) : noGeoIp,
      mail,
    });
    let hasher: PasswordHasher;
    if (edges.hasher) hasher = edges.hasher;
    else {
      const own = (hasher = new PasswordHasher(hasherOptions(config)));
      started.add(() => own.close());
      // the hash every unknown login is checked against, made now: made on first use, a failure
      // there (a full queue) would answer those logins differently from real ones until a restart
      await hasher.init();
    }
    const emailCodes = new EmailCodesRepository();
    const users = new UsersService({
      db, repo: new UsersRepository(), roles, sessions, audit, bus, hasher, policy, clock, settings: config, mail,
      pendingCodes: { voidAllInTx: (tx, userId) => emailCodes.deleteAllFor(tx, userId) },
    });
    // one way to finish a sign-in, below every sign-in method (password, second step, passkey,
    // social) and every feature that re-authenticates (email change, MFA changes, admin actions)
    const signIn = new SignInService({
      db,
      settings: config,
      users,
      roles,
      sessions,
      keys,
      audit,
      hasher,
      limiter,
      store,
      clock,
      mail,
      onEvent: (event) => metrics.signIn(event),
    });
    const email = new EmailService({
      db,
      codes: emailCodes,
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
      signIn,
      otherWaysIn: [new LinkedIdentitiesRemoval(new IdentitiesRepository(), audit), new SecondFactorsRemoval(new MfaRepository(), users, audit)],
    });
    const publicHost = new URL(config.publicUrl).hostname;
    const issuer = config.mfaIssuer ?? publicHost;
    const mfa = new MfaService({
      db,
      repo: new MfaRepository(),
      users,
      signIn,
      audit,
      limiter,
      clock,
      box: new SecretBox(masterKey, 'totp-secrets', previousKey),
      codeHasher: new RecoveryCodeHasher(deriveKey(masterKey, 'recovery-codes')),
      rp: new RelyingParty({ rpId: publicHost, origin: config.publicOrigin, name: issuer }),
      challenges: new WebAuthnChallenges(store, clock),
      mail,
      sessions,
      settings: { rateLimitCodeId: config.rateLimitCodeId, rateLimitLoginIp: config.rateLimitLoginIp, issuer },
    });
    const auth = new AuthService({ db, settings: config, signIn, audit, users, sessions, roles, keys, hasher, policy, limiter, mfa, email, mail });
    const productsService = new ProductsService({ db, repo: new ProductsRepository(), audit, clock });
    // a deployment that ran the shop and upgraded without setting PRODUCTS: nothing is deleted, but
    // its products are no longer served, so say why at start
    if (!products && (await productsService.anyStored())) {
      warnings.push('PRODUCTS is off but the database holds products: /api/v1/products and /products answer 404 and the products:* permissions are inert; set PRODUCTS=on to serve them again');
    }
    const providerClient = new ProviderClient({ production: config.production, clock });
    const emailLogin = new EmailLoginService({ settings: config, users, email, signIn, mfa, limiter });
    const oauthProviders = new ProvidersService({
      db,
      repo: new ProvidersRepository(),
      box: new SecretBox(masterKey, 'oauth-client-secrets', previousKey),
      bus,
      clock,
      envProviders: config.oauthProviders,
      production: config.production,
      audit,
      client: providerClient,
    });
    const oauth = new OAuthService({
      db,
      settings: config,
      repo: new IdentitiesRepository(),
      providers: oauthProviders,
      users,
      signIn,
      mfa,
      audit,
      roles,
      sessions,
      mail,
      client: providerClient,
      box: new SecretBox(masterKey, 'oauth-flow', previousKey),
      clock,
    });
    // OpenID Connect provider ("Sign in with Gatehouse"): the client registry
    const oidcClients = new OidcClientsService({
      db,
      repo: new OidcClientsRepository(),
      box: new SecretBox(masterKey, 'oidc-client-secrets', previousKey),
      audit,
      clock,
      bus,
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
        signInOf: async (token) => {
          const principal = await auth.authenticate(token);
          const session = principal ? await sessions.find(principal.sessionId) : null;
          if (!principal || !session) return null;
          return { userId: principal.userId, signedInAt: Math.floor(session.createdAt.getTime() / 1000), ...(principal.token.amr ? { amr: principal.token.amr } : {}) };
        },
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
      webhookQueue: () => webhooks.depth(),
    });
    const userImport = new UserImportService({ db, repo: new UserImportRepository(), roles, users, oauth, audit, clock, defaultRole: config.defaultRole });
    // the message being sent is finished first (docs/operations.md): the worker is the last thing started
    if (outboxWorker) started.add(() => outboxWorker.stop());
    started.add(() => webhookWorker.stop());

    return {
      config, clock, database, store, bus, hasher, keys, audit, roles, users, sessions, signIn, auth, products: productsService, mail, email, outboxWorker, webhookWorker, webhooks, oauthProviders, oauth, mfa, emailLogin, oidcClients, oidcProvider, oidcGrants, userImport, limiter, metrics, warnings,
      csrfKey: deriveKey(masterKey, 'csrf-forms'),
      migrate: () => migrateDatabase(db, masterKey),
      close: () => started.stopAll(),
    };
  } catch (error) {
    await started.stopAll().catch(() => {});
    throw error;
  }
}
