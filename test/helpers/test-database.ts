/**
 * One fresh database per test file: a copy of the migrated PGlite template (embedded engines), or
 * a new PostgreSQL database named gh_test_<random> when TEST_DATABASE_URL is set (dropped after).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';

const cacheDir = join(tmpdir(), 'gatehouse-test-templates');

export function templatePath(key: string): string {
  return join(cacheDir, `template-${key}.tar`);
}

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
function templateBlob(): Blob {
  template ??= readFileSync(readFileSync(join(cacheDir, 'current'), 'utf8').trim());
  return new TemplateBlob(template);
}

/** a PGlite copy of the migrated template, in memory, whatever engine the run is for */
export function openEmbeddedCopy(): Promise<DatabaseHandle> {
  return openDatabase({ databaseUrl: null, dataDir: '', poolMax: 1, pgliteInMemory: true, pgliteLoadDataDir: templateBlob() });
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
