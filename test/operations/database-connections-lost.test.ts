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
import { after, before, describe, it } from 'node:test';
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

describe('PostgreSQL connections terminated under load', { skip: usingPostgres ? false : 'needs PostgreSQL (TEST_DATABASE_URL)' }, () => {
  let inst: Installation;
  let server: RunningServer;
  let admin: pg.Client;
  let database: string;

  before(async () => {
    inst = await createInstallation();
    database = new URL(inst.env.DATABASE_URL!).pathname.slice(1);
    server = await inst.startServer({
      PASSWORD_MIN_SCORE: '0',
      RATE_LIMIT_LOGIN_IP: 'off',
      RATE_LIMIT_LOGIN_ID: 'off',
      RATE_LIMIT_REGISTER_IP: 'off',
      RATE_LIMIT_API_IP: 'off',
      DATABASE_POOL_MAX: '4',
    });
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    admin.on('error', () => {});
    await admin.connect();
  });

  after(async () => {
    await admin?.end().catch(() => {});
    await inst?.remove();
  });

  /** terminates every connection to this file's database except the admin's own */
  async function terminate(): Promise<number> {
    const r = await admin.query<{ n: string }>(
      'select count(*) filter (where pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    return Number(r.rows[0]!.n);
  }

  it('answers 2xx or 503 + Retry-After throughout, loses nothing it acknowledged, survives and recovers', async (t) => {
    const answers: Answer[] = [];
    const registered: string[] = [];
    let stop = false;
    const client = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const email = `load-${n}-${i}-${randomBytes(3).toString('hex')}@example.com`;
        const reg = await call(server.base, '/api/v1/auth/register', { email, password: PASSWORD });
        answers.push(reg);
        if (reg.status === 201) registered.push(email);
        if (reg.status === 0) await sleep(50);
        const known = registered[Math.floor(Math.random() * registered.length)];
        if (known) answers.push(await call(server.base, '/api/v1/auth/login', { login: known, password: PASSWORD }));
      }
    };
    const clients = Array.from({ length: 8 }, (_, n) => client(n));

    // connections are cut while requests are in flight, several times
    let terminated = 0;
    const deadline = Date.now() + 60_000;
    for (let round = 0; round < 6; round++) {
      while (answers.length < (round + 1) * 6 && Date.now() < deadline) await sleep(20);
      terminated += await terminate();
      await sleep(150);
    }
    const lastCut = answers.length;
    // and then the service answers normally again
    const recovered = Date.now() + 30_000;
    let back = false;
    while (!back && Date.now() < recovered && server.alive()) {
      await sleep(100);
      const recent = answers.slice(Math.max(lastCut, answers.length - 8));
      back = recent.length >= 8 && recent.every((a) => a.status >= 200 && a.status < 300);
    }
    stop = true;
    await Promise.all(clients);

    const by = answers.reduce((m: Record<number, number>, a) => ((m[a.status] = (m[a.status] ?? 0) + 1), m), {});
    t.diagnostic(`${terminated} connections terminated; answers by status: ${JSON.stringify(by)}`);
    assert.ok(server.alive(), `the process is still running:\n${server.output().slice(-4000)}`);
    assert.ok(terminated >= 6, `connections were terminated (${terminated})`);
    const bad = answers.filter((a) => !((a.status >= 200 && a.status < 300) || (a.status === 503 && a.retryAfter && a.code === 'server_busy')));
    assert.deepEqual(bad, [], `every answer is 2xx or 503 server_busy with Retry-After (of ${answers.length})`);
    assert.ok(back, 'requests succeed again after the last termination');

    // every registration that was acknowledged is in the database
    assert.ok(registered.length > 0);
    for (const email of registered) {
      const login = await call(server.base, '/api/v1/auth/login', { login: email, password: PASSWORD });
      assert.equal(login.status, 200, `${email} answered 201 and signs in: ${JSON.stringify(login.body)}`);
    }
    const ready = await fetch(`${server.base}/health/ready`);
    assert.equal(ready.status, 200);
    assert.doesNotMatch(server.output(), new RegExp(PASSWORD), 'no password in the log');
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
