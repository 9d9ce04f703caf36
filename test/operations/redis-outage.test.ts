/**
 * Failure test: Redis goes away under a running instance, then comes back. Requests that need it
 * fail closed with 503 (never a 500, never an unchecked rate limit), /health/ready names Redis,
 * and the instance recovers by itself; its connections killed under load (CLIENT KILL, as at a
 * Redis restart or failover) cost at most a 503 + Retry-After, never a 500. Uses a private
 * redis-server on a free loopback port, so the shared Redis of other suites is never touched.
 * Runs in the real-services pass.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/cache/redis-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import { baseTestEnv } from '../helpers/build-test-app.js';
import { bearer, PASSWORD, register, uniqueEmail } from '../helpers/factories.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const enabled = Boolean(process.env.TEST_REDIS_URL);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Redis outage', { skip: enabled ? false : 'runs in the real-services pass (TEST_REDIS_URL)' }, () => {
  let redis: ChildProcess | null = null;
  let port: number;
  let app: FastifyInstance;
  let db: TestDatabase;
  let dataDir: string;
  const clientName = `gatehouse-outage-${randomBytes(4).toString('hex')}`;

  async function startRedis(): Promise<void> {
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'probe:' });
    await until(() => probe.ping().then(() => true, () => false), 10_000);
    await probe.close();
  }

  async function stopRedis(): Promise<void> {
    const r = redis;
    if (!r || r.exitCode !== null) return;
    const exited = new Promise((resolve) => r.once('exit', resolve));
    r.kill('SIGKILL');
    await exited;
  }

  before(async () => {
    port = await freePort();
    await startRedis();
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-outage-'));
    const config = loadConfig({
      ...baseTestEnv,
      DATA_DIR: dataDir,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      REDIS_URL: `redis://127.0.0.1:${port}`,
      RATE_LIMIT_LOGIN_IP: '1000/60',
      RATE_LIMIT_API_IP: '1000/60',
    });
    // named connections: the test below cuts exactly these (CLIENT LIST, then CLIENT KILL ID)
    app = await buildApp(config, { database: await db.open(), store: new RedisStore({ url: config.redisUrl!, keyPrefix: config.redisKeyPrefix, clientName }), logTo: false });
  });

  after(async () => {
    await app?.close();
    await stopRedis();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails closed with 503 while Redis is down, reports it, and recovers', async () => {
    const user = await register(app);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(user.accessToken) })).statusCode, 200);

    await stopRedis();
    const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: user.email, password: user.password } });
    assert.equal(login.statusCode, 503, login.body);
    assert.equal(login.json().code, 'server_busy');
    assert.ok(login.headers['retry-after']);
    assert.doesNotMatch(login.body, /at .*\.ts:\d+/, 'no stack trace');
    const me = await app.inject({ method: 'GET', url: '/api/v1/hello', headers: bearer(user.accessToken) });
    assert.equal(me.statusCode, 503, 'the API-wide rate limit cannot be checked: refused, not skipped');
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 503);
    assert.deepEqual(ready.json(), { status: 'unavailable', checks: { database: 'ok', redis: 'error' } });

    await startRedis();
    await until(async () => (await app.inject({ method: 'GET', url: '/health/ready' })).statusCode === 200, 15_000);
    const back = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: user.email, password: user.password } });
    assert.equal(back.statusCode, 200, back.body);
  });

  // guards against a Redis connection dropped under load (a Redis restart or failover, CLIENT KILL)
  // becoming a 500 or a crash: requests that need Redis answer 2xx or 503 + Retry-After, and the
  // store reconnects by itself
  it('connections killed under load: 2xx or 503 + Retry-After only, then it recovers', async (t) => {
    const admin = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
    admin.on('error', () => {});
    /** kills this app's connections only (the command one and the subscriber), found by name */
    const kill = async (): Promise<number> => {
      const list = (await admin.client('LIST')) as string;
      const ids = list
        .split('\n')
        .filter((line) => line.includes(`name=${clientName}`))
        .map((line) => /\bid=(\d+)/.exec(line)?.[1])
        .filter((id): id is string => Boolean(id));
      for (const id of ids) await admin.client('KILL', 'ID', id).catch(() => 0);
      return ids.length;
    };
    try {
      const users = await Promise.all(Array.from({ length: 3 }, () => register(app)));
      const answers: { what: string; status: number; retryAfter: unknown; code: unknown }[] = [];
      let stop = false;
      const record = (what: string, res: Awaited<ReturnType<typeof app.inject>>) => {
        let code: unknown = null;
        try {
          code = (res.json() as { code?: unknown }).code ?? null;
        } catch {
          code = null;
        }
        answers.push({ what, status: res.statusCode, retryAfter: res.headers['retry-after'], code });
      };
      const client = async (n: number) => {
        for (let i = 0; !stop; i++) {
          const user = users[(n + i) % users.length]!;
          record('login', await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: user.email, password: user.password } }));
          record('hello', await app.inject({ method: 'GET', url: '/api/v1/hello', headers: bearer(user.accessToken) }));
          record('register', await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('redis-cut'), password: PASSWORD } }));
        }
      };
      const clients = Array.from({ length: 6 }, (_, n) => client(n));
      let killed = 0;
      for (let round = 0; round < 5; round++) {
        const seen = answers.length;
        await until(async () => answers.length >= seen + 6, 30_000);
        killed += await kill();
      }
      const lastCut = answers.length;
      let back = false;
      const deadline = Date.now() + 20_000;
      while (!back && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const recent = answers.slice(Math.max(lastCut, answers.length - 9));
        back = recent.length >= 9 && recent.every((a) => a.status >= 200 && a.status < 300);
      }
      stop = true;
      await Promise.all(clients);
      const by = answers.reduce((m: Record<number, number>, a) => ((m[a.status] = (m[a.status] ?? 0) + 1), m), {});
      t.diagnostic(`${killed} connections killed; answers by status: ${JSON.stringify(by)}`);

      assert.ok(killed >= 5, `this app's named connections were found and killed (${killed})`);
      const bad = answers.filter((a) => !((a.status >= 200 && a.status < 300) || (a.status === 503 && a.retryAfter && a.code === 'server_busy')));
      assert.deepEqual(bad, [], `every answer is 2xx or 503 server_busy with Retry-After (of ${answers.length})`);
      assert.ok(back, 'requests succeed again once the connections are re-established');
      assert.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
    } finally {
      admin.disconnect();
    }
  });
});
