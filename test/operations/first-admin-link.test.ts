/**
 * Guards the first admin without ADMIN_EMAIL: while no active admin exists, each start logs a
 * one-time link `<PUBLIC_URL>/setup?token=<256 bits>` at warn, in full (not redacted) and nowhere
 * else in the log (the access line blanks it); the token is kept as a hash only; a restart's link
 * is a new one and the stopped start's no longer opens the page; none is logged once an admin
 * exists or when ADMIN_EMAIL created one, and /setup is then 404 even for the right token.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../../src/app.js';
import type { EphemeralStore } from '../../src/cache/ephemeral-store.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { systemContext } from '../../src/request-context.js';
import { createServices, type Services } from '../../src/services.js';
import { baseTestEnv } from '../helpers/build-test-app.js';
import { PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

const LINK = /http:\/\/localhost:8000\/setup\?token=([A-Za-z0-9_-]+)/g;

interface Start {
  app: FastifyInstance;
  services: Services;
  log: () => string;
  /** the tokens of the setup links in this start's log */
  tokens: () => string[];
  /** every value this start wrote to its ephemeral store, with its key */
  written: string[];
}

describe('the first-admin link in the log', () => {
  let db: TestDatabase;
  let database: DatabaseHandle;
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-setup-link-'));
  const secretsKey = randomBytes(32).toString('base64');
  const running: FastifyInstance[] = [];

  /** one start of the same installation: its database and keys, an ephemeral store of its own (a new process) */
  async function start(env: Record<string, string> = {}): Promise<Start> {
    let log = '';
    const stream = new Writable({ write(chunk, _enc, cb) { log += chunk.toString(); cb(); } });
    const config = loadConfig({ ...baseTestEnv, DATA_DIR: dataDir, SECRETS_KEY: secretsKey, ...env });
    const written: string[] = [];
    const memory = new MemoryStore();
    // the real store, recording what is written to it
    const store = new Proxy<EphemeralStore>(memory, {
      get(target, name) {
        if (name === 'set') {
          return (key: string, value: string, ttlMs: number) => {
            written.push(`${key}=${value}`);
            return target.set(key, value, ttlMs);
          };
        }
        const value: unknown = Reflect.get(target, name, target);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    // the database outlives each start (closed once, at the end)
    const services = await createServices(config, { database: { ...database, close: async () => {} }, store });
    const app = await buildHttpApp(services, { logTo: stream, logLevel: 'info' });
    running.push(app);
    return { app, services, log: () => log, tokens: () => [...log.matchAll(LINK)].map((m) => m[1]!), written };
  }

  const page = (app: FastifyInstance, url: string) => app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });

  before(async () => {
    db = await createTestDatabase();
    database = await db.open();
  });
  after(async () => {
    for (const app of running) await app.close().catch(() => {});
    await database.close();
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('each start without an admin logs a fresh link once, at warn, unredacted; only its hash is stored; the stopped start’s link is void', async () => {
    const first = await start();
    assert.equal(first.tokens().length, 1, `one setup link in the log: ${first.log()}`);
    const [token1] = first.tokens() as [string];
    assert.equal(Buffer.from(token1, 'base64url').length, 32, '256 random bits');
    const entry = JSON.parse(first.log().split('\n').find((l) => l.includes(token1))!) as { level: number; msg: string };
    assert.equal(entry.level, 40, 'warn');
    assert.match(entry.msg, /No admin account exists yet/);
    assert.equal(first.written.some((w) => w.includes(token1)), false, 'the token itself is not stored');

    assert.equal((await page(first.app, `/setup?token=${token1}`)).statusCode, 200);
    assert.match(first.log(), /"url":"\/setup\?token=\[REDACTED\]"/, 'the access line blanks it');
    assert.equal(first.log().split(token1).length - 1, 1, 'the token is in the log once, in the link');
    await first.app.close();

    const second = await start();
    const [token2] = second.tokens() as [string];
    assert.ok(token2);
    assert.notEqual(token2, token1, 'a fresh token per start');
    assert.equal((await page(second.app, `/setup?token=${token1}`)).statusCode, 404, 'the stopped start’s link');
    assert.equal((await page(second.app, `/setup?token=${token2}`)).statusCode, 200);

    // an admin appears (here through `gatehouse create-admin`'s path): the page is gone, even for the right token
    const made = await second.services.users.ensureAdmin(systemContext, { email: uniqueEmail('admin'), password: PASSWORD }, 'cli');
    assert.equal(made.created, true);
    assert.equal((await page(second.app, `/setup?token=${token2}`)).statusCode, 404);
    assert.equal(second.log().includes(token1), false, 'a refused token is not logged');
    assert.equal(second.log().split(token2).length - 1, 1, 'nor is a token the 404 answered');
    await second.app.close();

    const third = await start();
    assert.deepEqual(third.tokens(), [], 'no link once an admin exists');
    assert.doesNotMatch(third.log(), /No admin account exists yet/);
    await third.app.close();
  });

  it('ADMIN_EMAIL created the first admin: no link', async () => {
    const fresh = await createTestDatabase();
    const handle = await fresh.open();
    try {
      let log = '';
      const stream = new Writable({ write(chunk, _enc, cb) { log += chunk.toString(); cb(); } });
      const config = loadConfig({ ...baseTestEnv, DATA_DIR: dataDir, SECRETS_KEY: secretsKey, ADMIN_EMAIL: uniqueEmail('root'), ADMIN_PASSWORD: PASSWORD });
      const app = await buildHttpApp(await createServices(config, { database: handle, store: new MemoryStore() }), { logTo: stream, logLevel: 'info' });
      await app.close();
      assert.match(log, /created the first admin from ADMIN_EMAIL/);
      assert.doesNotMatch(log, /\/setup\?token=/);
    } finally {
      await fresh.drop();
    }
  });
});
