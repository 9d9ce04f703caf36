/**
 * Graceful operations (docs/operations.md, #21): on SIGTERM the compiled server answers /health/ready with
 * 503 at once, finishes the requests in flight, closes its pools and exits 0 within
 * SHUTDOWN_TIMEOUT_SECONDS; started before its database is up, it waits with a backoff, says so in
 * the log, and becomes ready once the database answers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../helpers/factories.js';
import { root, SERVER } from '../helpers/entry-points.js';
import { createInstallation, freePort, post, usingPostgres, type Installation } from '../helpers/installation.js';

/** a slow sign-in: argon2id at a cost that takes a while, so requests are still in flight at SIGTERM */
const SLOW_HASH = { ARGON2_MEMORY_KIB: '65536', ARGON2_TIME_COST: '10', HASH_CONCURRENCY: '1' };

/** raw HTTP/1.1 on one socket: every response that arrives, as text */
function rawConnection(port: number): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});
  return { socket, received: () => data, closed };
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('graceful shutdown and start-up', () => {
  let inst: Installation;
  before(async () => {
    inst = await createInstallation();
  });
  after(async () => {
    await inst.remove();
  });

  it('SIGTERM: ready turns 503 at once while requests in flight finish with their answers; exit 0', async () => {
    const server = await inst.startServer({ ...SLOW_HASH, SHUTDOWN_DRAIN_SECONDS: '3', SHUTDOWN_TIMEOUT_SECONDS: '30' });
    const port = Number(new URL(server.base).port);
    const reg = await post(server.base, '/api/v1/auth/register', { email: 'drain@example.com', password: PASSWORD });
    assert.equal(reg.status, 201);

    // sign-ins queued behind one hashing thread, each on its own connection
    const body = JSON.stringify({ login: 'drain@example.com', password: PASSWORD });
    const loginRequest = `POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const logins = Array.from({ length: 5 }, () => rawConnection(port));
    for (const c of logins) c.socket.write(loginRequest);
    await new Promise((r) => setTimeout(r, 100));
    const exited = server.stop();
    let exitedYet = false;
    void exited.then(() => (exitedYet = true));

    // from the signal's handling on, ready answers 503 (never 200 again) until the listener
    // closes; a probe sent in the same instant as the signal may still be answered 200
    const answers: number[] = [];
    while (!exitedYet) {
      const status = await fetch(`${server.base}/health/ready`).then((r) => r.status, () => 0);
      if (status === 0) break;
      answers.push(status);
      await new Promise((r) => setTimeout(r, 50));
    }
    const first503 = answers.indexOf(503);
    assert.ok(first503 >= 0 && first503 <= 1 && answers.slice(first503).every((s) => s === 503), `ready after SIGTERM: ${answers.join(', ')}`);

    assert.equal(await exited, 0, server.output());
    for (const c of logins) await c.closed;
    for (const c of logins) assert.match(c.received(), /^HTTP\/1\.1 200 /, 'a sign-in in flight at SIGTERM is answered');
    assert.match(server.output(), /shutting down/);
    assert.doesNotMatch(server.output(), new RegExp(PASSWORD));
  });

  it('after SIGTERM new connections are refused while the request in flight still gets its answer', async () => {
    const server = await inst.startServer({ ...SLOW_HASH, SHUTDOWN_DRAIN_SECONDS: '0' });
    const port = Number(new URL(server.base).port);
    const body = JSON.stringify({ login: 'nobody@example.com', password: PASSWORD });
    const c = rawConnection(port);
    c.socket.write(`POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await new Promise((r) => setTimeout(r, 50));
    const exited = server.stop();
    // the listener closes at once: a new connection is refused before the process has exited
    let refused = false;
    const deadline = Date.now() + 10_000;
    let exitedYet = false;
    void exited.then(() => (exitedYet = true));
    while (!refused && !exitedYet && Date.now() < deadline) {
      refused = await new Promise<boolean>((resolve) => {
        const probe = connect(port, '127.0.0.1');
        probe.once('connect', () => (probe.destroy(), resolve(false)));
        probe.once('error', () => resolve(true));
      });
      if (!refused) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(refused, 'a connection was refused while the server was still finishing its work');
    assert.equal(await exited, 0);
    await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 401 /, 'the sign-in in flight still got its answer');
  });

  it('started before its database is up: retries with a backoff, logs it, then becomes ready', { skip: !usingPostgres && 'needs PostgreSQL (TEST_DATABASE_URL)' }, async () => {
    // the server's DATABASE_URL points at a port where nothing listens yet; later a proxy to the
    // real database opens there
    const target = new URL(inst.env.DATABASE_URL!);
    const port = await freePort();
    const url = new URL(target);
    url.hostname = '127.0.0.1';
    url.port = String(port);
    const httpPort = await freePort();
    const child = spawn(process.execPath, [SERVER], { cwd: root, env: { ...inst.env, DATABASE_URL: url.toString(), PORT: String(httpPort) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let proxy: Server | null = null;
    try {
      await until('two retries in the log', () => (output.match(/not reachable yet; retrying/g)?.length ?? 0) >= 2 && true);
      assert.equal(child.exitCode, null, 'still waiting, not exited');
      proxy = createServer((client) => {
        const upstream = connect(Number(target.port || 5432), target.hostname);
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve) => proxy!.listen(port, '127.0.0.1', resolve));
      const deadline = Date.now() + 30_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = await fetch(`http://127.0.0.1:${httpPort}/health/ready`).then((r) => r.status === 200, () => false);
        if (!ready) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(ready, `ready once the database is up:\n${output}`);
      assert.match(output, /"attempt":1,"retry_in_ms":500/);
    } finally {
      // a child that already exited sends no second 'exit': waiting for one would hang the file
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await new Promise((r) => (proxy ? proxy.close(r) : r(null)));
    }
  });
});
