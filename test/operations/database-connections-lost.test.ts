/**
 * Guards against a lost PostgreSQL connection killing the process: connections terminated under
 * load (a restart, a failover, an operator's pg_terminate_backend) are answered 503 server_busy
 * with Retry-After, never a 500 or a dropped connection; nothing answered 2xx is lost; and the
 * instance answers normally again soon after. The compiled server runs as a process over this
 * file's own database, and only that database's connections are terminated (other files' tests
 * share the PostgreSQL server). Runs in the PostgreSQL pass.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { isConnectionFailure } from '../../src/db/sql-errors.js';
import { PASSWORD } from '../helpers/factories.js';
import { createInstallation, usingPostgres, type Installation, type RunningServer } from '../helpers/installation.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  what: string;
  status: number;
  retryAfter: string | null;
  code: string | null;
  error: string | null;
}

/** a JSON POST whose outcome is recorded, a dropped connection included (status 0) */
async function call(base: string, path: string, body: unknown): Promise<Answer & { body: Record<string, unknown> | null }> {
  try {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(30_000) });
    const text = await res.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = null;
    }
    return { what: path, status: res.status, retryAfter: res.headers.get('retry-after'), code: typeof parsed?.code === 'string' ? parsed.code : null, error: null, body: parsed };
  } catch (error) {
    return { what: path, status: 0, retryAfter: null, code: null, error: String((error as Error).cause ?? error), body: null };
  }
}

/** the server's settings here: every client is 127.0.0.1, so no per-IP limit; a small pool */
const SERVER_ENV = {
  PASSWORD_MIN_SCORE: '0',
  RATE_LIMIT_LOGIN_IP: 'off',
  RATE_LIMIT_LOGIN_ID: 'off',
  RATE_LIMIT_REGISTER_IP: 'off',
  RATE_LIMIT_API_IP: 'off',
  DATABASE_POOL_MAX: '4',
};

const ok = (a: Answer) => a.status >= 200 && a.status < 300;

/**
 * Eight clients register and sign in (with accounts registered before) until told to stop;
 * `disrupt` runs meanwhile (it is handed the answers so far). Then the load goes on until eight
 * answers in a row, all after the disruption, are 2xx (or a deadline passes). The process must
 * have survived, every answer been 2xx or 503 server_busy with Retry-After, and every
 * registration that answered 201 sign in afterwards.
 */
async function underLoad(t: TestContext, server: RunningServer, disrupt: (answers: readonly Answer[]) => Promise<string>): Promise<void> {
  const answers: Answer[] = [];
  const registered: string[] = [];
  let stop = false;
  const client = async (n: number) => {
    for (let i = 0; !stop; i++) {
      const email = `load-${n}-${i}-${randomBytes(3).toString('hex')}@example.com`;
      const reg = await call(server.base, '/api/v1/auth/register', { email, password: PASSWORD });
      answers.push(reg);
      if (reg.status === 201) registered.push(email);
      if (!ok(reg)) await sleep(50);
      const known = registered[Math.floor(Math.random() * registered.length)];
      if (known) answers.push(await call(server.base, '/api/v1/auth/login', { login: known, password: PASSWORD }));
    }
  };
  const clients = Array.from({ length: 8 }, (_, n) => client(n));
  let what = '';
  let failed: { error: unknown } | null = null;
  try {
    what = await disrupt(answers);
  } catch (error) {
    failed = { error };
  }
  const lastCut = answers.length;
  const cutAt = Date.now();
  const recovered = cutAt + 30_000;
  let back = false;
  while (!failed && !back && Date.now() < recovered && server.alive()) {
    await sleep(100);
    const recent = answers.slice(Math.max(lastCut, answers.length - 8));
    back = recent.length >= 8 && recent.every(ok);
  }
  stop = true;
  await Promise.all(clients);
  const by = answers.reduce((m: Record<number, number>, a) => ((m[a.status] = (m[a.status] ?? 0) + 1), m), {});
  t.diagnostic(`${what}; answers by status: ${JSON.stringify(by)}; ${back ? `eight 2xx in a row ${Date.now() - cutAt} ms after the database was back` : 'not back'}`);
  assert.ok(server.alive(), `the process is still running:\n${server.output().slice(-4000)}`);
  if (failed) throw failed.error;
  const bad = answers.filter((a) => !(ok(a) || (a.status === 503 && a.retryAfter && a.code === 'server_busy')));
  assert.deepEqual(bad, [], `every answer is 2xx or 503 server_busy with Retry-After (of ${answers.length})`);
  assert.ok(back, 'requests succeed again once the database is back');

  // every registration that was acknowledged is in the database
  assert.ok(registered.length > 0);
  for (const email of registered) {
    const login = await call(server.base, '/api/v1/auth/login', { login: email, password: PASSWORD });
    assert.equal(login.status, 200, `${email} answered 201 and signs in: ${JSON.stringify(login.body)}`);
  }
  assert.equal((await fetch(`${server.base}/health/ready`)).status, 200);
  assert.doesNotMatch(server.output(), new RegExp(PASSWORD), 'no password in the log');
}

