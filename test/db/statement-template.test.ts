/**
 * Statements built and compiled once (src/db/statement-template.ts): each execution binds its own
 * values where the builder put them (a value used twice, constants of the builder kept), answers
 * what the same query built the ordinary way answers, runs inside a transaction like any query,
 * and a builder that does not pass a value on is refused instead of silently ignoring it. A
 * statement composed of several owners' parts is compiled once per shape (which parts, in which
 * order), each part's values landing in its own CTEs; a sign-in after the first of its shape has
 * Kysely build and compile nothing at all. On the test engine (PGlite, or PostgreSQL with
 * TEST_DATABASE_URL).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DefaultQueryCompiler, sql, type Kysely } from 'kysely';
import type { Db, Executor, StatementStart } from '../../src/db/database-types.js';
import type { DatabaseHandle } from '../../src/db/database.js';
import { ComposedTemplate, CteTemplate, StatementTemplate } from '../../src/db/statement-template.js';
import { api } from '../admin/admin-helpers.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { CHROME_MAC_UA, IPHONE_UA, login, PASSWORD, register, userWithRoles } from '../helpers/factories.js';
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

/** counts every query Kysely compiles in this process while `work` runs (builders and raw `sql` alike) */
async function kyselyCompiles(work: () => Promise<void>): Promise<number> {
  const original = DefaultQueryCompiler.prototype.compileQuery;
  let n = 0;
  DefaultQueryCompiler.prototype.compileQuery = function (this: DefaultQueryCompiler, ...args: Parameters<typeof original>) {
    n++;
    return original.apply(this, args);
  };
  try {
    await work();
  } finally {
    DefaultQueryCompiler.prototype.compileQuery = original;
  }
  return n;
}

describe('ComposedTemplate: a statement of several owners’ parts', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let db: Db;
  before(async () => {
    database = await createTestDatabase();
    handle = await database.open();
    db = handle.db;
    await sql`create table part_a (id int primary key, label text, tags text[])`.execute(db);
    await sql`create table part_b (id uuid primary key, owner int, note text)`.execute(db);
  });
  after(async () => {
    await handle.close();
    await database.drop();
  });

  type Tables = { part_a: { id: number; label: string; tags: string[] }; part_b: { id: string; owner: number; note: string } };
  const loose = (start: StatementStart) => start as unknown as Kysely<Tables>;
  const builds = { a: 0, b: 0, end: 0 };
  // part A: one row, an array value as one parameter; part B: any number of rows from two arrays, and a constant
  const partA = new CteTemplate((start: StatementStart, v: { id: number; label: string; tags: string[] }) => {
    builds.a++;
    return loose(start).with('a_rows', (qb) => qb.insertInto('part_a').values({ id: v.id, label: v.label, tags: v.tags }).returning('id')) as unknown as StatementStart;
  });
  const partB = new CteTemplate((start: StatementStart, v: { ids: string[]; owner: number; notes: string[] }) => {
    builds.b++;
    return loose(start).with('b_rows', (qb) =>
      qb.insertInto('part_b').columns(['id', 'owner', 'note']).expression(sql`select q.id, ${v.owner}::int, q.note || ${'!'}::text from unnest(${v.ids}::uuid[], ${v.notes}::text[]) as q(id, note)`),
    ) as unknown as StatementStart;
  });
  const end = new ComposedTemplate((start: StatementStart, v: { answer: number }) => {
    builds.end++;
    return loose(start).selectNoFrom(sql<number>`${v.answer}::int`.as('answer'));
  });
  const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

  it('compiles each shape once; every execution’s values land in their own part', async () => {
    const run = (parts: Parameters<typeof end.execute>[1], answer: number) => end.execute(db, parts, { answer });
    for (let i = 1; i <= 3; i++) {
      assert.deepEqual(await run([partA.of({ id: i, label: `a${i}`, tags: [`t${i}`, 'x'] }), partB.of({ ids: [uuid(i), uuid(10 + i)], owner: i, notes: [`n${i}`, `m${i}`] })], i), [{ answer: i }]);
    }
    assert.deepEqual(builds, { a: 1, b: 1, end: 1 }, 'one shape: built once');
    // other shapes: one part, none, the parts the other way round (B has any number of rows in one shape)
    await run([partA.of({ id: 4, label: 'a4', tags: [] })], 4);
    await run([partA.of({ id: 5, label: 'a5', tags: ['t5'] })], 5);
    await run([], 6);
    await run([], 7);
    await run([partB.of({ ids: [uuid(8)], owner: 8, notes: ['n8'] }), partA.of({ id: 8, label: 'a8', tags: ['t8'] })], 8);
    await run([partB.of({ ids: [], owner: 9, notes: [] }), partA.of({ id: 9, label: 'a9', tags: ['t9'] })], 9);
    assert.equal(end.shapes, 4);
    assert.deepEqual(builds, { a: 3, b: 2, end: 4 });

    const a = await (db as unknown as Kysely<Tables>).selectFrom('part_a').selectAll().orderBy('id').execute();
    assert.deepEqual(a, [
      { id: 1, label: 'a1', tags: ['t1', 'x'] },
      { id: 2, label: 'a2', tags: ['t2', 'x'] },
      { id: 3, label: 'a3', tags: ['t3', 'x'] },
      { id: 4, label: 'a4', tags: [] },
      { id: 5, label: 'a5', tags: ['t5'] },
      { id: 8, label: 'a8', tags: ['t8'] },
      { id: 9, label: 'a9', tags: ['t9'] },
    ]);
    const b = await (db as unknown as Kysely<Tables>).selectFrom('part_b').selectAll().orderBy('owner').orderBy('note').execute();
    assert.deepEqual(b, [
      { id: uuid(11), owner: 1, note: 'm1!' },
      { id: uuid(1), owner: 1, note: 'n1!' },
      { id: uuid(12), owner: 2, note: 'm2!' },
      { id: uuid(2), owner: 2, note: 'n2!' },
      { id: uuid(13), owner: 3, note: 'm3!' },
      { id: uuid(3), owner: 3, note: 'n3!' },
      { id: uuid(8), owner: 8, note: 'n8!' },
    ]);
  });

  it('is one statement: a failing part writes nothing of the others', async () => {
    // id 1 is taken: part A fails, so part B's rows of the same statement are not written either
    await assert.rejects(() => end.execute(db, [partB.of({ ids: [uuid(99)], owner: 99, notes: ['gone'] }), partA.of({ id: 1, label: 'again', tags: [] })], { answer: 0 }));
    assert.equal((await (db as unknown as Kysely<Tables>).selectFrom('part_b').select('id').where('owner', '=', 99).execute()).length, 0);
  });

  it('refuses a part whose builder does not pass a value on', async () => {
    const inspecting = new CteTemplate((start: StatementStart, v: { id: number; label: string }) =>
      loose(start).with('x', (qb) => qb.insertInto('part_a').values({ id: v.id, label: typeof v.label === 'string' ? v.label : 'marker', tags: [] })) as unknown as StatementStart,
    );
    const ending = new ComposedTemplate((start: StatementStart, _: Record<string, never>) => loose(start).selectNoFrom(sql<number>`1`.as('one')));
    await assert.rejects(() => ending.execute(db, [inspecting.of({ id: 50, label: 'l' })], {}), /value label of part 0 is not a parameter/);
  });
});

