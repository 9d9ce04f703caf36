/**
 * `npm run bench` — Gatehouse's performance targets (issue #15), all measured in one run, with
 * Gatehouse at the settings a user runs (NODE_ENV=production, LOG_LEVEL=info with its access log
 * going to a file) but for the rate limits, which would throttle the load:
 *
 *  (a) GET /api/v1/auth/me req/s against a bare Fastify JSON route, measured before and after /me
 *      (target ≥ 0.6×); on PostgreSQL also /me at LOG_LEVEL=warn on a second instance (what the
 *      access log costs, target < 10 %), between two /me runs whose mean is /me's figure (the host
 *      drifts: an A/A run, both instances at warn, differed by 15 %), and Better Auth's
 *      GET /api/auth/get-session under the same load (bench/better-auth-server.mjs); peak resident memory of both under that load (target:
 *      Gatehouse ≤ Better Auth)
 *  (b) POST /api/v1/auth/login logins/s against a hash-only HTTP server under the same load
 *      (bench/hash-server.mjs: Fastify + Gatehouse's hasher, no database; target ≥ 0.8×),
 *      event-loop CPU per login (target ≤ 2 ms) and the hashing threads' CPU per login against one
 *      raw argon2id verification in a separate process (target within 10 %)
 *  (c) /me p99 at a fixed 200 req/s while a login storm keeps the hash queue full (target < 50 ms)
 *  (d) /me p99 at a fixed 200 req/s alone (target < 20 ms)
 *  (p) PostgreSQL only, issue #21's peer comparison: Gatehouse and Better Auth (bench/better-auth-server.mjs,
 *      email and password, its Kysely/pg adapter on the same PostgreSQL, production mode, its default
 *      scrypt, cookie cache off, no rate limiting) under the same loads, phase by phase: sign-ups/s
 *      (unique emails), sign-ins/s, session checks req/s and p99 (GET /me with a bearer against
 *      get-session with the session cookie; Better Auth with its cookie cache on is measured too and
 *      reported apart), and the check's p99 at a fixed 200 req/s during a sign-in storm. Targets as
 *      ratios in that run: sign-ins ≥ 5×, checks ≥ 10× with p99 < 20 ms, storm p99 < 50 ms
 *  (s) PostgreSQL only: /me req/s and sign-ins/s on one Gatehouse, then on three (same database,
 *      Redis prefix and SECRETS_KEY; autocannon spreads the connections over the three ports, no
 *      proxy), and the scaling factor — on a 2-CPU machine, reported with what limits it
 *  (w) webhooks: 1,000 sign-ups sent at a paced 100/s (open loop, at most 16 in flight) to
 *      Gatehouse with an endpoint subscribed to user.created on a local HTTPS receiver in this
 *      process (answers 204; bench/lib/webhook-receiver.ts): event timestamp → receipt p50/p99
 *      (target p99 < 2 s); then 1,000 profile updates at the same pace (PATCH /auth/me by 25 users
 *      signed in beforehand, delivered as user.updated): the same target with events that cost no
 *      password hash, for a host that cannot sign up 100 users/s,
 *      every delivery verified with `standardwebhooks`; then sign-ups/s closed loop with no
 *      endpoint, with the endpoint subscribed (deliveries flowing), and with it disabled again —
 *      the ceiling is the mean of both runs without (target: at most 10 % fewer with it)
 *  (o) OpenID Connect token endpoint (issue #27): Gatehouse against a bare oidc-provider of the same
 *      version (bench/oidc-bare-server.mjs: the library's in-memory adapter, one static client, a key
 *      of the same algorithm, the same RFC 9068 JWT access tokens through resource indicators)
 *      under the same closed-loop load: client-credentials tokens/s (client_secret_basic), and
 *      authorization codes redeemed/s (PKCE S256; the codes obtained beforehand through each
 *      provider's real authorization flow, bench/lib/oidc-flow.ts). The reference is the mean of a
 *      bare run before and after Gatehouse's. Targets: ≥ 0.7× the bare provider for both
 * (c), (d) and (p)'s storm send on a schedule and measure from each request's due time
 * (bench/lib/open-loop.ts: no coordinated omission). Every phase is bounded by its duration.
 *
 * Gatehouse, the bare server and the raw hasher are child processes bound to 127.0.0.1; the load
 * (autocannon) runs in this process. Engines: PostgreSQL+Redis (the targets are stated for it)
 * and the embedded one (PGlite + in-process store).
 *
 *   npm run bench                          both engines (PostgreSQL+Redis when reachable)
 *   npm run bench -- --engine=embedded     one engine (embedded | postgres | both)
 *   npm run bench -- --duration=15         measured seconds per run (10–15; warm-up is 3 s; 3–9 for
 *                                          development runs, which do not write RESULTS.md)
 *   npm run bench -- --only=p,s            a subset of the scenarios a,b,c,d,o,p,s,w (RESULTS.md is not written)
 *   npm run bench -- --only=w --webhook-events=200 --webhook-rate=50
 *                                          (w) with fewer events or another pace (development runs:
 *                                          RESULTS.md is only written at the defaults, 1000 at 100/s)
 *   npm run bench -- --server-arg=--cpu-prof --server-arg=--cpu-prof-dir=/tmp/prof
 *                                          extra node flags for the Gatehouse child (profiling)
 *   npm run bench -- --server-log=/tmp/gatehouse.log   append the Gatehouse child's output there
 *   npm run bench -- --server-env=HASH_CONCURRENCY=1    extra environment for the Gatehouse child
 *                                          (experiments; RESULTS.md lists it under the settings)
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres, a
 * database gh_bench_<random> is created there and dropped after), BENCH_REDIS_URL (default
 * redis://127.0.0.1:6379, keys under a unique prefix, deleted after). UV_THREADPOOL_SIZE, when
 * set, is passed to the server and the raw hasher alike.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem, type as osType, release } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { settings } from '../src/config/config-schema.js';
import {
  benchDir,
  cleanupAll,
  CpuMeter,
  freePort,
  installExitHandlers,
  onCleanup,
  rootDir,
  round,
  sampleRss,
  startChild,
  ThreadMeter,
  waitForQuiet,
  waitReady,
  type Child,
} from './lib/children.js';
import { runLoad, startLoad, type LoadOptions, type LoadResult } from './lib/load.js';
import { openLoop, type OpenLoopOptions, type OpenLoopResult } from './lib/open-loop.js';
import { CookieJar, pageSignIn, prepareCodes, type PreparedCode } from './lib/oidc-flow.js';
import { BenchWebhookReceiver, makeReceiverTls, type ReceiverTls } from './lib/webhook-receiver.js';
import { printSummary, writeResults, type EngineReport, type Measured, type OidcCodeSide, type PeerSide, type RawArgon2, type RunReport, type StormCheck, type Verdict } from './lib/report.js';

// ---------------------------------------------------------------- options

type EngineName = 'postgres' | 'embedded';
const args = process.argv.slice(2);
const arg = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const argAll = (name: string): string[] => args.filter((a) => a.startsWith(`--${name}=`)).map((a) => a.slice(name.length + 3));
for (const a of args) {
  if (!/^--(engine|duration|only|server-arg|server-log|server-env|webhook-events|webhook-rate)=/.test(a)) {
    console.error(`unknown option ${a}\nusage: npm run bench -- [--engine=embedded|postgres|both] [--duration=10..15] [--only=a,b,c,d,o,p,s,w] [--webhook-events=N] [--webhook-rate=R] [--server-arg=<node flag>] [--server-log=<file>] [--server-env=KEY=VALUE]`);
    process.exit(2);
  }
}
const engineArg = arg('engine') ?? 'auto';
if (!['auto', 'both', 'postgres', 'embedded'].includes(engineArg)) {
  console.error(`--engine must be embedded, postgres or both (got ${engineArg})`);
  process.exit(2);
}
// 10–15 s for a recorded run; shorter (down to 3 s) for development runs, which never write RESULTS.md
const DURATION_S = Math.min(15, Math.max(3, Number(arg('duration') ?? 10)));
const WARMUP_S = 3;
const SCENARIOS = ['a', 'b', 'c', 'd', 'o', 'p', 's', 'w'] as const;
type ScenarioKey = (typeof SCENARIOS)[number];
const only = new Set((arg('only') ?? SCENARIOS.join(',')).split(',').map((s) => s.trim()));
for (const k of only) {
  if (!(SCENARIOS as readonly string[]).includes(k)) {
    console.error(`--only takes scenario letters among ${SCENARIOS.join(',')} (got ${k})`);
    process.exit(2);
  }
}
/** (w): how many sign-ups are delivered, and at what pace (events/s) */
const WEBHOOK_EVENTS = Math.round(Number(arg('webhook-events') ?? 1000));
const WEBHOOK_RATE = Number(arg('webhook-rate') ?? 100);
if (!(WEBHOOK_EVENTS >= 10) || !(WEBHOOK_RATE > 0)) {
  console.error('--webhook-events must be ≥ 10 and --webhook-rate > 0');
  process.exit(2);
}
const COMPLETE_RUN = SCENARIOS.every((k) => only.has(k)) && DURATION_S >= 10 && WEBHOOK_EVENTS === 1000 && WEBHOOK_RATE === 100;
const serverArgs = argAll('server-arg');
const serverLog = arg('server-log');
/** experiments: extra environment of the Gatehouse child (recorded in the report) */
const serverEnv = Object.fromEntries(
  argAll('server-env').map((kv) => {
    const i = kv.indexOf('=');
    if (i < 1) throw new Error(`--server-env expects KEY=VALUE, got ${kv}`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  }),
);

const ADMIN_PG_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'Correct-Horse-Battery-42';
const EMAIL = 'bench@example.com';
/** (w): the users whose profile updates are the second paced phase's events (taken in turn) */
const UPDATERS = 25;
/** (w): the admin that subscribes the endpoint (ADMIN_EMAIL/ADMIN_PASSWORD of the Gatehouse child) */
const ADMIN_EMAIL = 'bench-admin@example.com';

const defaultOf = (env: string): string => {
  const s = settings.find((x) => x.env === env) as { default?: string } | undefined;
  if (s?.default === undefined) throw new Error(`no default for ${env} in config-schema.ts`);
  return s.default;
};
// production defaults, read from the config schema (never lowered for the bench)
const ARGON2 = {
  memoryKib: Number(defaultOf('ARGON2_MEMORY_KIB')),
  timeCost: Number(defaultOf('ARGON2_TIME_COST')),
  parallelism: Number(defaultOf('ARGON2_PARALLELISM')),
};
/** the same argon2id parameters for every child that hashes: Gatehouse, the hash-only server, the raw hasher */
const ARGON2_ENV = {
  ARGON2_MEMORY_KIB: String(ARGON2.memoryKib),
  ARGON2_TIME_COST: String(ARGON2.timeCost),
  ARGON2_PARALLELISM: String(ARGON2.parallelism),
};
// the server's default (HASH_CONCURRENCY unset = CPU cores) unless an experiment sets it
const HASH_CONCURRENCY = Number(serverEnv.HASH_CONCURRENCY ?? availableParallelism());
const HASH_QUEUE_MAX = Number(serverEnv.HASH_QUEUE_MAX ?? defaultOf('HASH_QUEUE_MAX'));

const RATE_LIMITS = {
  RATE_LIMIT_LOGIN_IP: 'off',
  RATE_LIMIT_LOGIN_ID: 'off',
  RATE_LIMIT_API_IP: 'off',
  RATE_LIMIT_REGISTER_IP: 'off',
  RATE_LIMIT_REFRESH_IP: 'off',
  // (o) loads the token endpoint from one address
  RATE_LIMIT_OIDC_TOKEN_IP: 'off',
};

/** connections of each load; recorded in the report */
const LOAD = {
  me: 50, // (a) /me and bare: same connections, pipelining 1
  login: HASH_CONCURRENCY * 4, // (b) keeps every hash slot busy, far below HASH_QUEUE_MAX (no 503)
  meRate: 200, // (c) fixed rate of /me …
  meRateConnections: 10, // … over 10 connections (20 req/s each)
  storm: HASH_CONCURRENCY + HASH_QUEUE_MAX + 32, // (c) more than running + queued: the queue stays full
  scaleMe: 48, // (s) /me over 1 or 3 instances (16 per instance with three)
  scaleLogin: 9, // (s) sign-ins over 1 or 3 instances (3 per instance: above each one's hash slots)
  webhookPaced: 16, // (w) the paced sign-ups: at most 16 in flight, enough to hold the pace, few enough never to fill the hash queue
  oidcToken: 32, // (o) the token endpoint, Gatehouse and the bare provider alike
  oidcCodeWorkers: 8, // (o) browsers getting codes in parallel before each redemption run
  oidcCodesPerSession: 50, // (o) … each starting a new provider session (a new grant on the bare provider) after this many codes
};
/** (o): the client the bench registers (and the bare provider's static one) */
const OIDC = {
  redirectUri: 'http://127.0.0.1:9/callback',
  scope: 'openid email profile',
  permissions: ['users:admin'],
  jwtAlg: serverEnv.JWT_ALG ?? defaultOf('JWT_ALG'),
  audience: serverEnv.TOKEN_AUDIENCE ?? defaultOf('TOKEN_AUDIENCE'),
  accessTokenTtl: serverEnv.ACCESS_TOKEN_TTL ?? defaultOf('ACCESS_TOKEN_TTL'),
  /** the most seconds spent getting one run's codes (they live 60 s) */
  mintMaxS: 40,
};
/** (w): lets the Gatehouse child deliver to the bench's receiver on loopback (recorded in the report) */
const WEBHOOK_SETTINGS = { WEBHOOK_ALLOW_PRIVATE: 'true' };
/** how long a session check during a storm may take before it counts as an error (timed out) */
const STORM_CHECK_TIMEOUT_MS = 30_000;


// ---------------------------------------------------------------- helpers

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

interface ServerCommand {
  mode: 'dist' | 'tsx';
  nodeArgs: string[];
  script: string;
  note: string;
}

function newestStale(): string | null {
  const srcDir = join(rootDir, 'src');
  const walk = (dir: string): string | null => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) {
        const s = walk(p);
        if (s) return s;
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const out = join(rootDir, 'dist', relative(srcDir, p).replace(/\.ts$/, '.js'));
        if (!existsSync(out) || statSync(out).mtimeMs < statSync(p).mtimeMs) return relative(rootDir, p);
      }
    }
    return null;
  };
  return walk(srcDir);
}

