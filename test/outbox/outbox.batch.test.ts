/**
 * The outbox's batched paths (docs/architecture.md, the outbox): one statement claims as many due
 * messages as there are free slots — never more than a recipient's allowance, counting what this
 * process already sends — and says when to look again; one statement records many outcomes, each
 * row its own. Then a worker end to end: one claim takes three deliveries of one event to three
 * endpoints (2xx, 500, hanging), and each delivery ends in its own state. And the wake-ups: a
 * worker claims only for its own channel's notifications, and notifications that follow each other
 * closely share one claim.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OutboxQueue, type ClaimBatch, type OutboxEntry } from '../../src/outbox/outbox-queue.js';
import { OutboxWorker } from '../../src/outbox/outbox-worker.js';
import { WebhookDeliverer } from '../../src/webhooks/webhook-deliverer.js';
import type { Executor } from '../../src/db/database-types.js';
import { api, type Api } from '../admin/admin-helpers.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { eventually, register, userWithRoles } from '../helpers/factories.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const silentLog = { info() {}, warn() {}, error() {} };

describe('outbox batches', () => {
  let t: TestContext;
  let db: Executor;
  const queue = new OutboxQueue();
  before(async () => {
    t = await buildTestContext();
    db = t.services.database.db;
  });
  after(async () => {
    await t.close();
  });

  /** a webhook-channel message for `to`, due at `due` (no worker of this context runs) */
  async function queued(to: string, due: Date, data: Record<string, unknown> = { n: 1 }): Promise<string> {
    const id = randomUUID();
    await queue.insert(db, { id, channel: 'webhook', template: 'user.created', to, userId: null, eventId: null, data, createdAt: due });
    return id;
  }

  async function entry(to: string, id: string): Promise<OutboxEntry> {
    const e = await queue.findForRecipient(db, 'webhook', to, id);
    assert.ok(e, id);
    return e;
  }

  it('one claim takes every recipient its allowance, counting messages in flight, and says when the next is due', async () => {
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const now = Date.now();
    const aIds = [];
    for (let i = 0; i < 4; i++) aIds.push(await queued(a, new Date(now - 10_000 + i)));
    const bId = await queued(b, new Date(now - 5_000));
    const later = new Date(now + 3600_000);
    await queued(c, later);
    const lease = new Date(now + 40_000);

    // a already has one in flight here: one more for a, and b's one
    let batch: ClaimBatch = await queue.claimBatch(db, 'webhook', { now: new Date(now), leaseUntil: lease, limit: 16, perRecipient: 2, inFlight: new Map([[a, 1]]) });
    assert.deepEqual(batch.messages.map((m) => m.id).sort(), [aIds[0], bId].sort(), 'the oldest of a, and b');
    assert.ok(batch.messages.every((m) => m.attempts === 1 && m.budgetAttempts === 1));
    assert.equal(batch.more, false, 'every due row was seen');
    assert.equal(batch.nextDue?.getTime(), later.getTime(), "a is at its limit and b has nothing left: c's message is next");
    assert.deepEqual(batch.blocked, [a], 'a has due messages waiting for a slot');
    assert.equal((await entry(a, aIds[0]!)).nextAttemptAt.getTime(), lease.getTime(), 'leased');

    // at their limits: nothing, and a's waiting rows do not count as due (no busy polling)
    batch = await queue.claimBatch(db, 'webhook', { now: new Date(now), leaseUntil: lease, limit: 16, perRecipient: 2, inFlight: new Map([[a, 2], [b, 2]]) });
    assert.deepEqual(batch.messages, []);
    assert.equal(batch.nextDue?.getTime(), later.getTime());
    assert.deepEqual(batch.blocked, [a]);

    // one free slot: the scan stops early and says so
    batch = await queue.claimBatch(db, 'webhook', { now: new Date(now), leaseUntil: lease, limit: 1, perRecipient: 2, inFlight: new Map() });
    assert.deepEqual(batch.messages.map((m) => m.id), [aIds[1]]);
    assert.equal(batch.more, true);
    assert.deepEqual(batch.blocked, [], 'a is below its limit: not blocked, only short of slots');
    assert.ok(batch.nextDue && batch.nextDue.getTime() <= now, "a's next row is due now and a has a free slot");

    // claimed rows are not claimed again while their lease runs
    batch = await queue.claimBatch(db, 'webhook', { now: new Date(now), leaseUntil: lease, limit: 16, perRecipient: 4, inFlight: new Map() });
    assert.deepEqual(batch.messages.map((m) => m.id).sort(), [aIds[2], aIds[3]].sort());
  });

  it('one statement records mixed outcomes, each row its own', async () => {
    const to = randomUUID();
    const now = Date.now();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await queued(to, new Date(now - 1000 + i), { secret: 'code' }));
    const batch = await queue.claimBatch(db, 'webhook', { now: new Date(now), leaseUntil: new Date(now + 40_000), limit: 16, perRecipient: 4, inFlight: new Map() });
    assert.deepEqual(batch.messages.filter((m) => m.to === to).map((m) => m.id).sort(), [...ids].sort());
    const [sent, retried, dead, parked] = ids as [string, string, string, string];
    const retryAt = new Date(now + 2000);
    const parkUntil = new Date(now + 3600_000);
    await queue.record(db, [
      { id: sent, kind: 'sent', at: new Date(now), keepData: false, statusCode: 204 },
      { id: retried, kind: 'retry', due: retryAt, error: `HTTP 500 ${'x'.repeat(2000)}`, statusCode: 500 },
      { id: dead, kind: 'dead', error: 'timeout', keepData: true, statusCode: null },
      { id: parked, kind: 'park', due: parkUntil },
    ]);
    const s = await entry(to, sent);
    assert.deepEqual([s.status, s.lastStatusCode, s.lastError, s.sentAt?.getTime(), s.data, s.attempts], ['sent', 204, null, now, {}, 1]);
    const r = await entry(to, retried);
    assert.deepEqual([r.status, r.lastStatusCode, r.nextAttemptAt.getTime(), r.lastError?.length, r.sentAt, r.data, r.attempts], ['pending', 500, retryAt.getTime(), 1000, null, { secret: 'code' }, 1]);
    const d = await entry(to, dead);
    assert.deepEqual([d.status, d.lastStatusCode, d.lastError, d.data, d.sentAt], ['dead', null, 'timeout', { secret: 'code' }, null]);
    const p = await entry(to, parked);
    assert.deepEqual([p.status, p.nextAttemptAt.getTime(), p.attempts, p.lastError], ['pending', parkUntil.getTime(), 0, null], 'parked: not counted as an attempt');
  });

  it('a worker wakes for its own channel only, and notifications close together share one claim', async () => {
    const to = randomUUID();
    const claims: number[] = [];
    class CountingQueue extends OutboxQueue {
      override async claimBatch(...args: Parameters<OutboxQueue['claimBatch']>): Promise<ClaimBatch> {
        const batch = await super.claimBatch(...args);
        if (args[2].inFlight.size === 0 || batch.messages.length > 0) claims.push(batch.messages.length);
        return batch;
      }
    }
    let notify: (payload: string) => void = () => assert.fail('not listening');
    const delivered: string[] = [];
    const worker = new OutboxWorker({
      db,
      repo: new CountingQueue(),
      deliverer: {
        channel: 'webhook',
        concurrency: 16,
        perRecipient: 16,
        leaseMs: 30_000,
        deliver: async (m) => {
          if (m.to === to) delivered.push(m.id);
          return { kind: 'sent', keepData: false };
        },
      },
      clock: new FakeClock(Date.now() + 1000),
      listen: async (onNotify) => {
        notify = onNotify;
        return async () => {};
      },
      claimSpacingMs: 200,
    });
    await worker.start(silentLog);
    await eventually(async () => claims.length >= 1, 'the claim at start', 3000);
    // at rest: what the earlier tests left due has been taken, no claim for 300 ms
    for (let seen = -1; seen !== claims.length; ) {
      seen = claims.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    const atRest = claims.length;

    // another channel's messages: no claim
    for (let i = 0; i < 3; i++) notify('mail');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(claims.length, atRest, 'mail notifications do not wake the webhook worker');

    // three of this channel's, committed and notified 50 ms apart: the first is claimed at once,
    // the two that follow within the spacing share the next claim
    const ids = [];
    for (let i = 0; i < 3; i++) {
      ids.push(await queued(to, new Date(Date.now() - 1000)));
      notify('webhook');
      await new Promise((r) => setTimeout(r, 50));
    }
    await eventually(async () => delivered.length === 3, 'the three delivered', 3000);
    const taking = claims.slice(atRest).filter((n) => n > 0);
    assert.deepEqual(taking, [1, 2], `one claim for the first, one for the two that followed: ${JSON.stringify(claims.slice(atRest))}`);
    assert.deepEqual(delivered.sort(), ids.sort());

    // an empty payload (an instance on the old trigger) wakes every channel's worker
    const late = await queued(to, new Date(Date.now() - 1000));
    await new Promise((r) => setTimeout(r, 250));
    notify('');
    await eventually(async () => delivered.includes(late), 'woken by an empty payload', 3000);
    await worker.stop();
  });
});