/** waits until `answers` has grown by `n` (or 60 s passed) */
async function moreAnswers(answers: readonly Answer[], n: number): Promise<void> {
  const want = answers.length + n;
  const deadline = Date.now() + 60_000;
  while (answers.length < want && Date.now() < deadline) await sleep(20);
}

/**
 * A TCP proxy to PostgreSQL that can go down (every connection through it cut, new ones refused,
 * as when the database restarts or fails over) and come back on the same port.
 */
class DatabaseProxy {
  readonly #sockets = new Set<Socket>();
  readonly #server: Server;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.#server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.once('close', () => this.#sockets.delete(s));
      }
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
  }

  async up(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    const closed = new Promise((resolve) => this.#server.close(resolve));
    for (const s of this.#sockets) s.resetAndDestroy();
    await closed;
  }
}

describe('PostgreSQL connections lost under load', { skip: usingPostgres ? false : 'needs PostgreSQL (TEST_DATABASE_URL)' }, () => {
  let inst: Installation;
  let admin: pg.Client;
  let proxy: DatabaseProxy | null = null;

  before(async () => {
    inst = await createInstallation();
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    admin.on('error', () => {});
    await admin.connect();
  });

  after(async () => {
    await admin?.end().catch(() => {});
    await inst?.remove();
    await proxy?.down().catch(() => {});
  });

  it('connections terminated (pg_terminate_backend): 2xx or 503 + Retry-After only, nothing acknowledged lost, the process survives and recovers', async (t) => {
    const server = await inst.startServer(SERVER_ENV);
    const database = new URL(inst.env.DATABASE_URL!).pathname.slice(1);
    await underLoad(t, server, async (answers) => {
      let terminated = 0;
      for (let round = 0; round < 6; round++) {
        await moreAnswers(answers, 6);
        // every connection to this file's database (only) but the admin's own, requests in flight
        const r = await admin.query<{ n: string }>(
          'select count(*) filter (where pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [database],
        );
        terminated += Number(r.rows[0]!.n);
        await sleep(150);
      }
      assert.ok(terminated >= 6, `connections were terminated (${terminated})`);
      return `${terminated} connections terminated`;
    });
    assert.equal(await server.stop(), 0);
  });

  it('the database gone for a while (connections cut, new ones refused), then back: 503 + Retry-After meanwhile, /health/ready says so, then it recovers', async (t) => {
    const target = new URL(inst.env.DATABASE_URL!);
    proxy = new DatabaseProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.up();
    const through = new URL(target);
    through.hostname = '127.0.0.1';
    through.port = String(proxy.port);
    const server = await inst.startServer({ ...SERVER_ENV, DATABASE_URL: through.toString() });
    await underLoad(t, server, async (answers) => {
      await moreAnswers(answers, 8);
      await proxy!.down();
      await moreAnswers(answers, 8);
      const ready = await fetch(`${server.base}/health/ready`);
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'unavailable', checks: { database: 'error' } });
      await proxy!.up();
      return 'database unreachable, then back';
    });
    assert.equal(await server.stop(), 0);
  });
});

describe('what counts as a lost database connection (answered 503, not 500)', () => {
  it('connection-class SQLSTATEs, server shutdown codes, socket errors and pg client messages', () => {
    for (const code of ['08000', '08003', '08006', '08001', '08P01', '57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE']) {
      assert.ok(isConnectionFailure(Object.assign(new Error('x'), { code })), code);
    }
    for (const message of ['Connection terminated unexpectedly', 'Connection terminated', 'Client has encountered a connection error and is not queryable', 'terminating connection due to administrator command']) {
      assert.ok(isConnectionFailure(new Error(message)), message);
    }
    assert.ok(isConnectionFailure(new Error('reading the session failed', { cause: Object.assign(new Error('x'), { code: '57P01' }) })), 'wrapped');
  });

  it('not a bad query or bad data', () => {
    for (const code of ['23505', '23503', '42P01', '22P02', '40001', '28P01']) {
      assert.equal(isConnectionFailure(Object.assign(new Error('x'), { code })), false, code);
    }
    assert.equal(isConnectionFailure(new Error('syntax error at or near "select"')), false);
    assert.equal(isConnectionFailure(null), false);
    assert.equal(isConnectionFailure(new Error('x', { cause: Object.assign(new Error('y'), { code: '23505' }) })), false);
  });
});