/** prefer dist/server.js; build it when missing or older than src/, else fall back to tsx */
function serverCommand(): ServerCommand {
  const tsx = { mode: 'tsx' as const, nodeArgs: ['--import', import.meta.resolve('tsx')], script: join(rootDir, 'src/server.ts') };
  const stale = newestStale();
  if (!stale) return { mode: 'dist', nodeArgs: [], script: join(rootDir, 'dist/server.js'), note: 'dist/server.js (up to date)' };
  log(`dist/ is missing or older than ${stale}: npm run build`);
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: rootDir, encoding: 'utf8', timeout: 180_000 });
  if (build.status === 0 && !newestStale()) {
    return { mode: 'dist', nodeArgs: [], script: join(rootDir, 'dist/server.js'), note: 'dist/server.js (rebuilt by the bench)' };
  }
  if (!newestStale()) {
    // tsc emits JavaScript despite type errors: that output is what tsx would run too
    console.warn(`tsc reported type errors (work in progress in src/?); serving the JavaScript it emitted:\n${(build.stdout + build.stderr).slice(-1500)}`);
    return { mode: 'dist', nodeArgs: [], script: join(rootDir, 'dist/server.js'), note: 'dist/server.js (rebuilt by the bench; tsc reported type errors, JavaScript emitted)' };
  }
  console.warn(`build failed (${build.status ?? build.signal}); serving src/ through tsx instead\n${(build.stdout + build.stderr).slice(-2000)}`);
  return { ...tsx, note: 'src/server.ts through tsx (the build failed)' };
}

function gitInfo(): string {
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: rootDir, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'package.json'], { cwd: rootDir, encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => l.slice(3).trim())
    .filter(Boolean);
  if (!rev) return 'unknown';
  return dirty.length ? `${rev} + uncommitted changes in ${dirty.join(', ')}` : rev;
}

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG ?? 'C.UTF-8', NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  if (process.env.UV_THREADPOOL_SIZE) env.UV_THREADPOOL_SIZE = process.env.UV_THREADPOOL_SIZE;
  return env;
}

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: ADMIN_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    return `PostgreSQL at ${ADMIN_PG_URL}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 2000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    return `Redis at ${REDIS_URL}: ${(error as Error).message}`;
  } finally {
    redis.disconnect();
  }
  return null;
}

/** a fresh database + Redis prefix (postgres) or data dir (embedded); undone by cleanupAll */
interface EngineEnv {
  env: NodeJS.ProcessEnv;
  describe: string;
  teardown: () => Promise<void>;
  /** pids of the PostgreSQL backends serving the bench database (their CPU is reported) */
  backends: () => Promise<number[]>;
}

async function engineEnv(engine: EngineName, dataDir: string): Promise<EngineEnv> {
  if (engine === 'embedded') {
    return { env: { DATA_DIR: dataDir }, describe: 'embedded (PGlite under a fresh DATA_DIR + in-process store)', teardown: async () => {}, backends: async () => [] };
  }
  const suffix = randomBytes(5).toString('hex');
  const name = `gh_bench_${suffix}`;
  const prefix = `gh_bench_${suffix}:`;
  const admin = new pg.Client({ connectionString: ADMIN_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  let dropped = false;
  const teardown = async () => {
    if (dropped) return;
    dropped = true;
    const c = new pg.Client({ connectionString: ADMIN_PG_URL });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  };
  onCleanup(`drop database ${name} and Redis keys ${prefix}*`, teardown);
  const url = new URL(ADMIN_PG_URL);
  url.pathname = `/${name}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString(), REDIS_URL, REDIS_KEY_PREFIX: prefix },
    describe: `PostgreSQL (fresh database ${name}) + Redis (prefix ${prefix})`,
    teardown,
    async backends() {
      const c = new pg.Client({ connectionString: ADMIN_PG_URL });
      await c.connect();
      try {
        const r = await c.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
        return r.rows.map((row) => row.pid);
      } finally {
        await c.end();
      }
    },
  };
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function pass(ok: boolean): 'PASS' | 'FAIL' {
  return ok ? 'PASS' : 'FAIL';
}

// ---------------------------------------------------------------- scenarios

async function startBare(cmd: ServerCommand): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = startChild('bare Fastify', cmd.nodeArgs, join(benchDir, 'bare-server.mjs'), { ...baseEnv(), PORT: String(port) }, rootDir);
  await waitReady(child, `http://127.0.0.1:${port}/health/ready`);
  return { child, url: `http://127.0.0.1:${port}/bare` };
}

/** (b)'s ceiling: Fastify + Gatehouse's PasswordHasher only (bench/hash-server.mjs) */
async function startHashServer(cmd: ServerCommand): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const hasher = join(rootDir, cmd.mode === 'dist' ? 'dist/passwords/password-hasher.js' : 'src/passwords/password-hasher.ts');
  const child = startChild('hash-only server', cmd.nodeArgs, join(benchDir, 'hash-server.mjs'), {
    ...baseEnv(),
    PORT: String(port),
    HASHER_MODULE: pathToFileURL(hasher).href,
    ...ARGON2_ENV,
    HASH_CONCURRENCY: String(HASH_CONCURRENCY),
    HASH_QUEUE_MAX: String(HASH_QUEUE_MAX),
    PASSWORD,
  }, rootDir);
  await waitReady(child, `http://127.0.0.1:${port}/health/ready`);
  return { child, url: `http://127.0.0.1:${port}/login` };
}

interface BetterAuthServer {
  /** GET /api/auth/get-session */
  url: string;
  base: string;
  /** the signed-in user's session cookie(s) */
  headers: Record<string, string>;
  /** what its JSON POSTs need (content type, and an Origin its CSRF check accepts) */
  jsonHeaders: Record<string, string>;
  pid: number | undefined;
  stop: () => Promise<void>;
}

/**
 * Better Auth on a fresh database of its own, with a user signed up and signed in; `cookieCache`
 * turns its session cookie cache on (get-session then trusts a signed cookie for 5 minutes).
 */
