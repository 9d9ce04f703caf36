/**
 * Named prepared statements on PostgreSQL (src/db/prepared-statements.ts): a parameterised query
 * is prepared once per connection and reused; a plan invalidated by a schema change made
 * elsewhere (another instance migrating) is retried unnamed instead of failing; the number of
 * names is bounded. Needs TEST_DATABASE_URL (PGlite has no named statements).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PreparedStatements } from '../../src/db/prepared-statements.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../helpers/test-database.js';

describe('PreparedStatements', () => {
  it('names a text once, the same name every time, and stops naming after 1000 distinct texts', () => {
    const p = new PreparedStatements();
    const a = p.nameFor('select $1::int');
    assert.match(a!, /^gh_[0-9a-f]{24}$/);
    assert.equal(p.nameFor('select $1::int'), a);
    assert.notEqual(p.nameFor('select $1::text'), a);
    for (let i = 0; i < 1000; i++) p.nameFor(`select ${i} + $1::int`);
    assert.equal(p.nameFor('select $1::bigint'), null, 'over the bound: unnamed');
    assert.equal(p.nameFor('select $1::int'), a, 'names given before stay');
  });
});

describe('PreparedStatements on PostgreSQL', { skip: usingPostgres ? false : 'needs TEST_DATABASE_URL' }, () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let db: Kysely<Record<string, Record<string, unknown>>>;
  before(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url!, max: 1 });
    db = new Kysely({ dialect: new PostgresDialect({ pool: new PreparedStatements().wrap(pool) }) });
    await sql`create table probe (id int primary key, label text)`.execute(db);
    await sql`insert into probe values (1, 'one'), (2, 'two')`.execute(db);
  });
  after(async () => {
    await db.destroy();
    await database.drop();
  });

  it('a parameterised query is prepared on the connection and reused', async () => {
    for (const id of [1, 2, 1]) {
      const row = await db.selectFrom('probe').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.label, id === 1 ? 'one' : 'two');
    }
    const prepared = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db);
    const ours = prepared.rows.filter((r) => r.name.startsWith('gh_') && r.statement.includes('"probe"'));
    assert.equal(ours.length, 1, JSON.stringify(prepared.rows));
  });

  it('a plan made stale by a schema change elsewhere is retried unnamed, not an error', async () => {
    await db.selectFrom('probe').selectAll().where('id', '=', 1).execute();
    const other = new pg.Client({ connectionString: database.url! });
    await other.connect();
    await other.query('alter table probe add column extra text default \'x\'');
    await other.end();
    const rows = await db.selectFrom('probe').selectAll().where('id', '=', 1).execute();
    assert.deepEqual(rows, [{ id: 1, label: 'one', extra: 'x' }]);
  });
});
