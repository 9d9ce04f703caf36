import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import type { Database, Db } from './database-types.js';
import { ensureDataDir } from './data-dir.js';
import { lockDataDir } from './data-dir-lock.js';
import { PGliteDialect } from './pglite-dialect.js';
import { PreparedStatements } from './prepared-statements.js';
import type { PGlite as PGliteType } from '@electric-sql/pglite';

export interface DatabaseOptions {
  /** PostgreSQL URL; null = embedded PGlite */
  databaseUrl: string | null;
  dataDir: string;
  poolMax: number;
  /** PostgreSQL: run parameterised queries as named prepared statements (default true) */
  prepare?: boolean;
  /** tests: a PGlite data dump to start from (a migrated template) */
  pgliteLoadDataDir?: Blob;
  /** tests: keep PGlite in memory only */
  pgliteInMemory?: boolean;
}

/**
 * Sees every statement a database runs (its SQL text and values): tests count the statements of a
 * sign-in so that a change adding round trips to a hot path fails, and ask for a statement's plan.
 * Set through `DatabaseHandle.observe`.
 */
export type QueryObserver = (sql: string, parameters: readonly unknown[]) => void;

/** a Kysely `log` option that hands each executed statement to the observer of the moment */
export function observable(): { log: (event: LogEvent) => void; observe(observer: QueryObserver | null): void } {
  let observer: QueryObserver | null = null;
  return {
    log: (event) => observer?.(event.query.sql, event.query.parameters),
    observe: (o) => {
      observer = o;
    },
  };
}

/** what is reported of a lost connection: its code and message only (never the connection string) */
export type ConnectionErrorListener = (error: { code: string | null; message: string }) => void;

export interface DatabaseHandle {
  db: Db;
  engine: 'postgres' | 'pglite';
  /** hands every executed statement to `observer` from now on (null: stop) */
  observe(observer: QueryObserver | null): void;
  /** the embedded engine itself (PGlite only): dumps for test templates */
  pglite?: PGliteType;
  /** PostgreSQL only: where a dedicated connection (LISTEN) connects to */
  connectionString?: string;
  /** connections of the pool: open, idle, and requests waiting for one (metrics); absent = one connection (PGlite) */
  poolStats?(): { total: number; idle: number; waiting: number };
  /**
   * PostgreSQL only: who hears of a pooled connection that was lost (a server restart, a failover,
   * pg_terminate_backend); null = nobody. Such a connection is dropped from the pool, the query it
   * was running fails (the request answers 503) and the next one opens a new connection.
   */
  onConnectionError?(listener: ConnectionErrorListener | null): void;
  close(): Promise<void>;
}

// timestamps come back as Date from both engines; bigint (count, serial) as string from pg.
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax, connectionTimeoutMillis: 5000 });
    let listener: ConnectionErrorListener | null = null;
    // A connection can be lost at any moment (server restart, failover, an operator terminating
    // backends). pg emits 'error' on the client, and an 'error' event nobody listens to ends the
    // process. The pool listens only while a client is idle; a client checked out by a request has
    // no listener of its own, so each client gets one for its whole life. Its query in flight
    // still fails (the request answers 503) and the pool discards it on release.
    pool.on('connect', (client) => {
      client.on('error', (error: Error & { code?: unknown }) => {
        listener?.({ code: typeof error.code === 'string' ? error.code : null, message: error.message });
      });
    });
    // the idle client's error, re-emitted by the pool: already reported by the client's own listener
    pool.on('error', () => {});
    const queries = observable();
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: options.prepare === false ? pool : new PreparedStatements().wrap(pool) }), log: queries.log });
    return {
      db,
      engine: 'postgres',
      observe: queries.observe,
      connectionString: options.databaseUrl,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      onConnectionError: (l) => {
        listener = l;
      },
      close: () => db.destroy(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  let dir: string | null = null;
  let unlock = () => {};
  if (!options.pgliteInMemory) {
    dir = resolve(join(options.dataDir, 'pglite'));
    ensureDataDir(options.dataDir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    unlock = lockDataDir(dir);
  }
  let pglite: PGliteType;
  try {
    pglite = dir ? new PGlite(dir, { loadDataDir: options.pgliteLoadDataDir }) : new PGlite({ loadDataDir: options.pgliteLoadDataDir });
    await pglite.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const queries = observable();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), log: queries.log });
  return {
    db,
    engine: 'pglite',
    observe: queries.observe,
    pglite,
    close: async () => {
      try {
        await db.destroy();
        // Kysely only destroys a driver it has used: a database opened and closed without a query
        // (a refused start) would stay open, and two such in one process kept it from exiting
        if (!pglite.closed) await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}

export async function checkDatabase(db: Db): Promise<void> {
  await sql`select 1`.execute(db);
}