async function startBetterAuth(cwd: string, options: { cookieCache?: boolean } = {}): Promise<BetterAuthServer> {
  const name = `gh_bench_ba_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const drop = async () => {
    const c = new pg.Client({ connectionString: ADMIN_PG_URL });
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  };
  const undo = onCleanup(`drop database ${name}`, drop);
  const url = new URL(ADMIN_PG_URL);
  url.pathname = `/${name}`;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startChild(options.cookieCache ? 'Better Auth (cookie cache)' : 'Better Auth', [], join(benchDir, 'better-auth-server.mjs'), {
    ...baseEnv(),
    PORT: String(port),
    DATABASE_URL: url.toString(),
    BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
    ...(options.cookieCache ? { BA_COOKIE_CACHE: '1' } : {}),
  }, cwd);
  await waitReady(child, `${base}/health/ready`);
  const headers = { 'content-type': 'application/json', origin: base };
  const signUp = await fetch(`${base}/api/auth/sign-up/email`, { method: 'POST', headers, body: JSON.stringify({ email: EMAIL, password: PASSWORD, name: 'Bench' }) });
  if (signUp.status !== 200) throw new Error(`Better Auth sign-up: ${signUp.status} ${await signUp.text()}`);
  const signIn = await fetch(`${base}/api/auth/sign-in/email`, { method: 'POST', headers, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
  const cookie = signIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (signIn.status !== 200 || !cookie) throw new Error(`Better Auth sign-in: ${signIn.status} ${await signIn.text()}`);
  const check = await fetch(`${base}/api/auth/get-session`, { headers: { cookie } });
  if (check.status !== 200 || !((await check.json()) as { session?: unknown } | null)?.session) throw new Error('Better Auth get-session did not find the session');
  return {
    url: `${base}/api/auth/get-session`,
    base,
    headers: { cookie },
    jsonHeaders: headers,
    pid: child.proc.pid,
    async stop() {
      await child.stop();
      await drop();
      undo();
    },
  };
}

/** waits for a quiet machine before a scenario; what it saw goes into the report */
async function quiet(report: EngineReport, scenario: string): Promise<void> {
  const q = await waitForQuiet();
  (report.quiet ??= {})[scenario] = q;
  if (q.busyCores >= 0.3) log(`machine still busy (${q.busyCores} cores used by others after ${q.waitedMs} ms); measuring anyway`);
  else if (q.waitedMs > 1000) log(`waited ${q.waitedMs} ms for the machine to go quiet`);
}

/** warm-up, then the measured run, with the CPU each process used during it */
async function measure<M = never>(
  o: Omit<LoadOptions, 'durationS'>,
  pids: Record<string, number | undefined>,
  backends: () => Promise<number[]>,
  /** more to measure over exactly the measured window */
  extra?: { start: () => M; stop: (m: M) => void },
): Promise<LoadResult & { cpu: Record<string, number | null> }> {
  await runLoad({ ...o, title: `${o.title} (warm-up)`, durationS: WARMUP_S });
  const meter = new CpuMeter(pids, { postgres: await backends() });
  const more = extra?.start();
  const result = await runLoad({ ...o, durationS: DURATION_S });
  if (extra) extra.stop(more as M);
  return { ...result, cpu: meter.read() };
}

function rawArgon2(): Promise<RawArgon2> {
  const child = startChild('raw argon2', [], join(benchDir, 'argon2-raw.mjs'), {
    ...baseEnv(),
    ...ARGON2_ENV,
    CONCURRENCY: String(HASH_CONCURRENCY),
    WARMUP_MS: String(WARMUP_S * 1000),
    DURATION_MS: String(DURATION_S * 1000),
    PASSWORD,
  }, rootDir);
  let out = '';
  child.proc.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
  // other processes' CPU over the child's whole life (its own CPU is measured inside it)
  const meter = new CpuMeter({ raw: child.proc.pid });
  let otherCores: number | null = null;
  const timer = setTimeout(() => (otherCores = meter.read().otherCores ?? null), (WARMUP_S + DURATION_S) * 1000 - 200);
  return child.exited.then((code) => {
    clearTimeout(timer);
    if (code !== 0) throw new Error(`raw argon2 process failed (${code}):\n${child.output()}`);
    return { ...(JSON.parse(out.trim().split('\n').pop()!) as Omit<RawArgon2, 'otherCores'>), otherCores };
  });
}

interface ScenarioContext {
  base: string;
  serverPid: number | undefined;
  meHeaders: Record<string, string>;
  loginBody: string;
  jsonHeaders: Record<string, string>;
  backends: () => Promise<number[]>;
  cmd: ServerCommand;
  /** PostgreSQL: a second Gatehouse on the same data at LOG_LEVEL=warn (what the access log costs) */
  quietTwin?: () => Promise<{ base: string; pid: number | undefined; stop: () => Promise<void> }>;
  /** PostgreSQL: Better Auth on its own database, a user signed in (its session cookie in `headers`) */
  betterAuth?: (options?: { cookieCache?: boolean }) => Promise<BetterAuthServer>;
  /** PostgreSQL: one more Gatehouse instance on the same database, Redis prefix and SECRETS_KEY */
  instance?: (label: string) => Promise<{ base: string; pid: number | undefined; stop: () => Promise<void> }>;
  /** (w): the receiver's certificate, which the Gatehouse child trusts (NODE_EXTRA_CA_CERTS) */
  webhookTls?: ReceiverTls;
}

const RUN_T0 = performance.now();
// the whole bench should stay under ~5.5 minutes for (a)–(d), plus what (p) and (s) take
// (p): 7 closed-loop loads, 2 storms (Better Auth's drains for up to STORM_CHECK_TIMEOUT_MS), 2 Better Auth starts
const P_ESTIMATE_S = 9 * (WARMUP_S + DURATION_S) + STORM_CHECK_TIMEOUT_MS / 1000 + 20;
const S_ESTIMATE_S = 4 * (WARMUP_S + DURATION_S) + 10;
// (w): three closed-loop sign-up loads, the paced sign-ups, and the deliveries' drain
const W_ESTIMATE_S = 3 * (WARMUP_S + DURATION_S) + WEBHOOK_EVENTS / WEBHOOK_RATE + 20;
// (o): three client-credentials loads, three redemption runs with their codes got beforehand
const O_ESTIMATE_S = 3 * (WARMUP_S + DURATION_S) + 3 * (2 * WARMUP_S + 3 * DURATION_S) + 10;
const TIME_BUDGET_S = 330 + (only.has('o') ? O_ESTIMATE_S : 0) + (only.has('p') ? P_ESTIMATE_S : 0) + (only.has('s') ? S_ESTIMATE_S : 0) + (only.has('w') ? W_ESTIMATE_S : 0);
/** a run every request of which was answered 2xx */
const clean = (m: { non2xx: number; errors: number } | null | undefined): boolean => !m || (m.non2xx === 0 && m.errors === 0);
const NOISY_CORES = 0.3; // other processes using more than this during a window = measure again
let retriesLeft = 2;

/**
 * Runs a scenario after waiting for a quiet machine; when other processes used noticeable CPU
 * during it, measures once more if the time budget allows, and keeps the cleaner attempt.
 */
async function attempt<T>(report: EngineReport, key: ScenarioKey, estimateS: number, reserveS: number, run: () => Promise<T>, noise: (r: T) => number): Promise<T> {
  let best: T | null = null;
  let bestNoise = Infinity;
  let attempts = 0;
  for (;;) {
    await quiet(report, key);
    const r = await run();
    attempts++;
    const n = noise(r);
    if (n < bestNoise) [best, bestNoise] = [r, n];
    const elapsedS = (performance.now() - RUN_T0) / 1000;
    if (n <= NOISY_CORES) break;
    if (retriesLeft === 0 || elapsedS + estimateS + reserveS > TIME_BUDGET_S) {
      log(`(${key}): other processes used ${n.toFixed(2)} cores during the measurement; no time left to measure again`);
      break;
    }
    retriesLeft--;
    log(`(${key}): other processes used ${n.toFixed(2)} cores during the measurement; measuring again`);
  }
  (report.attempts ??= {})[key] = attempts;
  return best!;
}

/**
 * The bare route is measured before and after /me (the same server process, idle in between) and
 * the reference is the mean: on this shared host one run's speed can differ from the next by a
 * factor of two, and a single reference moved the ratio from 0.52 to 1.05 for the same code.
 * Gatehouse's resident memory is sampled during its /me load; on PostgreSQL, Better Auth's during
 * the same load on its get-session, and Gatehouse once more at LOG_LEVEL=warn (the access log's cost).
 */
async function scenarioA(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['a']>> {
  log(`${engine} (a): bare Fastify (before), ${LOAD.me} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s`);
  const bare = await startBare(x.cmd);
  const bareLoad = { title: 'bare Fastify GET', url: bare.url, connections: LOAD.me };
  const barePids = { bare: bare.child.proc.pid, gatehouse: x.serverPid };
  const bareRun = await measure(bareLoad, barePids, x.backends);
  log(`${engine} (a): GET /api/v1/auth/me (LOG_LEVEL=info), ${LOAD.me} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s`);
  const meLoad = { title: 'GET /api/v1/auth/me', url: `${x.base}/api/v1/auth/me`, headers: x.meHeaders, connections: LOAD.me };
  const rss = sampleRss(x.serverPid);
  const meRun = await measure(meLoad, { gatehouse: x.serverPid }, x.backends);
  const gatehouseRss = rss.stop();
  let meWarn: Awaited<ReturnType<typeof measure>> | null = null;
  let meAgain: Awaited<ReturnType<typeof measure>> | null = null;
  let betterAuth: NonNullable<EngineReport['a']>['betterAuth'] = null;
  if (x.quietTwin) {
    log(`${engine} (a): GET /api/v1/auth/me on a second Gatehouse at LOG_LEVEL=warn (no access log), same load`);
    const twin = await x.quietTwin();
    meWarn = await measure({ ...meLoad, url: `${twin.base}/api/v1/auth/me` }, { gatehouse: twin.pid }, x.backends);
    await twin.stop();
    log(`${engine} (a): GET /api/v1/auth/me (LOG_LEVEL=info) again, after the warn twin`);
    meAgain = await measure(meLoad, { gatehouse: x.serverPid }, x.backends);
  }
  if (x.betterAuth) {
    log(`${engine} (a): Better Auth GET /api/auth/get-session, same load`);
    const ba = await x.betterAuth();
    const baRss = sampleRss(ba.pid);
    const run = await measure({ title: 'Better Auth get-session', url: ba.url, headers: ba.headers, connections: LOAD.me }, { betterAuth: ba.pid }, x.backends);
    betterAuth = { run, rss: baRss.stop() };
    await ba.stop();
  }
  log(`${engine} (a): bare Fastify (after)`);
  const bareAfter = await measure(bareLoad, barePids, x.backends);
  await bare.child.stop();
  const bareReference = (bareRun.perSecond + bareAfter.perSecond) / 2;
  // /me before and after the warn twin: its reference is the mean, as bare's is around /me (the
  // host drifts; two identical servers measured one after the other differed by 15 % here)
  const meReference = meAgain ? (meRun.perSecond + meAgain.perSecond) / 2 : meRun.perSecond;
  const ratio = meReference / bareReference;
  const logCost = meWarn ? 1 - meReference / meWarn.perSecond : null;
  return {
    me: meRun,
    meAgain,
    meReference,
    bare: bareRun,
    bareAfter,
    bareReference,
    ratio,
    target: 0.6,
    result: pass(ratio >= 0.6 && clean(meRun) && clean(meAgain)),
    rss: gatehouseRss,
    meWarn,
    logCost,
    // the instance without the log measured clearly slower: the host's noise, not the log, decided
    logCostResult: logCost === null ? null : logCost < -0.05 ? 'INVALID' : pass(logCost < 0.1),
    betterAuth,
    rssResult: betterAuth ? pass(gatehouseRss.peakMiB <= betterAuth.rss.peakMiB) : null,
  };
}

/**
 * Raw hashing is measured before and after the logins, and the reference is both runs together:
 * this machine's speed drifts by 10–20 % over a minute (a shared host), and a single reference
 * taken 15 s earlier moved the ratio by as much. Both raw runs are reported.
 *
 * Between them, the same load against a hash-only HTTP server (no database, no session, no
 * token) shows the ceiling for this machine: what HTTP and the load generator alone cost when
 * they share the cores with hashing. It is reported, not part of the verdict.
 */
async function scenarioB(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['b']>> {
  log(`${engine} (b): raw argon2id verify (before), concurrency ${HASH_CONCURRENCY}, ${WARMUP_S} s warm-up + ${DURATION_S} s (separate process)`);
  const before = await rawArgon2();
  const loginLoad = { method: 'POST' as const, headers: x.jsonHeaders, body: x.loginBody, connections: LOAD.login, timeoutS: 30 };
  log(`${engine} (b): POST /api/v1/auth/login, ${LOAD.login} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s`);
  let threads: ReturnType<ThreadMeter['read']> | null = null;
  const loginRun = await measure(
    { title: 'POST /api/v1/auth/login', url: `${x.base}/api/v1/auth/login`, ...loginLoad },
    { gatehouse: x.serverPid },
    x.backends,
    {
      start: () => new ThreadMeter(x.serverPid),
      stop: (meter: ThreadMeter) => (threads = meter.read(HASH_CONCURRENCY)),
    },
  );
  log(`${engine} (b): hash-only HTTP server (the ceiling), same load`);
  const hashOnly = await startHashServer(x.cmd);
  let hashOnlyThreads: ReturnType<ThreadMeter['read']> | null = null;
  const hashOnlyRun = await measure({ title: 'POST /login (hash-only server)', url: hashOnly.url, ...loginLoad }, { hashOnly: hashOnly.child.proc.pid, gatehouse: x.serverPid }, x.backends, {
    start: () => new ThreadMeter(hashOnly.child.proc.pid),
    stop: (meter: ThreadMeter) => (hashOnlyThreads = meter.read(HASH_CONCURRENCY)),
  });
  await hashOnly.child.stop();
  log(`${engine} (b): raw argon2id verify (after)`);
  const afterRun = await rawArgon2();
  const raw = combineRaw(before, afterRun);
  const loginsPerSecond = loginRun.ok2xx / loginRun.durationS;
  const hashOnlyPerSecond = hashOnlyRun.ok2xx / hashOnlyRun.durationS;
  const ratio = loginsPerSecond / hashOnlyPerSecond;
  const t = threads as ReturnType<ThreadMeter['read']> | null;
  const logins = loginRun.ok2xx;
  const loopMsPerLogin = t ? (t.mainCpuS * 1000) / logins : NaN;
  const hashMsPerLogin = t ? (t.busiestCpuS.reduce((s, c) => s + c, 0) * 1000) / logins : NaN;
  const rawMsPerVerify = (raw.cpuCores * 1000) / raw.perSecond;
  return {
    login: loginRun,
    loginsPerSecond,
    raw,
    rawRuns: [before, afterRun],
    hashOnly: { run: hashOnlyRun, perSecond: hashOnlyPerSecond, ratio: hashOnlyPerSecond / raw.perSecond, threads: hashOnlyThreads as ReturnType<ThreadMeter['read']> | null },
    ratio,
    target: 0.8,
    result: pass(ratio >= 0.8 && loginRun.non2xx === 0 && loginRun.errors === 0),
    threads: t,
    loopMsPerLogin,
    loopResult: pass(loopMsPerLogin <= 2),
    hashMsPerLogin,
    rawMsPerVerify,
    hashResult: pass(hashMsPerLogin <= rawMsPerVerify * 1.1),
  };
}

function combineRaw(a: RawArgon2, b: RawArgon2): RawArgon2 {
  const seconds = a.seconds + b.seconds;
  const verifications = a.verifications + b.verifications;
  const others = [a.otherCores, b.otherCores].filter((v): v is number => typeof v === 'number');
  return {
    perSecond: verifications / seconds,
    verifications,
    seconds,
    latencyMs: { p50: (a.latencyMs.p50 * a.seconds + b.latencyMs.p50 * b.seconds) / seconds, p99: Math.max(a.latencyMs.p99, b.latencyMs.p99) },
    cpuCores: (a.cpuCores * a.seconds + b.cpuCores * b.seconds) / seconds,
    hashPrefix: a.hashPrefix,
    otherCores: others.length ? Math.max(...others) : null,
  };
}

async function scenarioC(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['c']>> {
  log(`${engine} (c): login storm (${LOAD.storm} connections) + GET /me at ${LOAD.meRate} req/s for ${DURATION_S} s after ${WARMUP_S} s of storm`);
  const storm = startLoad(
    {
      title: 'login storm',
      url: `${x.base}/api/v1/auth/login`,
      method: 'POST',
      headers: x.jsonHeaders,
      body: x.loginBody,
      connections: LOAD.storm,
      durationS: WARMUP_S + DURATION_S + 10,
      timeoutS: 60,
      classifyBody: (status, body) => (status === 503 ? (body.includes('Server Busy') ? 'server_busy' : 'other_503') : null),
    },
    true,
  );
  let meRun: OpenLoopResult, cpu: Record<string, number | null>, t0: number, t1: number;
  try {
    await sleep(WARMUP_S * 1000);
    const meter = new CpuMeter({ gatehouse: x.serverPid }, { postgres: await x.backends() });
    t0 = performance.now();
    meRun = await openLoop({ url: `${x.base}/api/v1/auth/me`, headers: x.meHeaders, rate: LOAD.meRate, durationS: DURATION_S });
    t1 = performance.now();
    cpu = meter.read();
  } finally {
    storm.stop();
  }
  const stormRun = await storm.done;
  const inWindow = storm.events!.filter((ev) => ev.at >= t0 && ev.at <= t1);
  const windowS = (t1 - t0) / 1000;
  const stormOk = inWindow.filter((ev) => ev.status >= 200 && ev.status < 300).length;
  const storm503 = inWindow.filter((ev) => ev.status === 503).length;
  const achievedRate = meRun.ok2xx / meRun.durationS;
  const queueFull = (stormRun.bodyClasses.server_busy ?? 0) > 0;
  const ok = meRun.latencyMs.p99 < 50 && meRun.non2xx === 0 && meRun.errors === 0 && achievedRate >= 0.95 * LOAD.meRate;
  return {
    me: { ...meRun, cpu },
    achievedRate,
    storm: stormRun,
    stormWindow: { seconds: windowS, loginsPerSecond: stormOk / windowS, ok2xx: stormOk, status503: storm503, other: inWindow.length - stormOk - storm503 },
    queueFull,
    target: 50,
    result: queueFull ? pass(ok) : 'INVALID',
  };
}

/** (d): /me at the same fixed rate with nothing else going on (the storm's counterpart) */
async function scenarioD(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['d']>> {
  log(`${engine} (d): GET /me at ${LOAD.meRate} req/s alone for ${DURATION_S} s (after ${WARMUP_S} s at that rate)`);
  const load = { url: `${x.base}/api/v1/auth/me`, headers: x.meHeaders, rate: LOAD.meRate };
  await openLoop({ ...load, durationS: WARMUP_S });
  const meter = new CpuMeter({ gatehouse: x.serverPid }, { postgres: await x.backends() });
  const me = await openLoop({ ...load, durationS: DURATION_S });
  const cpu = meter.read();
  const achievedRate = me.ok2xx / me.durationS;
  return { me: { ...me, cpu }, achievedRate, target: 20, result: pass(me.latencyMs.p99 < 20 && me.non2xx === 0 && me.errors === 0 && achievedRate >= 0.95 * LOAD.meRate) };
}

/**
 * A session check at a fixed rate (open loop, `LOAD.meRate`) while `LOAD.storm` connections send
 * sign-ins as fast as they are answered (started `WARMUP_S` before the checks, stopped after them).
 */
async function checkDuringStorm(o: {
  title: string;
  stormUrl: string;
  stormHeaders: Record<string, string>;
  stormBody: string;
  checkUrl: string;
  checkHeaders: Record<string, string>;
  pids: Record<string, number | undefined>;
  backends: () => Promise<number[]>;
  classifyBody?: LoadOptions['classifyBody'];
}): Promise<StormCheck> {
  const storm = startLoad(
    {
      title: `${o.title} sign-in storm`,
      url: o.stormUrl,
      method: 'POST',
      headers: o.stormHeaders,
      body: o.stormBody,
      connections: LOAD.storm,
      durationS: WARMUP_S + DURATION_S + 10,
      timeoutS: 60,
      ...(o.classifyBody ? { classifyBody: o.classifyBody } : {}),
    },
    true,
  );
  let check: OpenLoopResult, cpu: Record<string, number | null>, t0: number, t1: number;
  try {
    await sleep(WARMUP_S * 1000);
    const meter = new CpuMeter(o.pids, { postgres: await o.backends() });
    t0 = performance.now();
    // a long timeout: a server that queues every sign-in may answer the checks tens of seconds late
    check = await openLoop({ url: o.checkUrl, headers: o.checkHeaders, rate: LOAD.meRate, durationS: DURATION_S, timeoutMs: STORM_CHECK_TIMEOUT_MS });
    t1 = performance.now();
    cpu = meter.read();
  } finally {
    storm.stop();
  }
  const stormRun = await storm.done;
  const inWindow = storm.events!.filter((ev) => ev.at >= t0 && ev.at <= t1);
  const windowS = (t1 - t0) / 1000;
  const ok = inWindow.filter((ev) => ev.status >= 200 && ev.status < 300).length;
  const s503 = inWindow.filter((ev) => ev.status === 503).length;
  return {
    me: { ...check, cpu },
    achievedRate: check.ok2xx / check.durationS,
    storm: stormRun,
    stormWindow: { seconds: windowS, loginsPerSecond: ok / windowS, ok2xx: ok, status503: s503, other: inWindow.length - ok - s503 },
  };
}

/** unique emails for the sign-up loads (a run tag keeps reruns on the same database apart) */
const RUN_TAG = randomBytes(3).toString('hex');
let signUpSeq = 0;
const uniqueEmail = (who: string) => `peer-${who}-${RUN_TAG}-${signUpSeq++}@example.com`;

/**
 * (p) Gatehouse against Better Auth, one phase at a time, each product right after the other
 * (the host's speed drifts over minutes): sign-ups with unique emails, sign-ins of one user,
 * session checks (Gatehouse GET /me with a bearer, Better Auth get-session with its cookie) in a
 * closed loop, then the same check at a fixed rate during a sign-in storm. Same connections, same
 * warm-up and duration for both; each product hashes with what it ships (Gatehouse argon2id at
 * its OWASP defaults, Better Auth scrypt N=16384 r=16 p=1). Better Auth's cookie cache is off (its
 * default: get-session reads the session from the database, as Gatehouse's check sees a revocation
 * within a second); the closed-loop check is measured once more with it on, reported apart.
 */
async function scenarioP(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['p']>> {
  if (!x.betterAuth) throw new Error('(p) needs PostgreSQL');
  log(`${engine} (p): starting Better Auth (production, scrypt default, cookie cache off)`);
  const ba = await x.betterAuth();
  try {
    const g = { gatehouse: x.serverPid };
    const b = { betterAuth: ba.pid };
    const phase = (what: string, conns: number) => log(`${engine} (p): ${what}, ${conns} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s — Gatehouse, then Better Auth`);

    phase('sign-up (unique emails)', LOAD.login);
    const gSignUp = await measure({ title: 'Gatehouse POST /api/v1/auth/register', url: `${x.base}/api/v1/auth/register`, method: 'POST', headers: x.jsonHeaders, bodyFn: () => JSON.stringify({ email: uniqueEmail('g'), password: PASSWORD }), connections: LOAD.login, timeoutS: 30 }, g, x.backends);
    const bSignUp = await measure({ title: 'Better Auth POST /api/auth/sign-up/email', url: `${ba.base}/api/auth/sign-up/email`, method: 'POST', headers: ba.jsonHeaders, bodyFn: () => JSON.stringify({ email: uniqueEmail('ba'), password: PASSWORD, name: 'Bench' }), connections: LOAD.login, timeoutS: 30 }, b, x.backends);

    phase('sign-in (one user, correct password)', LOAD.login);
    const gSignIn = await measure({ title: 'Gatehouse POST /api/v1/auth/login', url: `${x.base}/api/v1/auth/login`, method: 'POST', headers: x.jsonHeaders, body: x.loginBody, connections: LOAD.login, timeoutS: 30 }, g, x.backends);
    const baLoginBody = JSON.stringify({ email: EMAIL, password: PASSWORD });
    const bSignIn = await measure({ title: 'Better Auth POST /api/auth/sign-in/email', url: `${ba.base}/api/auth/sign-in/email`, method: 'POST', headers: ba.jsonHeaders, body: baLoginBody, connections: LOAD.login, timeoutS: 30 }, b, x.backends);

    phase('session check (closed loop)', LOAD.me);
    const gCheck = await measure({ title: 'Gatehouse GET /api/v1/auth/me', url: `${x.base}/api/v1/auth/me`, headers: x.meHeaders, connections: LOAD.me }, g, x.backends);
    const bCheck = await measure({ title: 'Better Auth GET /api/auth/get-session', url: ba.url, headers: ba.headers, connections: LOAD.me }, b, x.backends);
    log(`${engine} (p): Better Auth with its cookie cache on (a second server), the same session check`);
    const cached = await x.betterAuth({ cookieCache: true });
    let bCheckCached: Measured;
    try {
      bCheckCached = await measure({ title: 'Better Auth GET /api/auth/get-session (cookie cache on)', url: cached.url, headers: cached.headers, connections: LOAD.me }, { betterAuth: cached.pid }, x.backends);
    } finally {
      await cached.stop();
    }

    log(`${engine} (p): session check at ${LOAD.meRate} req/s during a sign-in storm (${LOAD.storm} connections), ${WARMUP_S} s of storm first, then ${DURATION_S} s — Gatehouse, then Better Auth`);
    const gStorm = await checkDuringStorm({
      title: 'Gatehouse',
      stormUrl: `${x.base}/api/v1/auth/login`,
      stormHeaders: x.jsonHeaders,
      stormBody: x.loginBody,
      checkUrl: `${x.base}/api/v1/auth/me`,
      checkHeaders: x.meHeaders,
      pids: g,
      backends: x.backends,
      classifyBody: (status, body) => (status === 503 ? (body.includes('Server Busy') ? 'server_busy' : 'other_503') : null),
    });
    // Gatehouse's queue (≤ HASH_QUEUE_MAX hashes) drains before Better Auth's storm starts
    await sleep(3000);
    const bStorm = await checkDuringStorm({ title: 'Better Auth', stormUrl: `${ba.base}/api/auth/sign-in/email`, stormHeaders: ba.jsonHeaders, stormBody: baLoginBody, checkUrl: ba.url, checkHeaders: ba.headers, pids: b, backends: x.backends });

    const side = (signUp: Measured, signIn: Measured, check: Measured, storm: StormCheck): PeerSide => ({
      signUp,
      signUpPerSecond: signUp.ok2xx / signUp.durationS,
      signIn,
      signInPerSecond: signIn.ok2xx / signIn.durationS,
      check,
      checkPerSecond: check.ok2xx / check.durationS,
      storm,
    });
    const gatehouse = side(gSignUp, gSignIn, gCheck, gStorm);
    const betterAuth = side(bSignUp, bSignIn, bCheck, bStorm);
    const ratios = {
      signUp: gatehouse.signUpPerSecond / betterAuth.signUpPerSecond,
      signIn: gatehouse.signInPerSecond / betterAuth.signInPerSecond,
      check: gatehouse.checkPerSecond / betterAuth.checkPerSecond,
      checkVsCookieCache: gatehouse.checkPerSecond / (bCheckCached.ok2xx / bCheckCached.durationS),
    };
    const targets = { signIn: 5, check: 10, checkP99Ms: 20, stormP99Ms: 50 };
    const stormOk = gStorm.me.latencyMs.p99 < targets.stormP99Ms && clean(gStorm.me) && gStorm.achievedRate >= 0.95 * LOAD.meRate;
    return {
      gatehouse,
      betterAuth,
      betterAuthCookieCache: { check: bCheckCached, checkPerSecond: bCheckCached.ok2xx / bCheckCached.durationS },
      ratios,
      targets,
      // a ratio over a side that completed nothing in its window is not a measurement
      signInResult: Number.isFinite(ratios.signIn) ? pass(ratios.signIn >= targets.signIn && clean(gSignIn)) : 'INVALID',
      checkResult: Number.isFinite(ratios.check) ? pass(ratios.check >= targets.check && gCheck.latencyMs.p99 < targets.checkP99Ms && clean(gCheck)) : 'INVALID',
      stormResult: (gStorm.storm.bodyClasses.server_busy ?? 0) > 0 || gStorm.stormWindow.ok2xx > 0 ? pass(stormOk) : 'INVALID',
    };
  } finally {
    await ba.stop();
  }
}

function peerNoise(r: NonNullable<EngineReport['p']>): number {
  const sides = [r.gatehouse, r.betterAuth];
  return Math.max(...sides.flatMap((s) => [s.signUp.cpu.otherCores, s.signIn.cpu.otherCores, s.check.cpu.otherCores, s.storm.me.cpu.otherCores]).map((v) => v ?? 0));
}

/**
 * (o) The OpenID Connect token endpoint, Gatehouse against a bare oidc-provider (same version, its
 * in-memory adapter, one static client, a key of the same algorithm; bench/oidc-bare-server.mjs)
 * under the same closed-loop load (`LOAD.oidcToken` connections). The bench registers one
 * confidential client on Gatehouse through the admin API (client credentials and authorization
 * code, skip_consent, a permission to carry) and gives the bare provider the same id and secret.
 *
 * - client credentials: POST /oidc/token grant_type=client_credentials, client_secret_basic; each
 *   answer an RFC 9068 JWT (typ at+jwt) for Gatehouse's API as the resource. Bare, Gatehouse, bare
 *   again; the reference is the mean of the bare runs.
 * - authorization code: codes obtained beforehand through each provider's real flow (GET
 *   /oidc/auth, PKCE S256, Gatehouse's browsers signed in through its sign-in page; each provider
 *   session signs in and finds or gives the consent once, then one authorization request per code,
 *   a new session every `LOAD.oidcCodesPerSession` codes; `LOAD.oidcCodeWorkers` browsers in
 *   parallel), then redeemed closed loop, one request per code (autocannon `amount`).
 *   Codes live 60 s, so each run gets its own: a warm-up run (codes got for WARMUP_S s, all
 *   redeemed), whose rate sizes the measured run (≈ DURATION_S s of redemptions, got within
 *   OIDC.mintMaxS s). Bare, Gatehouse, bare again, as above.
 */
async function scenarioO(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['o']>> {
  const admin = await json(`${x.base}/api/v1/auth/login`, { method: 'POST', headers: x.jsonHeaders, body: JSON.stringify({ login: ADMIN_EMAIL, password: PASSWORD }) });
  if (admin.status !== 200) throw new Error(`(o) admin login: ${admin.status} ${JSON.stringify(admin.body)}`);
  const adminHeaders = { ...x.jsonHeaders, authorization: `Bearer ${admin.body.access_token as string}` };
  const created = await json(`${x.base}/api/v1/admin/oidc-clients`, {
    method: 'POST',
    headers: adminHeaders,
    body: JSON.stringify({ name: 'bench (o)', type: 'confidential', redirect_uris: [OIDC.redirectUri], grant_types: ['authorization_code', 'client_credentials'], scopes: OIDC.scope.split(' '), permissions: OIDC.permissions, skip_consent: true }),
  });
  if (created.status !== 201) throw new Error(`(o) registering the client: ${created.status} ${JSON.stringify(created.body)}`);
  const clientId = created.body.client_id as string;
  const secret = created.body.client_secret as string;
  const bare = await startOidcBare(x.cmd, { clientId, secret, resource: x.base });
  try {
    const g = { gatehouse: x.serverPid, oidcBare: bare.pid };
    const tokenHeaders = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}` };
    const ccBody = 'grant_type=client_credentials';

    // one token from each first: the same kind of token, or the comparison means nothing
    const shape = async (base: string) => {
      const r = await json(`${base}/oidc/token`, { method: 'POST', headers: tokenHeaders, body: ccBody });
      if (r.status !== 200) throw new Error(`(o) client credentials at ${base}: ${r.status} ${JSON.stringify(r.body)}`);
      const [h, p] = (r.body.access_token as string).split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part!, 'base64url').toString('utf8')) as Record<string, unknown>);
      return { alg: String(h!.alg), typ: String(h!.typ), claims: Object.keys(p!).sort() };
    };
    const shapes = { gatehouse: await shape(x.base), bare: await shape(bare.base) };
    if (shapes.gatehouse.alg !== shapes.bare.alg || shapes.gatehouse.typ !== 'at+jwt' || shapes.bare.typ !== 'at+jwt' || shapes.gatehouse.claims.join() !== shapes.bare.claims.join()) {
      throw new Error(`(o) the two providers issue different tokens: ${JSON.stringify(shapes)}`);
    }

    const cc = (base: string, who: string): Omit<LoadOptions, 'durationS'> => ({ title: `${who} POST /oidc/token client_credentials`, url: `${base}/oidc/token`, method: 'POST', headers: tokenHeaders, body: ccBody, connections: LOAD.oidcToken, timeoutS: 30 });
    log(`${engine} (o): client credentials, ${LOAD.oidcToken} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s — bare provider, Gatehouse, bare again`);
    const ccBare = await measure(cc(bare.base, 'bare oidc-provider'), g, x.backends);
    const ccGatehouse = await measure(cc(x.base, 'Gatehouse'), g, x.backends);
    const ccBareAfter = await measure(cc(bare.base, 'bare oidc-provider'), g, x.backends);
    const perS = (m: Measured) => m.ok2xx / m.durationS;
    const ccReference = (perS(ccBare) + perS(ccBareAfter)) / 2;
    const ccRatio = perS(ccGatehouse) / ccReference;

    // Gatehouse's browsers are signed in to its pages (the bare provider's interaction signs in by itself)
    const gatehouseJar = new CookieJar();
    await pageSignIn(x.base, gatehouseJar, EMAIL, PASSWORD);
    const bareJar = new CookieJar();

    const redeem = (base: string, title: string, codes: PreparedCode[], durationS: number) => {
      let next = 0;
      const redirect = encodeURIComponent(OIDC.redirectUri);
      return runLoad({
        title,
        url: `${base}/oidc/token`,
        method: 'POST',
        headers: tokenHeaders,
        // past the prepared codes (never, with `amount`) a made-up one: refused, counted as non-2xx
        bodyFn: () => {
          const c = codes[next++] ?? { code: 'none-left', verifier: 'none-left-none-left-none-left-none-left-none' };
          return `grant_type=authorization_code&code=${encodeURIComponent(c.code)}&redirect_uri=${redirect}&code_verifier=${c.verifier}`;
        },
        connections: Math.min(LOAD.oidcToken, codes.length),
        amount: codes.length,
        durationS,
        timeoutS: 30,
      });
    };
    const codeRun = async (base: string, who: string, jar: CookieJar): Promise<OidcCodeSide> => {
      const mint = (count: number, maxS: number) => prepareCodes(base, jar, { clientId, redirectUri: OIDC.redirectUri, scope: OIDC.scope, count, maxS, workers: LOAD.oidcCodeWorkers, perSession: LOAD.oidcCodesPerSession });
      const warm = await mint(Number.MAX_SAFE_INTEGER, WARMUP_S);
      const warmRun = await redeem(base, `${who} code redemption (warm-up)`, warm.codes, WARMUP_S);
      const wanted = Math.max(LOAD.oidcToken * 4, Math.ceil((1.2 * warmRun.ok2xx * DURATION_S) / warmRun.durationS));
      const prepared = await mint(wanted, OIDC.mintMaxS);
      const meter = new CpuMeter(g, { postgres: await x.backends() });
      const r = await redeem(base, `${who} POST /oidc/token authorization_code`, prepared.codes, DURATION_S);
      const run = { ...r, cpu: meter.read() };
      return { run, perSecond: perS(run), codes: prepared.codes.length, mintPerSecond: prepared.perSecond, mintSeconds: prepared.seconds };
    };
    log(`${engine} (o): authorization codes (got through each provider's authorization flow by ${LOAD.oidcCodeWorkers} browsers, then redeemed over ${LOAD.oidcToken} connections) — bare provider, Gatehouse, bare again`);
    const codeBare = await codeRun(bare.base, 'bare oidc-provider', bareJar);
    const codeGatehouse = await codeRun(x.base, 'Gatehouse', gatehouseJar);
    const codeBareAfter = await codeRun(bare.base, 'bare oidc-provider', bareJar);
    const codeReference = (codeBare.perSecond + codeBareAfter.perSecond) / 2;
    const codeRatio = codeGatehouse.perSecond / codeReference;
    const target = 0.7;
    return {
      connections: LOAD.oidcToken,
      shapes,
      clientCredentials: { gatehouse: ccGatehouse, bare: ccBare, bareAfter: ccBareAfter, gatehousePerSecond: perS(ccGatehouse), bareReference: ccReference, ratio: ccRatio, target, result: pass(ccRatio >= target && clean(ccGatehouse)) },
      codes: { gatehouse: codeGatehouse, bare: codeBare, bareAfter: codeBareAfter, bareReference: codeReference, ratio: codeRatio, target, result: pass(codeRatio >= target && clean(codeGatehouse.run)) },
    };
  } finally {
    await bare.stop();
    await json(`${x.base}/api/v1/admin/oidc-clients/${clientId}`, { method: 'DELETE', headers: { authorization: adminHeaders.authorization } }).catch(() => {});
  }
}

