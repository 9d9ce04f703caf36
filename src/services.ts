/**
 * createServices(config, edges?): the composition root of one Gatehouse instance, without HTTP. The
 * HTTP app (app.ts) and the CLI commands both start from here, so a rule lives in one service and
 * every entry point uses it.
 *
 * It reads as a list: each feature's wiring function (src/<feature>/<feature>-wiring.ts) is called
 * in layer order (eslint.config.js LAYERS: lowest first) and handed what it needs, by name. A
 * wiring makes its feature's repositories and services, gives each the settings it reads, and adds
 * what it starts (threads, timers, connections) to `started`, which stops them in reverse order at
 * close() and when a later step of the start fails. Where a feature needs one above it, the port is
 * explicit here, never a lookup: a parameter of the lower feature's wiring made by the higher
 * feature's (`pendingEmailCodes`, `…WayIn`, the webhooks' fan-out), or a hook the lower feature
 * offers and the higher one's wiring registers with (sessions' `alsoOnRevokeAll`, by the OIDC wiring).
 */
import { legacySeal, type ChainKeys } from './audit/audit-chain.js';
import type { AuditService } from './audit/audit-service.js';
import { wireAudit } from './audit/audit-wiring.js';
import type { AuthService } from './auth/auth-service.js';
import { wireAuth } from './auth/auth-wiring.js';
import type { EphemeralStore } from './cache/ephemeral-store.js';
import { InvalidationBus } from './cache/invalidation-bus.js';
import { wireStore } from './cache/store-wiring.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config/load-config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import type { EmailLoginService } from './email-login/email-login-service.js';
import { wireEmailLogin } from './email-login/email-login-wiring.js';
import { pendingEmailCodes, wireEmailOwnership } from './email-ownership/email-ownership-wiring.js';
import type { EmailService } from './email-ownership/email-service.js';
import type { PasswordResetService } from './email-ownership/password-reset-service.js';
import type { KeyService } from './keys/key-service.js';
import { wireKeys } from './keys/keys-wiring.js';
import { Started } from './lifecycle.js';
import type { MailService } from './mail/mail-service.js';
import { wireMail } from './mail/mail-wiring.js';
import { Metrics } from './metrics/metrics.js';
import type { MfaService } from './mfa/mfa-service.js';
import { secondFactorsWayIn, wireMfa } from './mfa/mfa-wiring.js';
import type { OidcClientsService } from './oidc/oidc-clients-service.js';
import type { OidcGrantsService } from './oidc/oidc-grants-service.js';
import type { OidcProviderHost } from './oidc/oidc-provider.js';
import { wireOidc } from './oidc/oidc-wiring.js';
import { OutboxQueue } from './outbox/outbox-queue.js';
import type { OutboxWorker } from './outbox/outbox-worker.js';
import { PAGE_COOKIE } from './pages/page-session.js';
import { oidcPages } from './pages/oidc-library-pages.js';
import type { PasswordHasher } from './passwords/password-hasher.js';
import type { PasswordPolicy } from './passwords/password-policy.js';
import { wirePasswords } from './passwords/passwords-wiring.js';
import type { ProductsService } from './products/products-service.js';
import { wireProducts } from './products/products-wiring.js';
import type { RolesService } from './roles/roles-service.js';
import { requireDefaultRole, wireRoles } from './roles/roles-wiring.js';
import { RateLimiter } from './security/rate-limiter.js';
import { deriveKey, SecretBox } from './security/secret-box.js';
import { wireSecrets } from './security/secrets-wiring.js';
import type { SessionsService } from './sessions/sessions-service.js';
import { wireSessions } from './sessions/sessions-wiring.js';
import type { SignInService } from './sign-in/sign-in-service.js';
import { wireSignIn } from './sign-in/sign-in-wiring.js';
import type { OAuthService } from './social/social-service.js';
import type { ProvidersService } from './social/providers-service.js';
import { linkedIdentitiesWayIn, wireSocial } from './social/social-wiring.js';
import type { UserImportService } from './user-import/user-import-service.js';
import { wireUserImport } from './user-import/user-import-wiring.js';
import type { UsersService } from './users/users-service.js';
import { wireUsers } from './users/users-wiring.js';
import type { WebhooksService } from './webhooks/webhooks-service.js';
import { wireWebhookFanOut, wireWebhooks } from './webhooks/webhooks-wiring.js';

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
  /** verification and email change */
  email: EmailService;
  /** the password reset, by emailed code (the API) or link (the pages) */
  passwordReset: PasswordResetService;
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

/** applies the migrations not applied yet (at every start, and `gatehouse migrate`); the names applied */
export function migrateDatabase(db: DatabaseHandle['db'], masterKey: Buffer): Promise<string[]> {
  const chainKey = auditChainKey(masterKey);
  return migrateToLatest(db, { sealAuditChain: (seq, hash) => legacySeal(chainKey, seq, hash) });
}

