/**
 * The outbox's hot statements keep an index plan as the table grows. Both engines run them as named
 * prepared statements, so a statement's generic plan is made once per connection — often while the
 * outbox is small — and is kept: where no autovacuum refreshes the statistics (the embedded engine;
 * PostgreSQL with it off) nothing makes the engine plan it again. A plan that scans the whole table
 * would then cost each delivery's outcome time in proportion to every message ever kept
 * (docs/architecture.md, the outbox). So each statement's plan is asked for as the engine will run
 * it: a named statement's generic plan on a near-empty table, as its first preparation sees it; a
 * statement PostgreSQL plans on each run (PLAN_EACH_TIME) on a table that has grown. Either must
 * find its rows through an index.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { PLAN_EACH_TIME } from '../../src/db/prepared-statements.js';
import { OutboxQueue } from '../../src/outbox/outbox-queue.js';
import type { Database } from '../../src/db/database-types.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { usingPostgres } from '../helpers/test-database.js';

describe('outbox statements: plans that do not depend on the table being small', () => {
  let t: TestContext;
  let db: Kysely<Database>;
  const queue = new OutboxQueue();
  before(async () => {
    t = await buildTestContext();
    db = t.services.database.db as Kysely<Database>;
  });
  after(async () => {
    await t.close();
  });

  /** the statements `run` sends, with their values */
  async function statementsOf(run: () => Promise<unknown>): Promise<{ text: string; values: readonly unknown[] }[]> {
    const seen: { text: string; values: readonly unknown[] }[] = [];
    t.services.database.observe((text, values) => seen.push({ text, values }));
    try {
      await run();
    } finally {
      t.services.database.observe(null);
    }
    return seen;
  }

  /**
   * the plan the engine runs `text` with, as text: PostgreSQL plans a PLAN_EACH_TIME statement for
   * the table as it is (a custom plan; `grow` first makes the table large); otherwise the generic
   * plan a named statement keeps, made here for the table as it is now (near-empty)
   */
  async function planOf(text: string, params: readonly unknown[], grow: () => Promise<void>): Promise<string> {
    const eachTime = usingPostgres && text.startsWith(PLAN_EACH_TIME);
    if (eachTime) await grow();
    return db.connection().execute(async (conn) => {
      await sql.raw(`set plan_cache_mode = ${eachTime ? 'force_custom_plan' : 'force_generic_plan'}`).execute(conn);
      await sql.raw(`prepare gh_plan_probe as ${text}`).execute(conn);
      try {
        // a utility statement takes no bound parameters: the values go in as literals
        const literal = (p: unknown): string => (p instanceof Date ? p.toISOString() : Array.isArray(p) ? `{${p.join(',')}}` : String(p));
        const literals = params.map((p) => `'${literal(p).replaceAll("'", "''")}'`);
        const { rows } = await sql.raw<Record<string, string>>(`explain execute gh_plan_probe(${literals.join(', ')})`).execute(conn);
        return rows.map((r) => Object.values(r)[0]).join('\n');
      } finally {
        await sql.raw('deallocate gh_plan_probe').execute(conn);
        await sql`reset plan_cache_mode`.execute(conn);
      }
    });
  }

  /** many messages already sent (a table that has been in use) */
  async function grow(): Promise<void> {
    await sql`insert into outbox (id, channel, template, to_address, data, status, attempts, next_attempt_at, created_at)
      select gen_random_uuid(), 'mail', 'verify_email', 'grown-' || g || '@example.com', '{}'::jsonb, 'sent', 1, now(), now() from generate_series(1, 5000) as g`.execute(db);
  }

  it("recording outcomes finds the rows by primary key, not by scanning the table", async () => {
    const id = randomUUID();
    await queue.insert(db, { id, channel: 'webhook', template: 'user.created', to: randomUUID(), userId: null, eventId: null, data: { n: 1 }, createdAt: new Date() });
    const outcomes = [{ id, kind: 'sent' as const, at: new Date(), keepData: false, statusCode: 204 }];
    const [statement] = await statementsOf(() => queue.record(db, outcomes));
    assert.ok(statement, 'record() sends one statement');
    const plan = await planOf(statement.text, statement.values, grow);
    assert.doesNotMatch(plan, /Seq Scan on outbox/, plan);
    assert.match(plan, /Index Scan using outbox_pkey|Bitmap Index Scan on outbox_pkey/, plan);
    // and the statement does what it says
    const row = await db.selectFrom('outbox').select(['status', 'data', 'last_status_code']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'sent', data: {}, last_status_code: 204 });
  });

  it('a claim reads the due messages through the index of pending messages, not by scanning the table', async () => {
    await queue.insert(db, { id: randomUUID(), channel: 'webhook', template: 'user.created', to: randomUUID(), userId: null, eventId: null, data: { n: 2 }, createdAt: new Date() });
    const now = Date.now();
    const [statement] = await statementsOf(() => queue.claimBatch(db, 'webhook', { now: new Date(now), leaseUntil: new Date(now + 30_000), limit: 4, perRecipient: 2, inFlight: new Map() }));
    assert.ok(statement, 'claimBatch() sends one statement');
    const plan = await planOf(statement.text, statement.values, grow);
    assert.doesNotMatch(plan, /Seq Scan on outbox/, plan);
  });
});
