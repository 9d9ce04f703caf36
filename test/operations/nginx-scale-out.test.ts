/**
 * Scale-out for real (#21, docs/operations.md): three compiled Gatehouse instances on this machine's
 * PostgreSQL and Redis behind Debian's nginx running the shipped site (deploy/nginx.conf: TLS,
 * upstream, X-Forwarded-For, body limit), driven by a bounded load of clients that register, sign
 * in, refresh and call /me through nginx, retrying once like any client would:
 * - a session revoked through nginx is refused by every instance within one second;
 * - one instance killed with SIGKILL mid-load: no account or session is lost, and no 5xx reaches
 *   the clients once nginx has noticed;
 * - a rolling restart (SIGTERM one instance at a time, start it again) loses no request;
 * - lockout and rate limits count across instances (round robin does not triple them);
 * - mail queued while SMTP is down is delivered exactly once when it comes back, whichever
 *   instance's worker picks it up (three workers race over one outbox).
 * Runs in the PostgreSQL + Redis pass (it needs `nginx` on the PATH; .ci/run installs it).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../helpers/factories.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { root, SERVER } from '../helpers/entry-points.js';
import { freePort } from '../helpers/installation.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { deleteKeysWithPrefix } from '../../src/cache/redis-store.js';

const redisUrl = process.env.TEST_REDIS_URL;
const hasNginx = spawnSync('nginx', ['-v']).status === 0;
const skip = !process.env.TEST_DATABASE_URL || !redisUrl ? 'needs TEST_DATABASE_URL and TEST_REDIS_URL' : !hasNginx ? 'needs nginx on the PATH (apt-get install nginx)' : false;

interface Instance {
  port: number;
  child: ChildProcess;
  output: string;
}

interface Answer {
  status: number;
  body: Record<string, unknown> | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('three instances behind nginx', { skip }, () => {
  let db: TestDatabase;
  let dir: string;
  let nginx: ChildProcess;
  let httpsPort: number;
  let httpPort: number;
  const instances: Instance[] = [];
  const prefix = `gh_nginx_${randomBytes(4).toString('hex')}:`;
  const agent = new Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
  let env: Record<string, string>;
  let smtp: SmtpSink;

  async function startInstance(port: number): Promise<Instance> {
    const child = spawn(process.execPath, [SERVER], { cwd: root, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const instance: Instance = { port, child, output: '' };
    child.stdout!.on('data', (d: Buffer) => (instance.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (instance.output += d.toString()));
    const deadline = Date.now() + 180_000; // generous: a loaded CI machine starts slowly
    while (!(await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.status === 200, () => false))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL'); // a start that failed leaves no process behind
        throw new Error(`instance on ${port} did not start:\n${instance.output}`);
      }
      await sleep(100);
    }
    return instance;
  }

  function stop(instance: Instance, signal: NodeJS.Signals): Promise<number | null> {
    if (instance.child.exitCode !== null || instance.child.signalCode !== null) return Promise.resolve(instance.child.exitCode);
    const exited = new Promise<number | null>((resolve) => instance.child.once('exit', (code) => resolve(code)));
    instance.child.kill(signal);
    return exited;
  }

  /** one HTTPS request through nginx */
  function call(method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
    return new Promise((resolve) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        { host: '127.0.0.1', port: httpsPort, path, method, agent, headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            let parsed: Record<string, unknown> | null = null;
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : null;
            } catch {
              parsed = null;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ status: 0, body: null }));
      req.end(payload);
    });
  }

  before(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-nginx-'));
    chmodSync(dir, 0o777);
    httpsPort = await freePort();
    httpPort = await freePort();
    smtp = await SmtpSink.start({ listening: false }); // SMTP is down until the mail test brings it up
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATABASE_URL: db.url!,
      REDIS_URL: redisUrl!,
      REDIS_KEY_PREFIX: prefix,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      PUBLIC_URL: `https://127.0.0.1:${httpsPort}`,
      TRUSTED_PROXIES: '127.0.0.1',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      PASSWORD_MIN_SCORE: '0',
      SHUTDOWN_DRAIN_SECONDS: '1',
      RATE_LIMIT_LOGIN_IP: 'off',
      RATE_LIMIT_LOGIN_ID: 'off',
      RATE_LIMIT_REGISTER_IP: 'off',
      RATE_LIMIT_REFRESH_IP: 'off',
      RATE_LIMIT_API_IP: 'off',
      // every client here is 127.0.0.1: the per-IP reset limit would be shared by all tests; the
      // per-address one (default 3/3600) is what the limits test checks across instances
      RATE_LIMIT_RESET_IP: 'off',
      SMTP_URL: smtp.url,
      MAIL_RETRY_MAX_SECONDS: '2',
    };
    // the first start migrates; the others start together on the migrated database
    instances.push(await startInstance(await freePort()));
    // allSettled, not all: when one start fails, the other (started, or still starting) must still
    // be in `instances` for after() to stop; with Promise.all it was left running and kept the
    // test worker alive after its last file (a child process and its pipes)
    const starts = await Promise.allSettled([freePort(), freePort()].map(async (p) => startInstance(await p)));
    for (const s of starts) if (s.status === 'fulfilled') instances.push(s.value);
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;

    // a self-signed certificate, and the shipped site with this run's ports, instances and files
    const tls = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { encoding: 'utf8' });
    assert.equal(tls.status, 0, tls.stderr);
    let site = readFileSync(join(root, 'deploy', 'nginx.conf'), 'utf8');
    site = site.replace(/upstream gatehouse \{[^}]*?keepalive/s, `upstream gatehouse {\n${instances.map((i) => `    server 127.0.0.1:${i.port} max_fails=1 fail_timeout=5s;`).join('\n')}\n    keepalive`);
    site = site.replace(/^\s*listen \[::\].*$/gm, '');
    // every client of this test is 127.0.0.1: the per-IP ceiling is raised so the load is not throttled
    assert.match(site, /rate=20r\/s/);
    site = site.replace('rate=20r/s', 'rate=5000r/s');
    site = site.replace('listen 80;', `listen 127.0.0.1:${httpPort};`).replace('listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
    site = site.replace('/etc/nginx/tls/gatehouse.crt', join(dir, 'tls.crt')).replace('/etc/nginx/tls/gatehouse.key', join(dir, 'tls.key'));
    assert.match(site, new RegExp(`server 127\\.0\\.0\\.1:${instances[2]!.port}`), 'the upstream was rewritten');
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `user root;\nworker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents { worker_connections 1024; }\n` +
        `http {\n  access_log off;\n  client_body_temp_path ${dir}/body;\n  proxy_temp_path ${dir}/proxy;\n  fastcgi_temp_path ${dir}/fastcgi;\n  uwsgi_temp_path ${dir}/uwsgi;\n  scgi_temp_path ${dir}/scgi;\n${site}\n}\n`,
    );
    const check = spawnSync('nginx', ['-t', '-c', conf, '-p', dir], { encoding: 'utf8' });
    assert.equal(check.status, 0, `nginx -t: ${check.stderr}`);
    nginx = spawn('nginx', ['-c', conf, '-p', dir], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while ((await call('GET', '/health/live')).status !== 200) {
      if (Date.now() > deadline) throw new Error(`nginx did not answer: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
      await sleep(100);
    }
  });

  after(async () => {
    agent.destroy();
    await Promise.all(instances.map((i) => stop(i, 'SIGKILL')));
    if (nginx && nginx.exitCode === null) {
      const gone = new Promise((r) => nginx.once('exit', r));
      nginx.kill('SIGQUIT');
      await gone;
    }
    await smtp?.down();
    await deleteKeysWithPrefix(redisUrl!, prefix).catch(() => {});
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the shipped site: http moves to https, the body limit is 413, the client IP is the peer address (X-Forwarded-For from nginx)', async () => {
    const plain = await fetch(`http://127.0.0.1:${httpPort}/health`, { redirect: 'manual' });
    assert.equal(plain.status, 308);
    assert.equal(plain.headers.get('location'), 'https://127.0.0.1/health');
    const big = await call('POST', '/api/v1/auth/login', { login: 'x'.repeat(70_000), password: 'y' });
    assert.equal(big.status, 413);
    const reg = await call('POST', '/api/v1/auth/register', { email: `ip-${randomBytes(4).toString('hex')}@example.com`, password: PASSWORD });
    assert.equal(reg.status, 201);
    const sessions = await call('GET', '/api/v1/auth/sessions', undefined, reg.body!.access_token as string);
    assert.equal((sessions.body!.items as { ip: string }[])[0]!.ip, '127.0.0.1', 'the address nginx saw, passed on and trusted');
    assert.equal((await call('GET', '/metrics')).status, 403, 'metrics are not exposed through the edge');
  });

  it('a session revoked through nginx is refused by every instance within one second', async () => {
    const reg = await call('POST', '/api/v1/auth/register', { email: `revoke-${randomBytes(4).toString('hex')}@example.com`, password: PASSWORD });
    assert.equal(reg.status, 201);
    const token = reg.body!.access_token as string;
    // every instance knows the session (and caches it)
    for (const i of instances) assert.equal((await fetch(`http://127.0.0.1:${i.port}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
    assert.equal((await call('POST', '/api/v1/auth/logout', undefined, token)).status, 204);
    const started = performance.now(); // monotonic: the wall clock can be stepped meanwhile
    for (const i of instances) {
      for (;;) {
        const status = (await fetch(`http://127.0.0.1:${i.port}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status;
        if (status === 401) break;
        assert.ok(performance.now() - started < 1200, `instance ${i.port} still accepts the revoked token`);
        await sleep(25);
      }
    }
  });

  it('lockout and the per-address reset limit count across instances: round robin does not triple them', async () => {
    const email = `limits-${randomBytes(4).toString('hex')}@example.com`;
    assert.equal((await call('POST', '/api/v1/auth/register', { email, password: PASSWORD })).status, 201);
    // LOCKOUT_THRESHOLD is 5: five wrong passwords, spread by nginx over three instances (two at most
    // on each), lock the account for everyone
    for (let n = 0; n < 5; n++) assert.equal((await call('POST', '/api/v1/auth/login', { login: email, password: 'wrong password' })).status, 401);
    for (let n = 0; n < 3; n++) {
      const locked = await call('POST', '/api/v1/auth/login', { login: email, password: PASSWORD });
      assert.equal(locked.status, 423, 'locked on every instance, the right password included');
      assert.equal(locked.body!.code, 'account_locked');
    }
    // RATE_LIMIT_RESET_ID is 3 per hour per address: of six requests in a row, exactly three pass
    const statuses: number[] = [];
    for (let n = 0; n < 6; n++) statuses.push((await call('POST', '/api/v1/auth/password-reset', { email })).status);
    assert.deepEqual(statuses, [202, 202, 202, 429, 429, 429]);
  });

  it('mail queued while SMTP is down is delivered exactly once when it comes back, whichever instance sends it', async () => {
    const emails = Array.from({ length: 9 }, (_, n) => `mail-${n}-${randomBytes(4).toString('hex')}@example.com`);
    // registered through nginx: the rows are written by all three instances
    for (const email of emails) assert.equal((await call('POST', '/api/v1/auth/register', { email, password: PASSWORD })).status, 201);
    await sleep(2500); // the workers try, fail and back off
    assert.equal(smtp.mails.length, 0, 'nothing delivered while SMTP is down');
    await smtp.up();
    for (const email of emails) await smtp.waitFor(email, /Verify your email/, 30_000);
    await sleep(3000); // time for a second copy to show up, if a message were sent twice
    for (const email of emails) assert.equal(smtp.to(email).filter((m) => /Verify your email/.test(m.subject)).length, 1, `exactly one verification mail to ${email}`);
    const ids = smtp.mails.map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length, 'no Message-ID arrived twice');
  });

  /**
   * Clients that register, sign in, refresh and call /me in a loop until `done()`, retrying a
   * failed step once (a 502/503 or a broken connection, as a client behind a balancer does).
   */
  async function load(clients: number, done: () => boolean) {
    const accounts: { email: string; refresh: string | null }[] = [];
    const failures: { step: string; status: number; at: number }[] = [];
    const raw5xx: number[] = [];
    const attempt = async (step: string, fn: () => Promise<Answer>, ok: (a: Answer) => boolean): Promise<Answer> => {
      let answer = await fn();
      if (answer.status >= 500 || answer.status === 0) {
        raw5xx.push(Date.now());
        await sleep(200);
        answer = await fn();
      }
      if (!ok(answer)) failures.push({ step, status: answer.status, at: Date.now() });
      return answer;
    };
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (!done()) {
          const email = `load-${randomBytes(6).toString('hex')}@example.com`;
          // a register retried after its first try reached a dying instance may find the account made: 409 is fine
          const reg = await attempt('register', () => call('POST', '/api/v1/auth/register', { email, password: PASSWORD }), (a) => a.status === 201 || a.status === 409);
          if (reg.status !== 201 && reg.status !== 409) continue;
          const account = { email, refresh: null as string | null };
          accounts.push(account);
          const signIn = await attempt('login', () => call('POST', '/api/v1/auth/login', { login: email, password: PASSWORD }), (a) => a.status === 200);
          if (signIn.status !== 200) continue;
          account.refresh = signIn.body!.refresh_token as string;
          const refreshed = await attempt('refresh', () => call('POST', '/api/v1/auth/refresh', { refresh_token: account.refresh }), (a) => a.status === 200);
          if (refreshed.status === 200) account.refresh = refreshed.body!.refresh_token as string;
          await attempt('me', () => call('GET', '/api/v1/auth/me', undefined, (refreshed.body ?? signIn.body)!.access_token as string), (a) => a.status === 200);
        }
      }),
    );
    return { accounts, failures, raw5xx };
  }

  /** every account the clients made signs in, and every session they hold still refreshes */
  async function nothingLost(accounts: { email: string; refresh: string | null }[]) {
    for (const a of accounts) {
      assert.equal((await call('POST', '/api/v1/auth/login', { login: a.email, password: PASSWORD })).status, 200, `account ${a.email} lost`);
      if (a.refresh) {
        const r = await call('POST', '/api/v1/auth/refresh', { refresh_token: a.refresh });
        assert.equal(r.status, 200, `session of ${a.email} lost (${r.status})`);
      }
    }
  }

  it('SIGKILL of one instance mid-load: no lost account or session, no 5xx once nginx has noticed', async () => {
    const stopAt = Date.now() + 6000;
    const running = load(6, () => Date.now() > stopAt);
    await sleep(2000);
    const killedAt = Date.now();
    await stop(instances[1]!, 'SIGKILL');
    const { accounts, failures, raw5xx } = await running;
    assert.ok(accounts.length > 20, `load ran (${accounts.length} accounts)`);
    assert.deepEqual(failures, [], 'every step succeeded (with at most one retry)');
    const late5xx = raw5xx.filter((t) => t > killedAt + 1000);
    assert.deepEqual(late5xx, [], 'no 5xx more than a second after the kill');
    await nothingLost(accounts);
    // back in service for the next test
    instances[1] = await startInstance(instances[1]!.port);
  });

  it('a rolling restart (SIGTERM one at a time, start again) loses no request', async (t) => {
    let restarting = true;
    const deadline = Date.now() + 120_000;
    const running = load(4, () => !restarting || Date.now() > deadline);
    const restart = (async () => {
      for (let n = 0; n < instances.length; n++) {
        const code = await stop(instances[n]!, 'SIGTERM');
        assert.equal(code, 0, `instance ${n} exits 0 on SIGTERM`);
        instances[n] = await startInstance(instances[n]!.port);
        await sleep(300);
      }
      restarting = false;
    })();
    await restart;
    // the load stops with the last restart (each client finishes its round)
    const { accounts, failures, raw5xx } = await running;
    assert.ok(accounts.length > 10, `load ran (${accounts.length} accounts)`);
    assert.deepEqual(failures, [], `every step succeeded (with at most one retry): ${JSON.stringify(failures.slice(0, 10))} (first tries that failed: ${raw5xx.length})`);
    // a first try can still meet the keep-alive race (nginx reuses an idle connection at the moment
    // the stopping instance closes it, and does not replay a POST it already sent); the client's
    // retry covers it and nothing is lost. Reported, not hidden.
    t.diagnostic(`first tries that failed during the rolling restart: ${raw5xx.length} (retried successfully)`);
    assert.ok(raw5xx.length <= 3, `at most a few first tries failed (${raw5xx.length})`);
    await nothingLost(accounts);
  });
});
