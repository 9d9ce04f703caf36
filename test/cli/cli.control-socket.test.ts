/**
 * Commands beside a running server. Embedded (PGlite: one process at a time holds DATA_DIR): the
 * server opens DATA_DIR/gatehouse.sock (0600) and carries out create-admin, users import, keys
 * rotate|list|revoke, audit verify and migrate for the CLI — their effects show through its API (a
 * stale socket left by a killed server is replaced at start); a
 * path that is not a socket is refused; once the server stops the socket is gone and commands open
 * the database themselves. PostgreSQL: commands run directly beside the server, and audit verify
 * against an unreachable database exits 2 (could not check), not 1 (broken).
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../helpers/factories.js';
import { createInstallation, post, usingPostgres, type Installation, type RunningServer } from '../helpers/installation.js';

const keyLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => line.split('\t'))
    .map(([kid, alg, state, created]) => ({ kid: kid!, alg: alg!, state: state!, created: created! }));

describe('embedded: commands beside a running server go through its control socket', { skip: usingPostgres ? 'the socket is for the embedded engine' : false }, () => {
  let inst: Installation;
  let server: RunningServer;
  let socket: string;
  let adminToken: string;
  const get = async (path: string) => {
    const res = await fetch(`${server.base}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(res.status, 200, path);
    return res.json() as Promise<{ items: Record<string, unknown>[] }>;
  };

  before(async () => {
    inst = await createInstallation({ fresh: true });
    socket = join(inst.dataDir, 'gatehouse.sock');
    // a socket left by a server that was killed: the next server (holding the lock) replaces it
    spawnSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socket)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    server = await inst.startServer();
  });
  after(async () => {
    await server.stop();
    await inst.remove();
  });

  it('the socket is DATA_DIR/gatehouse.sock, owner-only (0600) in an owner-only (0700) DATA_DIR; a stale one was replaced', async () => {
    const s = statSync(socket);
    assert.ok(s.isSocket());
    // the stale socket refused connections (nothing listened); the server's own accepts them (an
    // inode number alone cannot tell: the filesystem may give the new file the freed one). This
    // connection closes without a request: the server must carry on (the next tests use it)
    await new Promise<void>((resolve, reject) => {
      const c = connect(socket, () => {
        c.destroy();
        resolve();
      });
      c.once('error', reject);
    });
    assert.equal(s.mode & 0o777, 0o600);
    assert.equal(statSync(inst.dataDir).mode & 0o777, 0o700);
  });

  it('create-admin (password on stdin) is carried out by the server: the admin signs in through its API; the password never reaches its log', async () => {
    const ok = inst.cli(['create-admin', '--email', 'Root@example.com', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /root@example\.com created/);
    const weak = inst.cli(['create-admin', '--email', 'weak@example.com', '--password-stdin'], 'password1\n');
    assert.equal(weak.status, 1);
    assert.match(weak.stderr, /weak_password/);
    const login = await post(server.base, '/api/v1/auth/login', { login: 'root@example.com', password: PASSWORD });
    assert.equal(login.status, 200);
    adminToken = ((await login.json()) as { access_token: string }).access_token;
    assert.ok(!server.output().includes(PASSWORD), 'no password in the server log');
    assert.match(server.output(), /"command":"create-admin"/);
  });

  it('users import: the CLI streams the file (outside DATA_DIR); good lines imported, the bad one reported by number, exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-import-'));
    try {
      const file = join(dir, 'users.jsonl');
      writeFileSync(file, ['{"email":"imported-one@example.com"}', '{not json', '{"email":"imported-two@example.com","username":"imported2"}', ''].join('\n'));
      const r = inst.cli(['users', 'import', file]);
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, /line 2: invalid JSON/);
      assert.match(r.stdout, /imported 2, already present 0, refused 1/);
      const users = await get('/api/v1/admin/users?q=imported-');
      assert.deepEqual(users.items.map((u) => u.email).sort(), ['imported-one@example.com', 'imported-two@example.com']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("keys rotate, list and revoke act on the running server's keys and are audited (key.rotated, key.revoked: {kid}, no actor)", async () => {
    const jwks = async () => ((await (await fetch(`${server.base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
    const [first] = keyLines(inst.cli(['keys', 'list']).stdout);
    assert.equal(first?.state, 'active');
    const rotated = inst.cli(['keys', 'rotate']);
    assert.equal(rotated.status, 0, rotated.stderr);
    const newKid = /New signing key (\S+)/.exec(rotated.stdout)?.[1];
    assert.ok(newKid);
    assert.deepEqual(await jwks(), [first.kid, newKid].sort(), 'the server publishes both at once');

    const list = inst.cli(['keys', 'list']);
    assert.equal(list.status, 0, list.stderr);
    const keys = keyLines(list.stdout);
    assert.deepEqual(keys.map((k) => [k.kid, k.alg, k.state]), [[newKid, 'ES256', 'active'], [first.kid, 'ES256', 'published']]);
    assert.ok(keys.every((k) => !Number.isNaN(Date.parse(k.created))));

    const revoked = inst.cli(['keys', 'revoke', first.kid]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.deepEqual(await jwks(), [newKid]);
    assert.equal(inst.cli(['keys', 'revoke', 'no-such-kid']).status, 1);
    assert.deepEqual(keyLines(inst.cli(['keys', 'list']).stdout).map((k) => k.state), ['active', 'revoked']);

    // the admin's token was signed by the revoked key: refused now, so sign in again
    assert.equal((await fetch(`${server.base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${adminToken}` } })).status, 401);
    adminToken = ((await (await post(server.base, '/api/v1/auth/login', { login: 'root@example.com', password: PASSWORD })).json()) as { access_token: string }).access_token;
    const [rotation] = (await get('/api/v1/admin/audit?type=key.rotated')).items;
    assert.deepEqual([rotation?.data, rotation?.actor_id, rotation?.user_id], [{ kid: newKid }, null, null]);
    const [revocation] = (await get('/api/v1/admin/audit?type=key.revoked')).items;
    assert.deepEqual([revocation?.data, revocation?.actor_id], [{ kid: first.kid }, null]);
  });

  it('audit verify and migrate succeed through the server', () => {
    const verify = inst.cli(['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /Audit chain intact: \d+ events verified/);
    const migrate = inst.cli(['migrate']);
    assert.equal(migrate.status, 0, migrate.stderr);
    assert.match(migrate.stdout, /up to date/);
  });

  it('a path that is not a socket is refused clearly (nothing is sent to it), and the server is unharmed', async () => {
    renameSync(socket, `${socket}.aside`);
    writeFileSync(socket, 'not a socket\n', { mode: 0o600 });
    try {
      const r = inst.cli(['create-admin', '--email', 'never@example.com', '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /in use by another Gatehouse process \(PID \d+\), and .*gatehouse\.sock is not a socket/);
    } finally {
      rmSync(socket);
      renameSync(`${socket}.aside`, socket);
    }
    assert.equal((await fetch(`${server.base}/health/ready`)).status, 200);
    assert.equal(inst.cli(['audit', 'verify']).status, 0, 'the socket works again');
  });

  it('once the server stops, the socket is gone and commands open the database themselves', async () => {
    assert.equal(await server.stop(), 0);
    assert.ok(!existsSync(socket), 'removed on shutdown');
    const verify = inst.cli(['audit', 'verify']);
    assert.equal(verify.status, 0, verify.stderr);
    assert.equal(keyLines(inst.cli(['keys', 'list']).stdout).length, 2);
  });
});

describe('PostgreSQL: commands run directly beside a running server', { skip: usingPostgres ? false : 'PostgreSQL only' }, () => {
  let inst: Installation;
  before(async () => {
    inst = await createInstallation();
  });
  after(async () => {
    await inst.remove();
  });

  it('no socket is opened; keys rotate and audit verify run beside the server', async () => {
    const server = await inst.startServer();
    try {
      assert.ok(!existsSync(join(inst.dataDir, 'gatehouse.sock')));
      assert.equal(inst.cli(['keys', 'rotate']).status, 0);
      assert.equal(inst.cli(['audit', 'verify']).status, 0);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });

  it('audit verify exits 2 (not 1) when it cannot reach the database', () => {
    const url = new URL(inst.env.DATABASE_URL!);
    url.pathname = '/gh_no_such_database';
    const r = inst.cli(['audit', 'verify'], undefined, { DATABASE_URL: url.toString() });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /Could not verify the audit chain/);
  });
});
