/**
 * One fresh database per test file: a copy of the migrated PGlite template (embedded engines), or
 * a new PostgreSQL database named gh_test_<random> when TEST_DATABASE_URL is set (dropped after).
 *
 * Starting a PGlite copy costs about two seconds of CPU (the WASM Postgres unpacks and recovers a
 * 40 MB data directory), and a test worker runs many files one after the other. So a copy that is
 * given back is reset to the template's state — session state discarded, every table emptied and
 * refilled with the template's rows — and handed to the next file instead of closed. A copy whose
 * schema a test changed (DDL) is closed instead, so the next file never sees it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { after } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import pg from 'pg';
import { observable, openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import type { Database } from '../../src/db/database-types.js';
import { PGliteDialect } from '../../src/db/pglite-dialect.js';

const cacheDir = join(tmpdir(), 'gatehouse-test-templates');

export function templatePath(key: string): string {
  return join(cacheDir, `template-${key}.tar`);
}

/**
 * Which template this checkout's tests use. One pointer per checkout: two clones (or worktrees)
 * with different migrations running their suites at once must not read each other's template.
 */
export const currentTemplatePointer = join(
  cacheDir,
  `current-${createHash('sha256').update(fileURLToPath(new URL('../..', import.meta.url))).digest('hex').slice(0, 12)}`,
);

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

export interface TestDatabase {
  /** PostgreSQL URL of this file's database (null on PGlite) so more instances can share it */
  url: string | null;
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

/**
 * The migrated template as a Blob for PGlite's loadDataDir, read once per process. PGlite only
 * calls arrayBuffer() on it; Node 20's own Blob would copy the 40 MB template in and read it back
 * in small chunks (~0.4 s per database), so this one hands out a copy of the bytes directly.
 */
class TemplateBlob extends Blob {
  readonly #data: Uint8Array;

  constructor(data: Uint8Array) {
    super([]);
    this.#data = data;
  }

  override get size(): number {
    return this.#data.length;
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    return Promise.resolve(this.#data.slice().buffer);
  }
}

let template: Uint8Array | null = null;
export function templateBlob(): Blob {
  template ??= readFileSync(readFileSync(currentTemplatePointer, 'utf8').trim());
  return new TemplateBlob(template);
}

// the migrations' bookkeeping is the same in every copy and is never reset
const KEEP = new Set(['schema_migrations', 'schema_migrations_lock']);
const SCHEMA_FINGERPRINT = `
  select md5(coalesce((select string_agg(table_name || '.' || column_name || ':' || data_type || ':' || coalesce(column_default, ''), ',' order by table_name, column_name)
                         from information_schema.columns where table_schema = 'public'), '')
          || coalesce((select string_agg(indexdef, ',' order by indexdef) from pg_indexes where schemaname = 'public'), '')
          || coalesce((select string_agg(conname || pg_get_constraintdef(oid), ',' order by conname) from pg_constraint where connamespace = 'public'::regnamespace), '')) as f`;

interface TemplateState {
  fingerprint: string;
  tables: string[];
  /** the template's rows, per table that has any, as JSON */
  rows: { table: string; json: string }[];
}

let templateState: TemplateState | null = null;
const idle: PGlite[] = [];
const MAX_IDLE = 2;

// an open PGlite keeps the process alive: the idle copies go when this process's tests are done
after(async () => {
  for (const pglite of idle.splice(0)) await pglite.close();
});

async function readState(pglite: PGlite): Promise<TemplateState> {
  const [{ f: fingerprint }] = (await pglite.query<{ f: string }>(SCHEMA_FINGERPRINT)).rows as [{ f: string }];
  const tables = (await pglite.query<{ t: string }>("select tablename as t from pg_tables where schemaname = 'public' order by 1")).rows.map((r) => r.t).filter((t) => !KEEP.has(t));
  const rows: TemplateState['rows'] = [];
  for (const table of tables) {
    const [{ json }] = (await pglite.query<{ json: string | null }>(`select json_agg(t)::text as json from ${table} t`)).rows as [{ json: string | null }];
    if (json) rows.push({ table, json });
  }
  return { fingerprint, tables, rows };
}

/** back to the template's state, or false when its schema no longer is the template's */
async function reset(pglite: PGlite, state: TemplateState): Promise<boolean> {
  const [{ f }] = (await pglite.query<{ f: string }>(SCHEMA_FINGERPRINT)).rows as [{ f: string }];
  if (f !== state.fingerprint) return false;
  // one statement per call: several in one are a single transaction, which DISCARD refuses
  await pglite.exec('discard all');
  await pglite.exec(`truncate ${state.tables.join(', ')} restart identity cascade`);
  for (const { table, json } of state.rows) {
    await pglite.query(`insert into ${table} select * from json_populate_recordset(null::${table}, $1::json)`, [json]);
  }
  return true;
}

/**
 * Closes the copies kept for reuse. A test worker calls it after its last file (scripts/test-shard.mjs):
 * an open PGlite can keep a timer of its own armed (postgres's SIGALRM timer, emulated with a
 * setTimeout), which kept a finished worker alive for good.
 */
export async function closeIdleCopies(): Promise<void> {
  const copies = idle.splice(0);
  await Promise.all(copies.map((c) => (c.closed ? undefined : c.close())));
}

/** a PGlite copy of the migrated template, in memory, whatever engine the run is for */
export async function openEmbeddedCopy(): Promise<DatabaseHandle> {
  let pglite = idle.pop();
  if (!pglite) {
    pglite = new PGlite({ loadDataDir: templateBlob() });
    await pglite.waitReady;
    templateState ??= await readState(pglite);
  }
  const instance = pglite;
  const queries = observable();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(instance, { closeOnDestroy: false }), log: queries.log });
  let closed = false;
  return {
    db,
    engine: 'pglite',
    pglite: instance,
    observe: queries.observe,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      const reusable = idle.length < MAX_IDLE && !instance.closed && (await reset(instance, templateState!).catch(() => false));
      if (reusable) idle.push(instance);
      else if (!instance.closed) await instance.close();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const name = `gh_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      open: () => openDatabase({ databaseUrl: url.toString(), dataDir: '', poolMax: 5 }),
      async drop() {
        const c = new pg.Client({ connectionString: adminUrl });
        await c.connect();
        await c.query(`drop database if exists ${name} with (force)`);
        await c.end();
      },
    };
  }
  return { url: null, open: openEmbeddedCopy, drop: async () => {} };
}
