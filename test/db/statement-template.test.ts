/**
 * Statements built and compiled once (src/db/statement-template.ts): each execution binds its own
 * values where the builder put them (a value used twice, constants of the builder kept), answers
 * what the same query built the ordinary way answers, runs inside a transaction like any query,
 * and a builder that does not pass a value on is refused instead of silently ignoring it. On the
 * test engine (PGlite, or PostgreSQL with TEST_DATABASE_URL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import type { Db, Executor } from '../../src/db/database-types.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { StatementTemplate } from '../../src/db/statement-template.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';

describe('StatementTemplate', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let db: Db;
  before(async () => {
    database = await createTestDatabase();
    handle = await database.open();
    db = handle.db;
    await sql`create table probe (id int primary key, label text, kind text, at timestamptz)`.execute(db);
    await sql`insert into probe values (1, 'one', 'a', '2026-01-01T00:00:00Z'), (2, 'two', 'b', '2026-01-02T00:00:00Z'), (3, 'three', 'a', null)`.execute(db);
  });
  after(async () => {
    await handle.close();
    await database.drop();
  });

  // the builder of the table-less probe: typed loosely (the schema's tables are not under test)
  type Row = { id: number; label: string; kind: string; at: Date | null };
  const build = (d: Executor, label: string, kind: string) =>
    (d as unknown as Kysely<{ probe: Row }>)
      .selectFrom('probe')
      .selectAll()
      // `label` twice, and a constant of the builder (3) that every execution keeps
      .where((eb) => eb.or([eb('label', '=', label), eb('kind', '=', kind), eb(sql`upper(label)`, '=', label)]))
      .where('id', '<=', 3)
      .orderBy('id');

  it('binds each execution’s values where the builder put them, and answers as the ordinary query does', async () => {
    let builds = 0;
    const t = new StatementTemplate(2, (d: Executor, label: string, kind: string) => {
      builds++;
      return build(d, label, kind);
    });
    for (const [label, kind] of [['one', 'none'], ['TWO', 'a'], ['three', 'b'], ['nobody', 'none']] as const) {
      const viaTemplate = await t.execute(db, label, kind);
      const ordinary = await build(db, label, kind).execute();
      assert.deepEqual(viaTemplate, ordinary, `${label}/${kind}`);
    }
    assert.deepEqual((await t.execute(db, 'one', 'b')).map((r) => r.id), [1, 2]);
    assert.equal((await t.executeTakeFirst(db, 'nobody', 'none')), undefined);
    assert.equal(builds, 1, 'built and compiled once');
  });

  it('runs inside a transaction, seeing its uncommitted rows; the builder’s constants stay', async () => {
    const bounded = new StatementTemplate(1, (d: Executor, label: string) => build(d, label, 'none'));
    const unbounded = new StatementTemplate(1, (d: Executor, label: string) => (d as unknown as Kysely<{ probe: Row }>).selectFrom('probe').selectAll().where('label', '=', label).orderBy('id'));
    const rollback = new Error('rollback');
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await sql`insert into probe values (4, 'one', 'c', null)`.execute(tx);
        assert.deepEqual((await unbounded.execute(tx, 'one')).map((r) => r.id), [1, 4]);
        assert.deepEqual((await bounded.execute(tx, 'one')).map((r) => r.id), [1], 'id <= 3, as compiled');
        throw rollback;
      }),
      rollback,
    );
    assert.deepEqual((await unbounded.execute(db, 'one')).map((r) => r.id), [1]);
  });

  it('refuses a builder that does not pass a value on', async () => {
    // a builder that looks at the value instead of passing it on would compile a constant
    const t = new StatementTemplate(2, (d: Executor, label: string, kind: string) => build(d, label, typeof kind === 'string' ? kind : 'a'));
    await assert.rejects(() => t.execute(db, 'one', 'a'), /value 1 is not a parameter/);
  });
});