function oidcNoise(r: NonNullable<EngineReport['o']>): number {
  const runs = [r.clientCredentials.gatehouse, r.clientCredentials.bare, r.clientCredentials.bareAfter, r.codes.gatehouse.run, r.codes.bare.run, r.codes.bareAfter.run];
  return Math.max(...runs.map((m) => m.cpu.otherCores ?? 0));
}

/** (o)'s reference: a bare oidc-provider with the client the bench registered on Gatehouse */
async function startOidcBare(cmd: ServerCommand, o: { clientId: string; secret: string; resource: string }): Promise<{ base: string; pid: number | undefined; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = startChild('bare oidc-provider', cmd.nodeArgs, join(benchDir, 'oidc-bare-server.mjs'), {
    ...baseEnv(),
    PORT: String(port),
    JWT_ALG: OIDC.jwtAlg,
    RESOURCE: o.resource,
    TOKEN_AUDIENCE: OIDC.audience,
    ACCESS_TOKEN_TTL: OIDC.accessTokenTtl,
    PERMISSIONS: OIDC.permissions.join(' '),
    CLIENT_ID: o.clientId,
    CLIENT_SECRET: o.secret,
    REDIRECT_URI: OIDC.redirectUri,
    COOKIE_KEY: randomBytes(32).toString('base64url'),
  }, rootDir);
  const base = `http://127.0.0.1:${port}`;
  await waitReady(child, `${base}/health/ready`);
  return { base, pid: child.proc.pid, stop: () => child.stop() };
}