describe('a batch of webhook deliveries with mixed outcomes', () => {
  let t: TestContext;
  let admin: Api;
  const receivers: WebhookReceiver[] = [];
  before(async () => {
    t = await buildTestContext();
    admin = api(t.app, (await userWithRoles(t.app, ['admin'], 'batch-admin')).accessToken);
  });
  after(async () => {
    await t.close();
    for (const r of receivers) await r.down();
  });

  it('one claim takes the event\'s three deliveries; the 2xx is delivered, the 500 and the timeout each wait for their own retry', async () => {
    const endpoints = [];
    for (const behaviour of ['ok', 'fail', 'hang'] as const) {
      const receiver = await WebhookReceiver.start();
      receiver.behaviour = behaviour;
      receivers.push(receiver);
      const res = await admin('POST', '/admin/webhooks', { url: receiver.url, events: ['user.created'] });
      assert.equal(res.statusCode, 201, res.body);
      receiver.secrets = [res.json().secret];
      endpoints.push({ behaviour, id: res.json().id as string, receiver });
    }
    await register(t.app);

    // the queue as the services use it, its claims counted; a clock that stands still, so a
    // retry (due a second later) is never due while the test looks
    const claims: number[] = [];
    class CountingQueue extends OutboxQueue {
      override async claimBatch(...args: Parameters<OutboxQueue['claimBatch']>): Promise<ClaimBatch> {
        const batch = await super.claimBatch(...args);
        claims.push(batch.messages.length);
        return batch;
      }
    }
    const clock = new FakeClock(Date.now() + 1000);
    const outcomes: string[] = [];
    const worker = new OutboxWorker({
      db: t.services.database.db,
      repo: new CountingQueue(),
      deliverer: new WebhookDeliverer(t.services.webhooks, clock, { timeoutSeconds: 1, retryMaxSeconds: 60, maxAttempts: 5, urlPolicy: { production: false, allowPrivate: true } }),
      clock,
      listen: async () => async () => {},
      onOutcome: (m) => outcomes.push(m.id),
    });
    await worker.start(silentLog);
    await eventually(async () => outcomes.length === 3, 'three outcomes recorded', 6000);
    await worker.stop();
    assert.equal(claims[0], 3, 'the first claim took all three');

    const rows = new Map<string, Record<string, unknown>>();
    for (const e of endpoints) {
      const items = (await admin('GET', `/admin/webhooks/${e.id}/deliveries`)).json().items as Array<Record<string, unknown>>;
      assert.equal(items.length, 1, e.behaviour);
      rows.set(e.behaviour, items[0]!);
    }
    const ok = rows.get('ok')!;
    assert.deepEqual([ok.status, ok.attempts, ok.last_status_code, ok.last_error, ok.next_attempt_at], ['delivered', 1, 204, null, null]);
    assert.ok(ok.delivered_at);
    const failed = rows.get('fail')!;
    assert.deepEqual([failed.status, failed.attempts, failed.last_status_code, failed.last_error, failed.delivered_at], ['failed', 1, 500, 'HTTP 500', null]);
    const hung = rows.get('hang')!;
    assert.deepEqual([hung.status, hung.attempts, hung.last_status_code, hung.delivered_at], ['failed', 1, null, null]);
    assert.match(String(hung.last_error), /^timeout/);
    for (const row of [failed, hung]) {
      const due = Date.parse(String(row.next_attempt_at)) - clock.now();
      assert.ok(due >= 800 && due <= 1200, `retry due a second (±20 %) after the attempt: ${due} ms`);
    }
    assert.equal(endpoints[0]!.receiver.received.length, 1);
    assert.deepEqual(endpoints[0]!.receiver.received[0]!.verifiedBy, [0]);
  });

});
