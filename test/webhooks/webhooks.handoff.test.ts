/**
 * Deliveries handed to the queuing process's own worker (docs/architecture.md, the outbox): a
 * sign-up's delivery, queued while the instance's worker runs, is sent with no claim statement —
 * queued already leased, handed over after the commit, and no notification wakes a claim; the
 * worker's limits hold for what it is handed (and one left waiting too long is given back); a
 * rollback sends nothing and frees the worker's room; and a row leased by an instance that died
 * before handing it over is claimed and sent by another worker once the lease has run out, with
 * the same webhook-id.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { AfterCommit, afterCommit } from '../../src/db/after-commit.js';
import { OutboxQueue } from '../../src/outbox/outbox-queue.js';
import { OutboxWorker } from '../../src/outbox/outbox-worker.js';
import { WebhookDeliverer } from '../../src/webhooks/webhook-deliverer.js';
import { api, type Api } from '../admin/admin-helpers.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { eventually, register, sleep, userWithRoles } from '../helpers/factories.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const silentLog = { info() {}, warn() {}, error() {} };
const CLAIM = /for update skip locked/i;

describe('webhook deliveries handed to the queuing instance\'s worker', () => {
  let t: TestContext;
  let admin: Api;
  let receiver: WebhookReceiver;
  let endpointId: string;
  // stands still unless a test moves it: a lease runs out only when the test says so
  const clock = new FakeClock();

  before(async () => {
    t = await buildTestContext({ clock, env: { WEBHOOK_TIMEOUT_SECONDS: '2' } });
    admin = api(t.app, (await userWithRoles(t.app, ['admin'], 'handoff-admin')).accessToken);
    receiver = await WebhookReceiver.start();
    const res = await admin('POST', '/admin/webhooks', { url: receiver.url, events: ['user.created'] });
    assert.equal(res.statusCode, 201, res.body);
    receiver.secrets = [res.json().secret];
    endpointId = res.json().id;
  });
  after(async () => {
    await t.services.webhookWorker.stop();
    await t.close();
    await receiver.down();
  });

  async function row(id: string) {
    const e = await new OutboxQueue().findForRecipient(t.services.database.db, 'webhook', endpointId, id);
    assert.ok(e, id);
    return e;
  }

  it('a sign-up\'s delivery goes out with no claim statement while the instance\'s worker runs', async () => {
    const worker = t.services.webhookWorker;
    await worker.start(silentLog);
    const statements: string[] = [];
    t.services.database.observe((sql) => statements.push(sql));
    try {
      // the worker's claim at start (and its slow poll, ten seconds later): over before counting
      worker.wake();
      await eventually(async () => statements.some((s) => CLAIM.test(s)), 'the claim at start', 3000);
      await sleep(200);
      statements.length = 0;

      const user = await register(t.app);
      await eventually(async () => receiver.received.some((r) => (r.json.data as { user_id: string }).user_id === user.id), 'delivered', 5000);
      const got = receiver.received.find((r) => (r.json.data as { user_id: string }).user_id === user.id)!;
      await eventually(async () => (await row(got.id)).status === 'sent', 'the outcome recorded', 3000);
      const claims = statements.filter((s) => CLAIM.test(s));
      assert.equal(claims.length, 0, `no claim statement (and no notification woke one): ${claims.length}`);
      const e = await row(got.id);
      assert.deepEqual([e.attempts, e.eventId !== null, got.verifiedBy], [1, true, [0]], 'one attempt, counted when queued');
      // the first attempt sends the bytes a claim would read back from the row (every retry's bytes)
      assert.equal(got.body, JSON.stringify(e.data));
    } finally {
      t.services.database.observe(null);
    }
  });

  it('handed more than an endpoint\'s allowance, the worker sends two at once, the rest as slots free; one left waiting too long is given back', async () => {
    const db = t.services.database.db;
    const queue = new OutboxQueue();
    const workerClock = new FakeClock(clock.now());
    const gates = new Map<string, () => void>();
    const sending = new Map<string, number>();
    let most = 0;
    const sent: string[] = [];
    const [a, b] = [randomUUID(), randomUUID()];
    const worker = new OutboxWorker({
      db,
      repo: queue,
      deliverer: {
        channel: 'webhook',
        concurrency: 4,
        perRecipient: 2,
        leaseMs: 30_000,
        deliver: async (m) => {
          if (m.to !== a && m.to !== b) return { kind: 'sent', keepData: true };
          sending.set(m.to, (sending.get(m.to) ?? 0) + 1);
          most = Math.max(most, sending.get(m.to)!);
          await new Promise<void>((resolve) => gates.set(m.id, resolve));
          sending.set(m.to, sending.get(m.to)! - 1);
          sent.push(m.id);
          return { kind: 'sent', keepData: true };
        },
      },
      clock: workerClock,
      listen: async () => async () => {},
    });
    /** three rows for `to` as the fan-out writes them (leased: due when the lease runs out, one attempt), handed over after their "commit" */
    async function handOver(to: string): Promise<string[]> {
      const reservation = worker.reserve([to, to, to]);
      assert.ok(reservation, 'reserved beyond the allowance: the rest wait for a slot');
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      const createdAt = new Date(workerClock.now());
      for (const id of ids) await queue.insert(db, { id, channel: 'webhook', template: 'user.created', to, userId: null, eventId: null, data: { n: 1 }, createdAt: reservation.leaseUntil });
      await sql`update outbox set attempts = 1 where id = any(${ids}::uuid[])`.execute(db);
      reservation.handOff(ids.map((id) => ({ id, template: 'user.created', to, data: { n: 1 }, attempts: 1, budgetAttempts: 1, createdAt })));
      return ids;
    }
    try {
      await worker.start(silentLog);
      await sleep(300); // the claim at start is over: a claiming worker reserves nothing
      const ids = await handOver(a);
      await eventually(async () => gates.size === 2, 'two sent at once', 3000);
      await sleep(100);
      assert.equal(gates.size, 2, 'the third waits for a slot');
      gates.get(ids[0]!)!();
      await eventually(async () => gates.has(ids[2]!), 'the third starts when a slot frees', 3000);
      gates.get(ids[1]!)!();
      gates.get(ids[2]!)!();
      await eventually(async () => sent.length === 3, 'all three sent', 3000);
      assert.equal(most, 2, 'never more than the allowance at once');

      const late = await handOver(b);
      await eventually(async () => gates.has(late[0]!) && gates.has(late[1]!), 'two of b sent at once', 3000);
      workerClock.advance(6_000);
      gates.get(late[0]!)!();
      // past the grace, the third is given back (due now, its attempt uncounted) and the worker's
      // claim takes it like any due row: leased anew from now, counted as the first attempt
      await eventually(async () => gates.has(late[2]!), 'sent after a claim', 3000);
      const back = (await queue.findForRecipient(db, 'webhook', b, late[2]!))!;
      assert.deepEqual([back.status, back.attempts, back.nextAttemptAt.getTime()], ['pending', 1, workerClock.now() + 30_000], 'claimed after being given back');
      gates.get(late[1]!)!();
    } finally {
      for (const open of gates.values()) open();
      await worker.stop();
    }
  });

  it('a rolled-back transaction\'s delivery is neither queued nor sent, and the worker\'s room is freed', async () => {
    const worker = t.services.webhookWorker;
    const db = t.services.database.db;
    const userId = randomUUID();
    const before = receiver.received.length;
    await assert.rejects(
      afterCommit((after) =>
        db.transaction().execute(async (tx) => {
          await t.services.audit.record(tx, { actorId: null, ip: null, userAgent: null }, { type: 'user.created', userId, data: { via: 'test' } }, [], after);
          throw new Error('rolled back');
        }),
      ),
      /rolled back/,
    );
    await sleep(300);
    assert.equal(receiver.received.length, before, 'nothing sent');
    const rows = await sql<{ n: number }>`select count(*)::int as n from outbox where user_id = ${userId}::uuid`.execute(db);
    assert.equal(rows.rows[0]!.n, 0, 'nothing queued');
    // all the room there is (16 sent or reserved, 16 waiting): none of it still held for the rollback
    const all = worker.reserve(Array.from({ length: 32 }, () => randomUUID()));
    assert.ok(all, 'the reservation was released');
    all.release();
  });

  it('a row leased by an instance that died before handing it over is sent by another worker once the lease runs out', async () => {
    const worker = t.services.webhookWorker;
    const db = t.services.database.db;
    const userId = randomUUID();
    // the event committed with its delivery leased to this instance's worker; the instance then
    // "dies": the post-commit hook never runs (its slots are freed, nothing is sent) and its worker stops
    const dying = new AfterCommit();
    await t.services.audit.record(db, { actorId: null, ip: null, userAgent: null }, { type: 'user.created', userId, data: { via: 'test' } }, [], dying);
    dying.abandoned();
    await worker.stop();
    const queued = await new OutboxQueue().listForRecipient(db, 'webhook', endpointId, { limit: 100, after: null });
    const deliveryId = queued.find((d) => (d.data as { data?: { user_id?: string } }).data?.user_id === userId)?.id;
    assert.ok(deliveryId, 'the delivery was queued');
    const leased = await row(deliveryId);
    assert.deepEqual([leased.status, leased.attempts], ['pending', 1]);
    assert.ok(leased.nextAttemptAt.getTime() > clock.now() + 30_000, 'due when the lease runs out');

    const other = new OutboxWorker({
      db,
      repo: new OutboxQueue(),
      deliverer: new WebhookDeliverer(t.services.webhooks, clock, { timeoutSeconds: 2, retryMaxSeconds: 60, maxAttempts: 5, urlPolicy: { production: false, allowPrivate: true } }),
      clock,
      listen: async () => async () => {},
    });
    const sent: string[] = [];
    try {
      await other.start(silentLog);
      other.wake();
      await sleep(500);
      assert.ok(!receiver.received.some((r) => r.id === deliveryId), 'not claimed while the lease runs');
      clock.advance(leased.nextAttemptAt.getTime() - clock.now() + 1000);
      other.wake();
      await eventually(async () => receiver.received.some((r) => r.id === deliveryId), 'delivered after the lease ran out', 5000);
      await eventually(async () => (await row(deliveryId)).status === 'sent', 'recorded', 3000);
      for (const r of receiver.received) if (r.id === deliveryId) sent.push(r.id);
      assert.equal(sent.length, 1, 'once, with the webhook-id it was queued with');
      assert.equal((await row(deliveryId)).attempts, 2, 'the lost attempt counted');
    } finally {
      await other.stop();
    }
  });
});
