/**
 * A Gatehouse installation as a user runs it, for the tests of the real entry points: its own
 * DATA_DIR (embedded PGlite) or, with TEST_DATABASE_URL, its own PostgreSQL database; the compiled
 * server started as a process on a free port, and CLI commands run against the same data.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBuilt, CLI, root, SERVER } from './entry-points.js';
import { PGlite } from '@electric-sql/pglite';
import { createTestDatabase, templateBlob, type TestDatabase } from './test-database.js';

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RunningServer {
  base: string;
  output(): string;
  /** the process has not exited */
  alive(): boolean;
  /** SIGTERM; resolves to the exit code */
  stop(): Promise<number | null>;
}

export interface Installation {
  dataDir: string;
  /** the environment every process of this installation gets */
  env: Record<string, string>;
  cli(args: string[], input?: string, extraEnv?: Record<string, string>): SpawnSyncReturns<string>;
  startServer(extraEnv?: Record<string, string>): Promise<RunningServer>;
  /** the server as a process that is expected to exit (a refused start) */
  runServer(extraEnv: Record<string, string>, timeoutMs?: number): SpawnSyncReturns<string>;
  remove(): Promise<void>;
}

/** how long a command or a server start may take: generous, as a loaded CI machine is slow (a deadline, not a timed assertion) */
const PROCESS_DEADLINE_MS = 180_000;

/**
 * `fresh: true` leaves DATA_DIR empty, so the first process creates and migrates the embedded
 * database as on a user's first start. Otherwise DATA_DIR starts with a copy of the migrated test
 * template: creating a PGlite database costs a process seconds and most of a gigabyte, which made
 * the CLI tests slow and, on a loaded machine, late.
 */
export async function createInstallation(options: { fresh?: boolean } = {}): Promise<Installation> {
  assertBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-install-'));
  if (!usingPostgres && !options.fresh) {
    const dir = join(dataDir, 'pglite');
    mkdirSync(dir, { mode: 0o700 });
    const seed = new PGlite(dir, { loadDataDir: templateBlob() });
    await seed.waitReady;
    await seed.close();
  }
  let database: TestDatabase | null = null;
  // every server this installation started: remove() stops those a failed test left running, so a
  // test file never leaves a process (and the worker's pipes to it) behind
  const running = new Set<ReturnType<typeof spawn>>();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    HOST: '127.0.0.1',
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    COOKIE_SECURE: 'false',
  };
  if (usingPostgres) {
    database = await createTestDatabase();
    env.DATABASE_URL = database.url!;
    env.SECRETS_KEY = randomBytes(32).toString('base64');
  }
  return {
    dataDir,
    env,
    cli: (args, input, extraEnv = {}) => spawnSync(process.execPath, [CLI, ...args], { cwd: root, env: { ...env, ...extraEnv }, input, encoding: 'utf8', timeout: PROCESS_DEADLINE_MS }),
    runServer: (extraEnv, timeoutMs = PROCESS_DEADLINE_MS) => spawnSync(process.execPath, [SERVER], { cwd: root, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: timeoutMs }),
    async startServer(extraEnv = {}) {
      const port = await freePort();
      const child = spawn(process.execPath, [SERVER], { cwd: root, env: { ...env, PORT: String(port), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      child.once('exit', () => running.delete(child));
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const base = `http://127.0.0.1:${port}`;
      const deadline = Date.now() + PROCESS_DEADLINE_MS;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`server exited early: ${output}`);
        const ok = await fetch(`${base}/health/ready`).then((r) => r.status === 200, () => false);
        if (ok) break;
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`server not ready: ${output}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      return {
        base,
        output: () => output,
        alive: () => child.exitCode === null && child.signalCode === null,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
          child.kill('SIGTERM');
          return exited;
        },
      };
    },
    async remove() {
      await Promise.all(
        [...running].map((child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          return exited;
        }),
      );
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** a JSON POST to a running server */
export function post(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}