/**
 * (s) One Gatehouse instance against three on the same PostgreSQL database, Redis prefix and
 * SECRETS_KEY (each at its defaults: HASH_CONCURRENCY = CPU cores), loaded with the same total
 * connections. No proxy: autocannon spreads the connections over the three ports round-robin
 * (connection i → instance i mod 3), so nginx's CPU is not in the figures; the load generator
 * still runs on the same 2 cores.
 */
async function scenarioS(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['s']>> {
  if (!x.instance) throw new Error('(s) needs PostgreSQL');
  const conns = { me: LOAD.scaleMe, login: LOAD.scaleLogin };
  const run = async (label: string, bases: string[], pids: Record<string, number | undefined>) => {
    log(`${engine} (s): ${label}: GET /me, ${conns.me} connections, then POST /login, ${conns.login} connections (${WARMUP_S} s warm-up + ${DURATION_S} s each)`);
    const me = await measure({ title: `GET /me ×${bases.length}`, url: bases.map((b) => `${b}/api/v1/auth/me`), headers: x.meHeaders, connections: conns.me }, pids, x.backends);
    const login = await measure({ title: `POST /login ×${bases.length}`, url: bases.map((b) => `${b}/api/v1/auth/login`), method: 'POST', headers: x.jsonHeaders, body: x.loginBody, connections: conns.login, timeoutS: 30 }, pids, x.backends);
    return { me, mePerSecond: me.ok2xx / me.durationS, login, loginsPerSecond: login.ok2xx / login.durationS };
  };
  const one = await run('1 instance', [x.base], { g1: x.serverPid });
  log(`${engine} (s): starting instances 2 and 3 on the same database and Redis`);
  const extra = [await x.instance('instance-2'), await x.instance('instance-3')];
  try {
    for (const inst of extra) {
      const me = await json(`${inst.base}/api/v1/auth/me`, { headers: x.meHeaders });
      if (me.status !== 200) throw new Error(`(s) the token issued by instance 1 was refused by ${inst.base}: ${me.status}`);
    }
    const three = await run('3 instances', [x.base, ...extra.map((i) => i.base)], { g1: x.serverPid, g2: extra[0]!.pid, g3: extra[1]!.pid });
    return {
      spread: 'autocannon, connections round-robin over the three ports (no proxy)',
      connections: conns,
      one,
      three,
      meScale: three.mePerSecond / one.mePerSecond,
      loginScale: three.loginsPerSecond / one.loginsPerSecond,
    };
  } finally {
    for (const inst of extra) await inst.stop();
  }
}

/**
 * (w) Webhooks. An endpoint subscribed to user.created on a local HTTPS receiver (this process,
 * answering 204). First `WEBHOOK_EVENTS` sign-ups sent on a `WEBHOOK_RATE`/s schedule (open
 * loop, at most `LOAD.webhookPaced` in flight: the pace holds while the server keeps up, and the
 * hash queue never overflows when it does not; the events' own timestamps tell the rate
 * achieved): each delivery's latency runs from the event's timestamp (set in the transaction that
 * commits the sign-up and queues the delivery) to the moment the receiver got the request. Then
 * as many profile updates at the same pace (user.updated, the endpoint subscribed to it too): the
 * latency target at its rate when the host cannot hash that many passwords per second. Then sign-ups/s in a closed loop: no endpoint, the endpoint
 * subscribed (its deliveries flowing meanwhile, then the backlog drained), the endpoint disabled
 * (no deliveries queued) — the ceiling is the mean of the two runs without, around the one with.
 */
async function scenarioW(engine: EngineName, x: ScenarioContext): Promise<NonNullable<EngineReport['w']>> {
  if (!x.webhookTls) throw new Error('(w) needs the receiver certificate');
  const admin = await json(`${x.base}/api/v1/auth/login`, { method: 'POST', headers: x.jsonHeaders, body: JSON.stringify({ login: ADMIN_EMAIL, password: PASSWORD }) });
  if (admin.status !== 200) throw new Error(`(w) admin login: ${admin.status} ${JSON.stringify(admin.body)}`);
  const adminHeaders = { ...x.jsonHeaders, authorization: `Bearer ${admin.body.access_token as string}` };
  const receiver = await BenchWebhookReceiver.start(x.webhookTls);
  const g = { gatehouse: x.serverPid };
  const signUps = (title: string): Omit<LoadOptions, 'durationS'> => ({
    title,
    url: `${x.base}/api/v1/auth/register`,
    method: 'POST',
    headers: x.jsonHeaders,
    bodyFn: () => JSON.stringify({ email: uniqueEmail('w'), password: PASSWORD }),
    connections: LOAD.login,
    timeoutS: 30,
  });
  /** what the receiver got of a paced phase since its reset: `expected` events answered 2xx, the last sent at `sentAt` */
  const deliveryOf = (expected: number, sentAt: number) => ({
    delivered: receiver.firsts.size,
    expected,
    duplicates: receiver.duplicates,
    unverified: receiver.unverified,
    achievedRate: receiver.eventRate(),
    lastAfterLoadS: (receiver.lastReceipt() - sentAt) / 1000,
  });
  const targets = { p99Ms: 2000, keep: 0.9 };
  /**
   * One paced phase: `WEBHOOK_EVENTS` requests on a `WEBHOOK_RATE`/s schedule, each making one event
   * the endpoint is subscribed to, then the deliveries drained. `queuedBefore`: the endpoint's
   * deliveries queued by the earlier phases. Complete when every request was answered 2xx and each
   * event was delivered once and verified; a pace the server could not hold says nothing about the
   * target's (INVALID).
   */
  const pacedPhase = async (load: Pick<OpenLoopOptions, 'url' | 'method' | 'bodyFn' | 'headersFn'>, queuedBefore: number) => {
    receiver.reset();
    const meter = new CpuMeter(g, { postgres: await x.backends() });
    const run = await openLoop({ ...load, headers: x.jsonHeaders, rate: WEBHOOK_RATE, durationS: WEBHOOK_EVENTS / WEBHOOK_RATE, maxSockets: LOAD.webhookPaced, timeoutMs: 60_000 });
    const paced = { ...run, cpu: meter.read() };
    const sentAt = Date.now();
    const queue = await drained(60_000);
    const latencyMs = receiver.latency();
    const delivery = deliveryOf(paced.ok2xx, sentAt);
    log(`${engine} (w): delivered ${delivery.delivered}/${delivery.expected}, p50 ${latencyMs.p50} ms, p99 ${latencyMs.p99} ms, ${delivery.achievedRate.toFixed(1)} events/s`);
    const arrived = queue.delivered === queue.total && queue.total - queuedBefore === paced.ok2xx && receiver.firsts.size === paced.ok2xx;
    const complete = arrived && delivery.unverified === 0 && clean(paced);
    const latencyResult: Verdict = !complete ? 'FAIL' : delivery.achievedRate >= 0.95 * WEBHOOK_RATE ? pass(latencyMs.p99 < targets.p99Ms) : 'INVALID';
    return { paced, delivery, latencyMs, latencyResult, queued: queue.total };
  };
  let endpointId: string | null = null;
  /** the endpoint's deliveries by status, read through the admin API (every page) */
  const deliveryCounts = async (): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    let cursor: string | null = null;
    do {
      const page = await json(`${x.base}/api/v1/admin/webhooks/${endpointId}/deliveries?limit=100${cursor ? `&cursor=${cursor}` : ''}`, { headers: { authorization: adminHeaders.authorization } });
      if (page.status !== 200) throw new Error(`(w) listing deliveries: ${page.status}`);
      for (const d of page.body.items as { status: string }[]) counts[d.status] = (counts[d.status] ?? 0) + 1;
      cursor = page.body.next_cursor as string | null;
    } while (cursor);
    return counts;
  };
  /** waits until every queued delivery is delivered (or the deadline); the counts at the end */
  const drained = async (timeoutMs: number): Promise<{ total: number; delivered: number }> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // quiet for a second first: no page reads while deliveries still pour in
      const seen = receiver.firsts.size;
      await sleep(1000);
      if (receiver.firsts.size !== seen && Date.now() < deadline) continue;
      const counts = await deliveryCounts();
      const total = Object.values(counts).reduce((t, n) => t + n, 0);
      const delivered = counts.delivered ?? 0;
      if (delivered === total || Date.now() >= deadline) return { total, delivered };
    }
  };
  try {
    log(`${engine} (w): sign-ups with no endpoint, ${LOAD.login} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s`);
    const without = await measure(signUps('POST /register, no endpoint'), g, x.backends);
    // the load generator abandons the sign-ups in flight when it stops, but the server still
    // commits them: one more sign-up, answered after them (the hash queue is first in, first
    // out), keeps them out of the paced phase's events
    const flush = await json(`${x.base}/api/v1/auth/register`, { method: 'POST', headers: x.jsonHeaders, body: JSON.stringify({ email: uniqueEmail('w'), password: PASSWORD }) });
    if (flush.status !== 201) throw new Error(`(w) sign-up: ${flush.status} ${JSON.stringify(flush.body)}`);
    await sleep(500);

    // the users whose profile updates make the second paced phase's events, signed in now (their
    // sign-ups queue nothing: no endpoint yet)
    const updaters: string[] = [];
    for (let i = 0; i < UPDATERS; i++) {
      const email = uniqueEmail('w-updater');
      const signUp = await json(`${x.base}/api/v1/auth/register`, { method: 'POST', headers: x.jsonHeaders, body: JSON.stringify({ email, password: PASSWORD }) });
      if (signUp.status !== 201) throw new Error(`(w) sign-up: ${signUp.status} ${JSON.stringify(signUp.body)}`);
      const signIn = await json(`${x.base}/api/v1/auth/login`, { method: 'POST', headers: x.jsonHeaders, body: JSON.stringify({ login: email, password: PASSWORD }) });
      if (signIn.status !== 200) throw new Error(`(w) sign-in: ${signIn.status} ${JSON.stringify(signIn.body)}`);
      updaters.push(signIn.body.access_token as string);
    }

    const created = await json(`${x.base}/api/v1/admin/webhooks`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ url: receiver.url, events: ['user.created', 'user.updated'], description: 'bench (w)' }) });
    if (created.status !== 201) throw new Error(`(w) creating the endpoint: ${created.status} ${JSON.stringify(created.body)}`);
    endpointId = created.body.id as string;
    receiver.secret = created.body.secret as string;

    log(`${engine} (w): ${WEBHOOK_EVENTS} sign-ups at ${WEBHOOK_RATE}/s (${LOAD.webhookPaced} connections), each delivered to ${receiver.url}`);
    const signUpsPaced = await pacedPhase({ url: `${x.base}/api/v1/auth/register`, bodyFn: () => JSON.stringify({ email: uniqueEmail('w'), password: PASSWORD }) }, 0);

    log(`${engine} (w): ${WEBHOOK_EVENTS} profile updates at ${WEBHOOK_RATE}/s by ${UPDATERS} signed-in users (${LOAD.webhookPaced} connections), each delivered as user.updated`);
    let nth = 0;
    const updates = await pacedPhase(
      {
        url: `${x.base}/api/v1/auth/me`,
        method: 'PATCH',
        bodyFn: () => JSON.stringify({ name: `bench update ${++nth}` }),
        headersFn: () => ({ authorization: `Bearer ${updaters[nth % UPDATERS]}` }),
      },
      signUpsPaced.queued,
    );

    log(`${engine} (w): sign-ups with the endpoint subscribed, ${LOAD.login} connections, ${WARMUP_S} s warm-up + ${DURATION_S} s`);
    receiver.reset();
    const withEndpoint = await measure(signUps('POST /register, endpoint subscribed'), g, x.backends);
    const loadEnd = Date.now();
    // every delivery queued during that run (warm-up included; a sign-up the load generator
    // abandoned at the end of a phase still commits): the endpoint's rows minus the paced ones
    const queue = await drained(120_000);
    const backlog = { expected: queue.total - updates.queued, delivered: receiver.firsts.size, drainS: Math.max(0, (receiver.lastReceipt() - loadEnd) / 1000), unverified: receiver.unverified };

    const off = await json(`${x.base}/api/v1/admin/webhooks/${endpointId}`, { method: 'PATCH', headers: adminHeaders, body: JSON.stringify({ enabled: false }) });
    if (off.status !== 200) throw new Error(`(w) disabling the endpoint: ${off.status}`);
    log(`${engine} (w): sign-ups with the endpoint disabled (nothing queued), same load`);
    const withoutAfter = await measure(signUps('POST /register, endpoint disabled'), g, x.backends);

    const perS = (m: Measured) => m.ok2xx / m.durationS;
    const withoutReference = (perS(without) + perS(withoutAfter)) / 2;
    const ratio = perS(withEndpoint) / withoutReference;
    return {
      events: WEBHOOK_EVENTS,
      rate: WEBHOOK_RATE,
      connections: LOAD.webhookPaced,
      receiver: 'node:https in the bench process, 204, self-signed P-256 certificate (NODE_EXTRA_CA_CERTS), WEBHOOK_ALLOW_PRIVATE=true',
      paced: signUpsPaced.paced,
      pacedDelivery: signUpsPaced.delivery,
      latencyMs: signUpsPaced.latencyMs,
      targets,
      latencyResult: signUpsPaced.latencyResult,
      updates: { paced: updates.paced, delivery: updates.delivery, latencyMs: updates.latencyMs, latencyResult: updates.latencyResult },
      without,
      withEndpoint,
      withoutAfter,
      withoutReference,
      withPerSecond: perS(withEndpoint),
      ratio,
      backlog,
      throughputResult: pass(ratio >= targets.keep && clean(withEndpoint) && backlog.delivered >= backlog.expected),
    };
  } finally {
    if (endpointId) await json(`${x.base}/api/v1/admin/webhooks/${endpointId}`, { method: 'DELETE', headers: { authorization: adminHeaders.authorization } }).catch(() => {});
    await receiver.stop();
  }
}

