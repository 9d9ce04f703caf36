/**
 * Deliveries handed to the queuing process's own worker (docs/architecture.md, the outbox): a
 * sign-up's delivery, queued while the instance's worker runs, is sent with no claim statement —
 * queued already leased, handed over after the commit, and no notification wakes a claim; the
 * worker's limits hold for what it is handed; and a row leased by an instance that died before
 * handing it over is claimed and sent by another worker once the lease has run out, with the same
 * webhook-id.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AfterCommit } from '../../src/db/after-commit.js';
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

  it('the worker reserves within its limits: concurrency and each recipient\'s allowance', async () => {
    const worker = t.services.webhookWorker;
    const [a, b] = [randomUUID(), randomUUID()];
    assert.equal(worker.reserve([a, a, a]), null, 'three for one endpoint: above its allowance of two');
    const first = worker.reserve([a, a]);
    assert.ok(first, 'two for one endpoint');
    assert.equal(worker.reserve([a]), null, 'the endpoint is at its allowance');
    const others = Array.from({ length: 14 }, () => randomUUID());
    const rest = worker.reserve(others);
    assert.ok(rest, 'fourteen more: sixteen in all');
    assert.equal(worker.reserve([b]), null, 'the worker is full');
    first.release();
    const again = worker.reserve([a]);
    assert.ok(again, 'released: room again');
    again.release();
    rest.release();
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
