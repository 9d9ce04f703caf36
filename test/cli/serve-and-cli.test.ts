/**
 * The real entry points as a user runs them: `src/server.ts` as a process on a fresh DATA_DIR
 * (embedded PGlite) or a fresh PostgreSQL database, first-start admin, data surviving a restart,
 * graceful shutdown, and the CLI commands migrate / create-admin / keys rotate / audit verify.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { PASSWORD } from '../helpers/factories.js';

const root = new URL('../../', import.meta.url).pathname;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('gatehouse serve and CLI', () => {
  let dataDir: string;
  let database: TestDatabase | null = null;
  let env: Record<string, string>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    env = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      COOKIE_SECURE: 'false',
    };
    if (process.env.TEST_DATABASE_URL) {
      database = await createTestDatabase();
      env.DATABASE_URL = database.url!;
      env.SECRETS_KEY = randomBytes(32).toString('base64');
    }
  });
  after(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function cli(args: string[], input?: string) {
    return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, env, input, encoding: 'utf8', timeout: 60_000 });
  }

  async function startServer(extra: Record<string, string> = {}) {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: root, env: { ...env, PORT: String(port), ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited early: ${output}`);
      const ok = await fetch(`${base}/health/ready`).then((r) => r.status === 200, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`server not ready: ${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      base,
      output: () => output,
      async stop(): Promise<number | null> {
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.kill('SIGTERM');
        return exited;
      },
    };
  }

  const post = (base: string, path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('starts, creates the ADMIN_EMAIL admin before ready, keeps data across a restart, stops gracefully', async () => {
    const adminEnv = { ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: PASSWORD };
    const first = await startServer(adminEnv);
    const adminLogin = await post(first.base, '/api/v1/auth/login', { login: 'root@example.com', password: PASSWORD });
    assert.equal(adminLogin.status, 200);
    assert.deepEqual(((await adminLogin.json()) as { user: { roles: string[] } }).user.roles, ['admin']);
    const reg = await post(first.base, '/api/v1/auth/register', { email: 'keeper@example.com', password: PASSWORD });
    assert.equal(reg.status, 201);
    const jwks1 = (await (await fetch(`${first.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    assert.equal(await first.stop(), 0);
    assert.doesNotMatch(first.output(), new RegExp(PASSWORD));

    // an active admin exists: ADMIN_PASSWORD is not used, so a weak one does not stop the start
    const second = await startServer({ ...adminEnv, ADMIN_PASSWORD: 'weak' });
    const login = await post(second.base, '/api/v1/auth/login', { login: 'keeper@example.com', password: PASSWORD });
    assert.equal(login.status, 200, 'the account survived the restart');
    const jwks2 = (await (await fetch(`${second.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    assert.deepEqual(jwks2.keys.map((k) => k.kid), jwks1.keys.map((k) => k.kid), 'the signing key survived the restart');
    assert.doesNotMatch(second.output(), /created the first admin/, 'an active admin exists: no second one');
    assert.equal(await second.stop(), 0);
  });

  it('migrate reports an up-to-date database', () => {
    const r = cli(['migrate']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /up to date|Applied/);
  });

  it('create-admin reads the password from stdin, refuses weak passwords and argv passwords', () => {
    const ok = cli(['create-admin', '--email', 'Second.Admin@example.com', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /second\.admin@example\.com created/);
    const weak = cli(['create-admin', '--email', 'weak@example.com', '--password-stdin'], 'password1\n');
    assert.equal(weak.status, 1);
    assert.match(weak.stderr, /weak_password/);
    const dup = cli(['create-admin', '--email', 'second.admin@example.com', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(dup.status, 1);
    const argv = cli(['create-admin', '--email', 'x@example.com', '--password', PASSWORD]);
    assert.notEqual(argv.status, 0, 'a password on the command line is refused');
  });

  it('keys rotate adds a key while the old one stays published; tokens of both verify', async () => {
    const before = await startServer();
    const oldLogin = (await (await post(before.base, '/api/v1/auth/login', { login: 'keeper@example.com', password: PASSWORD })).json()) as { access_token: string };
    await before.stop();

    const r = cli(['keys', 'rotate']);
    assert.equal(r.status, 0, r.stderr);
    const newKid = /New signing key (\S+)/.exec(r.stdout)?.[1];
    assert.ok(newKid);

    const afterRotate = await startServer();
    const jwks = (await (await fetch(`${afterRotate.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    assert.equal(jwks.keys.length, 2);
    assert.ok(jwks.keys.some((k) => k.kid === newKid));
    const me = await fetch(`${afterRotate.base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${oldLogin.access_token}` } });
    assert.equal(me.status, 200, 'a token signed by the retired key still verifies');
    const fresh = (await (await post(afterRotate.base, '/api/v1/auth/login', { login: 'keeper@example.com', password: PASSWORD })).json()) as { access_token: string };
    const header = JSON.parse(Buffer.from(fresh.access_token.split('.')[0]!, 'base64url').toString()) as { kid: string };
    assert.equal(header.kid, newKid);
    await afterRotate.stop();
  });

  it('audit verify passes on the untouched chain', () => {
    const r = cli(['audit', 'verify']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Audit chain intact: \d+ events/);
  });

  it('embedded: a command next to a running server is refused (PGlite is one process at a time), and works once it stops', { skip: process.env.TEST_DATABASE_URL ? 'PostgreSQL takes many processes' : false }, async () => {
    const server = await startServer();
    try {
      for (const [args, input] of [[['keys', 'rotate']], [['create-admin', '--email', 'third@example.com', '--password-stdin'], `${PASSWORD}\n`], [['migrate']]] as const) {
        const r = cli([...args], input);
        assert.notEqual(r.status, 0, `${args.join(' ')} must not run beside the server`);
        assert.match(r.stderr, /in use by another Gatehouse process \(PID \d+\)/);
      }
      const verify = cli(['audit', 'verify']);
      assert.equal(verify.status, 2, 'could not verify: not the exit code of a broken chain');
      assert.match(verify.stderr, /Could not verify the audit chain: .*in use by another Gatehouse process/);
      assert.equal((await fetch(`${server.base}/health/ready`)).status, 200, 'the server is unharmed');
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.equal(cli(['audit', 'verify']).status, 0);
  });

  it('audit verify exits 2 (not 1) when it cannot reach the database', { skip: process.env.TEST_DATABASE_URL ? false : 'the embedded case is the lock above' }, () => {
    const url = new URL(env.DATABASE_URL!);
    url.pathname = '/gh_no_such_database';
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'audit', 'verify'], { cwd: root, env: { ...env, DATABASE_URL: url.toString() }, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /Could not verify the audit chain/);
  });

  it('a SECRETS_KEY that does not open the stored signing keys refuses the start and says so', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...env, SECRETS_KEY: randomBytes(32).toString('base64') },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /SECRETS_KEY does not decrypt signing key/);
  });

  it('refuses to start with an invalid configuration, naming every bad key', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: { ...env, PORT: 'eighty', RATE_LIMIT_LOGIN_IP: 'lots' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /PORT/);
    assert.match(r.stderr, /RATE_LIMIT_LOGIN_IP/);
  });
});
