/**
 * Migration 0018-user-locale on this run's engine (PGlite, or PostgreSQL under
 * TEST_DATABASE_URL): users.locale is added as nullable text, accounts from before get null (their
 * mail from others is in DEFAULT_LOCALE until they sign in with a language), and the users feature
 * reads and writes it afterwards.
 */
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { up } from '../../src/db/migrations/0018-user-locale.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, PASSWORD, register } from '../helpers/factories.js';

describe('migration 0018-user-locale', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(() => t.close());

  it('adds users.locale (nullable text): earlier accounts have none; a sign-in with a language stores it', async () => {
    const db = t.services.database.db;
    const before = await register(t.app);
    // the schema as it was before 0018, with an account in it
    await sql`alter table users drop column locale`.execute(db);
    await up(db as unknown as Kysely<unknown>);
    const column = await sql<{ data_type: string; is_nullable: string }>`select data_type, is_nullable from information_schema.columns where table_name = 'users' and column_name = 'locale'`.execute(db);
    assert.deepEqual(column.rows, [{ data_type: 'text', is_nullable: 'YES' }]);
    assert.equal((await t.services.users.get(before.id)).locale, null);
    assert.equal((await login(t.app, before.email, PASSWORD, { 'accept-language': 'de' })).statusCode, 200);
    assert.equal((await t.services.users.get(before.id)).locale, 'de');
  });
});
