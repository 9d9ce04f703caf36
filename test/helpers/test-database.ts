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
  const path = readFileSync(join(cacheDir, 'current'), 'utf8').trim();
  const data = readFileSync(path);
  return {
    url: null,
    open: () =>
      openDatabase({ databaseUrl: null, dataDir: '', poolMax: 1, pgliteInMemory: true, pgliteLoadDataDir: new Blob([data]) }),
    drop: async () => {},
  };
}