const OTHER_DEVICES = [
  'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
];

describe('the sign-in’s statements are compiled once per shape', () => {
  let t: TestContext;
  before(async () => {
    // a clock that stands still: no cache (key set, webhook endpoints) reloads between the sign-ins
    t = await buildTestContext({ clock: new FakeClock() });
  });
  after(async () => {
    await t.close();
  });

  const outbox = (userId: string) =>
    sql<{ channel: string; template: string; to_address: string; event_id: string | null }>`select channel, template, to_address, event_id from outbox where user_id = ${userId}::uuid order by channel, to_address`.execute(t.services.database.db);

  it('after the first sign-in of a shape, a sign-in has Kysely build and compile nothing; each writes its own rows', async () => {
    const u = await register(t.app);
    const userId = u.id;
    // shape 1: session + new-device notice (mail is wired in every test app) + audit event
    // the first sign-in of its shape compiles its statement — unless an earlier test file in this
    // process already did (templates are per process), so only what follows is counted
    assert.equal((await login(t.app, u.email, PASSWORD, { 'user-agent': CHROME_MAC_UA })).statusCode, 200);
    const again = await kyselyCompiles(async () => {
      assert.equal((await login(t.app, u.email, PASSWORD, { 'user-agent': CHROME_MAC_UA })).statusCode, 200);
      assert.equal((await login(t.app, u.email, PASSWORD, { 'user-agent': IPHONE_UA })).statusCode, 200);
    });
    assert.equal(again, 0, 'the same shape: nothing built or compiled');
    // shape 2: … and the event's deliveries to two webhook endpoints
    const admin = api(t.app, (await userWithRoles(t.app, ['admin'], 'compile-admin')).accessToken);
    const endpoints: string[] = [];
    for (const events of [['login.succeeded'], ['login.*', 'user.created']]) {
      const res = await admin('POST', '/admin/webhooks', { url: 'https://hooks.example.com/in', events });
      assert.equal(res.statusCode, 201, res.body);
      endpoints.push(res.json().id);
    }
    assert.equal((await login(t.app, u.email, PASSWORD)).statusCode, 200);
    const withDeliveries = await kyselyCompiles(async () => {
      for (const ua of OTHER_DEVICES) assert.equal((await login(t.app, u.email, PASSWORD, { 'user-agent': ua })).statusCode, 200);
    });
    assert.equal(withDeliveries, 0, 'the same shape with deliveries: nothing built or compiled');

    // what was written: one notice per device unseen before (Chrome on a Mac, the iPhone, the three others; the
    // sign-in without a user agent of its own is from the device the user registered from),
    // and each of the four sign-ins after the endpoints came heard by both
    const rows = (await outbox(userId)).rows;
    assert.equal(rows.filter((r) => r.channel === 'mail' && r.template === 'new_sign_in').length, 5);
    const deliveries = rows.filter((r) => r.channel === 'webhook');
    assert.equal(deliveries.length, 8);
    assert.deepEqual([...new Set(deliveries.map((r) => r.to_address))].sort(), [...endpoints].sort());
    assert.ok(deliveries.every((r) => r.template === 'login.succeeded' && r.event_id !== null));
    assert.equal(new Set(deliveries.map((r) => r.event_id)).size, 4, 'one event per sign-in, two deliveries each');
    // the audit chain the templated appends wrote verifies
    assert.equal((await t.services.audit.verify()).ok, true);
  });
});
