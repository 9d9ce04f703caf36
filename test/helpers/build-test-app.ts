/**
 * A Gatehouse app for one test file: fresh database (PGlite copy or a new PostgreSQL database),
 * its own ephemeral state (memory, or Redis under a unique key prefix when TEST_REDIS_URL is set),
 * a config built from a test environment plus overrides, and quiet logs.
 *
 * Tests may lower the argon2 cost (production defaults never are) and turn rate limits off
 * unless the test is about them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/app.js';
import { after } from 'node:test';
import { PasswordPolicy } from '../../src/passwords/password-policy.js';
import { hasherOptions } from '../../src/passwords/passwords-wiring.js';
import { createServices, type Services } from '../../src/services.js';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import type { EphemeralStore } from '../../src/cache/ephemeral-store.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { deleteKeysWithPrefix, RedisStore } from '../../src/cache/redis-store.js';
import { loadConfig, type Config } from '../../src/config/load-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import type { Clock } from '../../src/clock.js';

export const redisUrl = process.env.TEST_REDIS_URL ?? null;

export const baseTestEnv: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  PUBLIC_URL: 'http://localhost:8000',
  ARGON2_MEMORY_KIB: '1024',
  ARGON2_TIME_COST: '1',
  COOKIE_SECURE: 'false',
  RATE_LIMIT_LOGIN_IP: 'off',
  RATE_LIMIT_LOGIN_ID: 'off',
  RATE_LIMIT_REGISTER_IP: 'off',
  RATE_LIMIT_REFRESH_IP: 'off',
  RATE_LIMIT_API_IP: 'off',
};

/**
 * One password policy per minimum score for the whole test process: each has a strength-checking
 * thread that loads zxcvbn's dictionaries, which every test file would otherwise pay again.
 */
const policies = new Map<number, PasswordPolicy>();
function sharedPolicy(minScore: number): PasswordPolicy {
  let policy = policies.get(minScore);
  if (!policy) policies.set(minScore, (policy = new PasswordPolicy(minScore)));
  return policy;
}

/** the same for password hashers, one per set of settings (hashing threads and the dummy hash) */
const hashers = new Map<string, Promise<PasswordHasher>>();
function sharedHasher(config: Config): Promise<PasswordHasher> {
  const options = hasherOptions(config);
  const key = JSON.stringify(options);
  let hasher = hashers.get(key);
  if (!hasher) {
    const created = new PasswordHasher(options);
    hashers.set(key, (hasher = created.init().then(() => created)));
  }
  return hasher;
}

// their threads keep the process alive: closed when this process's tests are done
after(async () => {
  for (const policy of policies.values()) await policy.close();
  for (const hasher of hashers.values()) await (await hasher).close();
  policies.clear();
  hashers.clear();
});

/** the services behind an app built by buildTestContext (the app itself exposes none) */
const servicesByApp = new WeakMap<FastifyInstance, Services>();

export function servicesOf(app: FastifyInstance): Services {
  const services = servicesByApp.get(app);
  if (!services) throw new Error('not an app of buildTestContext');
  return services;
}

export interface TestContext {
  /** the first app instance */
  app: FastifyInstance;
  /** the services of the first app instance */
  services: Services;
  config: Config;
  db: TestDatabase;
  /** the SECRETS_KEY (base64) the apps run with, so a CLI child process can open the same keys */
  secretsKey: string;
  /** the DATA_DIR the apps run with */
  dataDir: string;
  /** the REDIS_KEY_PREFIX the apps run with (a CLI child process on the same Redis uses it too) */
  redisKeyPrefix: string;
  /** another instance on the same database and Redis prefix (PostgreSQL + Redis only) */
  startInstance(overrides?: Record<string, string>): Promise<FastifyInstance>;
  close(): Promise<void>;
}

export interface TestOptions {
  env?: Record<string, string>;
  clock?: Clock;
  /** wraps the ephemeral store the instances use (e.g. to count its commands) */
  wrapStore?: (store: EphemeralStore) => EphemeralStore;
  /** capture the instances' log (default: no logging) at this level */
  log?: { level: string; stream: { write(line: string): unknown } };
}

export async function buildTestContext(options: TestOptions = {}): Promise<TestContext> {
  const db = await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
  const prefix = `gatehouse-test:${randomUUID()}:`;
  const secretsKey = randomBytes(32).toString('base64');
  const apps: FastifyInstance[] = [];

  const makeConfig = (overrides: Record<string, string> = {}) =>
    loadConfig({
      ...baseTestEnv,
      DATA_DIR: dataDir,
      SECRETS_KEY: secretsKey,
      REDIS_KEY_PREFIX: prefix,
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
      ...(options.env ?? {}),
      ...overrides,
    });

  async function start(overrides: Record<string, string> = {}): Promise<FastifyInstance> {
    const config = makeConfig(overrides);
    const base: EphemeralStore = redisUrl
      ? new RedisStore({ url: redisUrl, keyPrefix: prefix, clock: options.clock ?? { now: () => Date.now() } })
      : (apps[0] ? servicesOf(apps[0]).store : new MemoryStore(options.clock));
    const store = options.wrapStore && !apps[0] ? options.wrapStore(base) : base;
    const services = await createServices(config, { database: await db.open(), store, passwordPolicy: sharedPolicy(config.passwordMinScore), hasher: await sharedHasher(config), ...(options.clock ? { clock: options.clock } : {}) });
    const app = await buildHttpApp(services, options.log ? { logTo: options.log.stream, logLevel: options.log.level } : { logTo: false });
    servicesByApp.set(app, services);
    apps.push(app);
    return app;
  }

  const app = await start();
  return {
    app,
    services: servicesOf(app),
    config: servicesOf(app).config,
    db,
    secretsKey,
    dataDir,
    redisKeyPrefix: prefix,
    async startInstance(overrides = {}) {
      if (!db.url || !redisUrl) throw new Error('a second instance needs TEST_DATABASE_URL and TEST_REDIS_URL');
      return start(overrides);
    },
    async close() {
      // instances after the first may share the memory store; close apps in reverse order
      for (const a of apps.reverse()) await a.close().catch(() => {});
      await db.drop();
      if (redisUrl) await deleteKeysWithPrefix(redisUrl, prefix);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