async function runEngine(engine: EngineName, cmd: ServerCommand, reserveS: number): Promise<EngineReport> {
  const tmp = mkdtempSync(join(tmpdir(), 'gh-bench-'));
  onCleanup(`remove ${tmp}`, () => rmSync(tmp, { recursive: true, force: true }));
  const e = await engineEnv(engine, tmp);
  // (w): the receiver's certificate (trusted by the child), loopback allowed, an admin to subscribe it
  const webhookTls = only.has('w') ? makeReceiverTls(tmp) : undefined;
  const webhookEnv: NodeJS.ProcessEnv = webhookTls ? { NODE_EXTRA_CA_CERTS: webhookTls.certFile, ...WEBHOOK_SETTINGS } : {};
  // (w) subscribes its endpoint, (o) registers its client, as this admin
  const adminEnv: NodeJS.ProcessEnv = only.has('w') || only.has('o') ? { ADMIN_EMAIL, ADMIN_PASSWORD: PASSWORD } : {};
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...baseEnv(),
    // the default a user runs: LOG_LEVEL=info, with its access log line per request
    LOG_LEVEL: 'info',
    ...e.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    COOKIE_SECURE: 'false',
    SECRETS_KEY: randomBytes(32).toString('base64'),
    ...ARGON2_ENV,
    ...RATE_LIMITS,
    ...webhookEnv,
    ...adminEnv,
    ...serverEnv,
  };
  log(`${engine}: starting Gatehouse (${cmd.note}) on ${base} — ${e.describe}`);
  // its log (LOG_LEVEL=info by default: a line per request) goes to a file, as in a deployment
  const server = startChild(`Gatehouse (${engine})`, [...cmd.nodeArgs, ...serverArgs], cmd.script, env, tmp, serverLog ?? join(tmp, 'gatehouse.log'));
  // a fresh embedded database migrates at start: on a loaded shared host that took over a minute
  const readyMs = await waitReady(server, `${base}/health/ready`, 180_000);
  log(`${engine}: ready in ${Math.round(readyMs)} ms`);

  const jsonHeaders = { 'content-type': 'application/json' };
  const reg = await json(`${base}/api/v1/auth/register`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ email: EMAIL, password: PASSWORD }) });
  if (reg.status !== 201) throw new Error(`register: ${reg.status} ${JSON.stringify(reg.body)}`);
  const loginBody = JSON.stringify({ login: EMAIL, password: PASSWORD });
  const login = await json(`${base}/api/v1/auth/login`, { method: 'POST', headers: jsonHeaders, body: loginBody });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${JSON.stringify(login.body)}`);
  const token = login.body.access_token as string;
  const meHeaders = { authorization: `Bearer ${token}` };
  const me = await json(`${base}/api/v1/auth/me`, { headers: meHeaders });
  if (me.status !== 200) throw new Error(`/me: ${me.status} ${JSON.stringify(me.body)}`);

  const report: EngineReport = { engine, describe: e.describe, server: cmd.note, readyMs: Math.round(readyMs) };
  const serverPid = server.proc.pid;

  const ctx: ScenarioContext = { base, serverPid, meHeaders, loginBody, jsonHeaders, backends: e.backends, cmd, ...(webhookTls ? { webhookTls } : {}) };
  if (engine === 'postgres') {
    ctx.quietTwin = async () => {
      const twinPort = await freePort();
      const twinBase = `http://127.0.0.1:${twinPort}`;
      const twin = startChild('Gatehouse (LOG_LEVEL=warn)', [...cmd.nodeArgs, ...serverArgs], cmd.script, { ...env, PORT: String(twinPort), LOG_LEVEL: 'warn' }, tmp, join(tmp, 'gatehouse-warn.log'));
      await waitReady(twin, `${twinBase}/health/ready`);
      return { base: twinBase, pid: twin.proc.pid, stop: () => twin.stop() };
    };
    ctx.betterAuth = (options) => startBetterAuth(tmp, options);
    ctx.instance = async (label) => {
      const instancePort = await freePort();
      const instanceBase = `http://127.0.0.1:${instancePort}`;
      const child = startChild(`Gatehouse (${label})`, [...cmd.nodeArgs, ...serverArgs], cmd.script, { ...env, PORT: String(instancePort) }, tmp, join(tmp, `gatehouse-${label}.log`));
      await waitReady(child, `${instanceBase}/health/ready`);
      return { base: instanceBase, pid: child.proc.pid, stop: () => child.stop() };
    };
  }
  // a fresh access token for every scenario (and every attempt): ACCESS_TOKEN_TTL is 15 minutes and a
  // run on a busy machine lasts longer than that (an expired token turned (s) into 401s)
  const fresh = <T>(run: (x: ScenarioContext) => Promise<T>) => async () => {
    const again = await json(`${base}/api/v1/auth/login`, { method: 'POST', headers: jsonHeaders, body: loginBody });
    if (again.status !== 200) throw new Error(`login: ${again.status} ${JSON.stringify(again.body)}`);
    ctx.meHeaders = { authorization: `Bearer ${again.body.access_token as string}` };
    return run(ctx);
  };
  if (only.has('a')) report.a = await attempt(report, 'a', 45, reserveS, fresh((x) => scenarioA(engine, x)), (r) => Math.max(r.bare.cpu.otherCores ?? 0, r.me.cpu.otherCores ?? 0, r.meAgain?.cpu.otherCores ?? 0, r.bareAfter?.cpu.otherCores ?? 0));
  if (only.has('b')) report.b = await attempt(report, 'b', 62, reserveS, fresh((x) => scenarioB(engine, x)), (r) => Math.max(r.login.cpu.otherCores ?? 0, r.raw.otherCores ?? 0));
  if (only.has('c')) report.c = await attempt(report, 'c', 20, reserveS, fresh((x) => scenarioC(engine, x)), (r) => r.me.cpu.otherCores ?? 0);
  if (only.has('d')) report.d = await attempt(report, 'd', 15, reserveS, fresh((x) => scenarioD(engine, x)), (r) => r.me.cpu.otherCores ?? 0);
  if (only.has('o')) report.o = await attempt(report, 'o', O_ESTIMATE_S, reserveS, fresh((x) => scenarioO(engine, x)), oidcNoise);
  if (engine === 'postgres' && only.has('p')) report.p = await attempt(report, 'p', P_ESTIMATE_S, reserveS, fresh((x) => scenarioP(engine, x)), peerNoise);
  if (only.has('w')) report.w = await attempt(report, 'w', W_ESTIMATE_S, reserveS, fresh((x) => scenarioW(engine, x)), (r) => Math.max(...[r.without, r.withEndpoint, r.withoutAfter, r.paced].map((m) => m.cpu.otherCores ?? 0)));
  if (engine === 'postgres' && only.has('s')) report.s = await attempt(report, 's', S_ESTIMATE_S, reserveS, fresh((x) => scenarioS(engine, x)), (r) => Math.max(...[r.one.me, r.one.login, r.three.me, r.three.login].map((m) => m.cpu.otherCores ?? 0)));

  await server.stop();
  await e.teardown();
  return report;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  installExitHandlers();
  const t0 = performance.now();
  const engines: EngineName[] = [];
  const notes: string[] = [];
  if (engineArg === 'embedded') engines.push('embedded');
  else {
    const problem = await postgresReachable();
    if (problem) {
      if (engineArg !== 'auto') throw new Error(`--engine=${engineArg} needs PostgreSQL and Redis: ${problem}`);
      notes.push(`PostgreSQL+Redis not reachable (${problem}); embedded engine only.`);
      log(notes.at(-1)!);
    } else engines.push('postgres');
    if (engineArg === 'auto' || engineArg === 'both') engines.push('embedded');
  }

  const cmd = serverCommand();
  const startedAt = new Date().toISOString();
  const cpuList = cpus();
  const run: RunReport = {
    date: startedAt,
    machine: {
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      cpuCount: cpuList.length,
      availableParallelism: availableParallelism(),
      totalMemoryGiB: round(totalmem() / 2 ** 30, 1),
      os: `${osType()} ${release()}`,
      node: process.version,
      loadAverageAtStart: loadavg().map((l) => round(l, 2)),
    },
    git: gitInfo(),
    server: cmd.note,
    settings: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'info (the default; the access log goes to a file)',
      COOKIE_SECURE: 'false',
      ...RATE_LIMITS,
      HASH_CONCURRENCY: serverEnv.HASH_CONCURRENCY ?? `${HASH_CONCURRENCY} (unset = CPU cores)`,
      HASH_QUEUE_MAX: String(HASH_QUEUE_MAX),
      UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '4 (Node default)',
      ...(only.has('w') ? WEBHOOK_SETTINGS : {}),
      ...(only.has('o') ? { JWT_ALG: OIDC.jwtAlg } : {}),
      ...serverEnv,
    },
    argon2: ARGON2,
    hashConcurrency: HASH_CONCURRENCY,
    hashQueueMax: HASH_QUEUE_MAX,
    load: { warmupS: WARMUP_S, durationS: DURATION_S, ...LOAD, webhookEvents: WEBHOOK_EVENTS, webhookRate: WEBHOOK_RATE, stormCheckTimeoutS: STORM_CHECK_TIMEOUT_MS / 1000, autocannon: (JSON.parse(readFileSync(join(rootDir, 'node_modules/autocannon/package.json'), 'utf8')) as { version: string }).version },
    engines: [],
    betterAuthVersion: (JSON.parse(readFileSync(join(rootDir, 'node_modules/better-auth/package.json'), 'utf8')) as { version: string }).version,
    notes,
    totalSeconds: 0,
  };

  // time kept for the engines still to run when deciding whether a noisy scenario can be repeated
  for (const [i, engine] of engines.entries()) run.engines.push(await runEngine(engine, cmd, (engines.length - 1 - i) * 80));
  run.totalSeconds = Math.round((performance.now() - t0) / 1000);
  printSummary(run);
  writeFileSync(join(benchDir, '.last-run.json'), JSON.stringify(run, null, 2) + '\n');
  if (COMPLETE_RUN) {
    writeResults(join(benchDir, 'RESULTS.md'), run);
    log(`wrote bench/RESULTS.md and bench/.last-run.json (${run.totalSeconds} s)`);
  } else log(`--only or --duration under 10 s: wrote bench/.last-run.json only (${run.totalSeconds} s)`);
}

main()
  .then(() => cleanupAll())
  .then(() => process.exit(0))
  .catch(async (error: unknown) => {
    console.error('bench failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    await cleanupAll();
    process.exit(1);
  });
