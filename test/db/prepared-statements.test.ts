/**
 * Named prepared statements on PostgreSQL (src/db/prepared-statements.ts): a parameterised query
 * is prepared once per connection and reused; a plan invalidated by a schema change made
 * elsewhere (another instance migrating) is retried unnamed instead of failing; the number of
 * names is bounded. The PostgreSQL part needs TEST_DATABASE_URL.
 *
 * And the same on the embedded engine (src/db/pglite-dialect.ts), which prepares every query it
 * runs: values of every kind bind and come back as the unnamed path gave them, errors keep their
 * SQLSTATE, a stale plan is retried unnamed, and a failed statement leaves no half-made name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PLAN_EACH_TIME, PreparedStatements } from '../../src/db/prepared-statements.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createTestDatabase, openEmbeddedCopy, usingPostgres, type TestDatabase } from '../helpers/test-database.js';

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

  it('never names a text that asks to be planned on each run', () => {
    const p = new PreparedStatements();
    assert.equal(p.nameFor(`${PLAN_EACH_TIME} update t set n = $1`), null);
    assert.notEqual(p.nameFor('update t set n = $1'), null);
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

describe('prepared statements on the embedded engine (PGlite)', () => {
  let handle: DatabaseHandle;
  let db: Kysely<Record<string, Record<string, unknown>>>;
  const prepared = async () =>
    (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements where statement like '%probe%'`.execute(db)).rows;
  before(async () => {
    handle = await openEmbeddedCopy();
    db = handle.db as unknown as typeof db;
    await sql`create table probe (id int primary key, label text, at timestamptz, tags text[], doc jsonb, ok boolean, n numeric(10,2))`.execute(db);
  });
  after(async () => {
    await handle.close();
  });

  it('binds every kind of value and reads it back; one statement per text, reused', async () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    await db.insertInto('probe').values({ id: 1, label: 'one', at, tags: sql`${['a', 'b']}::text[]`, doc: JSON.stringify({ k: [1, 'x'] }), ok: true, n: '19.99' }).execute();
    await db.insertInto('probe').values({ id: 2, label: null, at: null, tags: null, doc: null, ok: false, n: 0 }).execute();
    const rows = await db.selectFrom('probe').selectAll().where('id', 'in', [1, 2]).orderBy('id').execute();
    assert.deepEqual(rows, [
      { id: 1, label: 'one', at, tags: ['a', 'b'], doc: { k: [1, 'x'] }, ok: true, n: '19.99' },
      { id: 2, label: null, at: null, tags: null, doc: null, ok: false, n: '0.00' },
    ]);
    for (const id of [1, 2, 1]) assert.equal((await db.selectFrom('probe').select('id').where('id', '=', id).executeTakeFirstOrThrow()).id, id);
    const selects = (await prepared()).filter((r) => /^select "id" from "probe" where "id" = \$1$/.test(r.statement));
    assert.equal(selects.length, 1, JSON.stringify(await prepared()));
    const updated = await db.updateTable('probe').set({ label: 'uno' }).where('id', '=', 1).executeTakeFirst();
    assert.equal(updated.numUpdatedRows, 1n);
    const inserted = await db.insertInto('probe').values([{ id: 10 }, { id: 11 }]).executeTakeFirst();
    assert.equal(inserted.numInsertedOrUpdatedRows, 2n);
    const deleted = await db.deleteFrom('probe').where('id', '>=', 10).executeTakeFirst();
    assert.equal(deleted.numDeletedRows, 2n);
    assert.deepEqual(await db.selectFrom('probe').select('id').where('id', '>', 100).execute(), [], 'no rows');
  });

  it('errors keep their SQLSTATE; a statement that fails to parse is not kept', async () => {
    await assert.rejects(db.insertInto('probe').values({ id: 1, label: 'again' }).execute(), (e: { code?: string }) => e.code === '23505');
    await assert.rejects(sql`select nope from probe where id = ${1}`.execute(db), (e: { code?: string }) => e.code === '42703');
    assert.equal((await prepared()).filter((r) => r.statement.includes('nope')).length, 0);
    // inside a transaction the failure rolls it back, and the connection is usable after
    await assert.rejects(db.transaction().execute(async (tx) => {
      await tx.insertInto('probe').values({ id: 3, label: 'three' }).execute();
      await tx.insertInto('probe').values({ id: 3, label: 'three' }).execute();
    }));
    assert.equal(await db.selectFrom('probe').select('id').where('id', '=', 3).executeTakeFirst(), undefined);
  });

  it('a plan made stale by a schema change is retried unnamed, not an error', async () => {
    const read = () => db.selectFrom('probe').select(['id', 'label']).select(sql`probe.*`.as('all')).where('id', '=', 1).execute();
    await sql`create view probe_view as select * from probe`.execute(db);
    const view = () => sql<Record<string, unknown>>`select * from probe_view where id = ${1}`.execute(db);
    await view();
    await read();
    await sql`drop view probe_view`.execute(db);
    await sql`alter table probe add column extra text default 'x'`.execute(db);
    await sql`create view probe_view as select * from probe`.execute(db);
    const rows = (await view()).rows;
    assert.equal(rows[0]?.extra, 'x');
    assert.equal((await view()).rows[0]?.extra, 'x', 'and again (unnamed from now on)');
  });
});