export async function createServices(config: Config, edges: ServiceEdges = {}): Promise<Services> {
  const clock = edges.clock ?? systemClock;
  const started = new Started();
  const warnings: string[] = [];
  const warn = (message: string) => void warnings.push(message);
  const database =
    edges.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.databasePoolMax, prepare: config.databasePrepare }));
  started.add(() => database.close());
  try {
    // the foundation: the ephemeral store, SECRETS_KEY, the schema, the invalidation bus
    const store = await wireStore({ config, clock, store: edges.store, started });
    const secrets = wireSecrets({ config, warn });
    await migrateDatabase(database.db, secrets.masterKey);
    const db = database.db;
    const bus = new InvalidationBus(store);
    await bus.start();
    const metrics = new Metrics({ now: () => clock.now() });
    const limiter = new RateLimiter(store, (name) => metrics.rateLimited(name));
    const outbox = new OutboxQueue();

    const { policy, hasher } = await wirePasswords({ config, policy: edges.passwordPolicy, hasher: edges.hasher, started });
    // audit ← webhooks: every audit event queues its webhook deliveries in its own statement
    const subscriptions = await wireWebhookFanOut({ db, bus, clock });
    const audit = wireAudit({ db, clock, keys: auditChainKeys(secrets.masterKey, secrets.previousKey), onCommitted: (event) => metrics.recorded(event), fanOut: subscriptions });
    const roles = await wireRoles({ db, audit, bus, clock, config });
    // keys ← roles: the access token's `permissions` claim
    const keys = await wireKeys({ db, audit, bus, clock, secrets, config, permissionsFor: (names) => roles.permissionsFor(names), started, warn });
    await requireDefaultRole(roles, config);
    const { mail, outboxWorker } = wireMail({ database, outbox, clock, config, warn });
    const { webhooks, webhookWorker } = wireWebhooks({
      database, outbox, subscriptions, audit, clock, secrets, config,
      onAttempt: (outcome) => metrics.webhookAttempt(outcome),
      onDelivered: (seconds) => metrics.webhookDelivered(seconds),
    });
    const sessions = wireSessions({ db, audit, bus, clock, secrets, mail, config });
    // users ← email-ownership: disabling an account voids the codes emailed to it
    const users = wireUsers({ db, roles, sessions, audit, bus, hasher, policy, clock, mail, config, pendingCodes: pendingEmailCodes() });
    const signIn = wireSignIn({ db, config, users, roles, sessions, keys, audit, hasher, limiter, store, clock, mail, onEvent: (event) => metrics.signIn(event) });
    // email-ownership ← social, mfa: the reset of an unverified account removes the ways in they own
    const otherWaysIn = [linkedIdentitiesWayIn({ audit }), secondFactorsWayIn({ users, audit })];
    const { email, passwordReset } = wireEmailOwnership({ db, users, sessions, audit, mail, hasher, policy, limiter, clock, secrets, config, signIn, otherWaysIn });
    const mfa = wireMfa({ db, users, signIn, audit, limiter, store, clock, secrets, mail, sessions, config });
    const auth = wireAuth({ db, config, signIn, audit, users, sessions, roles, keys, hasher, policy, limiter, mfa, email, mail });
    const products = await wireProducts({ db, audit, clock, config, warn });
    const { oauthProviders, oauth } = wireSocial({ db, users, signIn, mfa, audit, roles, sessions, mail, bus, clock, secrets, config });
    const emailLogin = wireEmailLogin({ config, users, email, signIn, mfa, limiter });
    const userImport = wireUserImport({ db, roles, users, oauth, audit, clock, config });
    // sessions ← oidc: the OIDC wiring registers its tokens' revocation with sessions.alsoOnRevokeAll
    const { oidcClients, oidcGrants, oidcProvider } = wireOidc({
      db, keys, users, roles, auth, sessions, audit, clock, bus, secrets, config,
      pageCookie: PAGE_COOKIE,
      onTokenIssued: (grantType) => metrics.oidcTokenIssued(grantType),
      pages: oidcPages({ name: config.brandName, defaultLocale: config.defaultLocale, color: config.brandColor, logoFile: config.brandLogoFile }),
    });

    metrics.watch({
      liveSessions: () => sessions.countLive(),
      outbox: () => mail.depth(),
      pool: () => database.poolStats?.() ?? { total: 1, idle: 1, waiting: 0 },
      hashQueue: () => hasher.load.waiting,
      webhookQueue: () => webhooks.depth(),
    });
    // the message being sent is finished first (docs/operations.md): the workers are the last
    // things started (by serve or `gatehouse worker`), the first stopped
    if (outboxWorker) started.add(() => outboxWorker.stop());
    started.add(() => webhookWorker.stop());

    return {
      config, clock, database, store, bus, hasher, keys, audit, roles, users, sessions, signIn, auth, products, mail, email, passwordReset, outboxWorker, webhookWorker, webhooks, oauthProviders, oauth, mfa, emailLogin, oidcClients, oidcProvider, oidcGrants, userImport, limiter, metrics, warnings,
      csrfKey: secrets.key('csrf-forms'),
      migrate: () => migrateDatabase(db, secrets.masterKey),
      close: () => started.stopAll(),
    };
  } catch (error) {
    await started.stopAll().catch(() => {});
    throw error;
  }
}
