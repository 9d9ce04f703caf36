/**
 * Webhook delivery to a real HTTP receiver on loopback, every request verified with the
 * `standardwebhooks` package: event filters, the body (the audit event exactly as the admin API
 * shows it), retries with the same webhook-id, dead and retried by an admin, a receiver down then
 * up (delivered exactly once), a redirect not followed, secret rotation (two signatures for 24 h),
 * a disabled endpoint, and a hanging endpoint that delays neither a healthy one nor mail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type Api } from '../admin/admin-helpers.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { eventually, login, register, sleep, userWithRoles } from '../helpers/factories.js';
import { SmtpSink } from '../helpers/smtp-sink.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const silentLog = { info() {}, warn() {}, error() {} };

describe('webhook delivery', () => {
  let t: TestContext;
  let admin: Api;
  let smtp: SmtpSink;
  const receivers: WebhookReceiver[] = [];
  const endpointIds: string[] = [];

  /** a receiver with an endpoint subscribed to `events` */
  async function subscribe(events: string[], options: { listening?: boolean } = {}): Promise<{ receiver: WebhookReceiver; id: string; secret: string }> {
    const receiver = await WebhookReceiver.start(options);
    receivers.push(receiver);
    const res = await admin('POST', '/admin/webhooks', { url: receiver.url, events });
    assert.equal(res.statusCode, 201, res.body);
    receiver.secrets = [res.json().secret];
    endpointIds.push(res.json().id);
    return { receiver, id: res.json().id, secret: res.json().secret };
  }

  async function deliveries(id: string): Promise<Array<Record<string, unknown>>> {
    return (await admin('GET', `/admin/webhooks/${id}/deliveries?limit=100`)).json().items;
  }

  before(async () => {
    smtp = await SmtpSink.start();
    t = await buildTestContext({ env: { WEBHOOK_RETRY_MAX_SECONDS: '1', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_TIMEOUT_SECONDS: '2', SMTP_URL: smtp.url } });
    admin = api(t.app, (await userWithRoles(t.app, ['admin'], 'hooks-admin')).accessToken);
    await t.services.webhookWorker.start(silentLog);
    await t.services.outboxWorker!.start(silentLog);
  });
  after(async () => {
    await t.close();
    for (const r of receivers) await r.down();
    await smtp.down();
  });

  // each test's endpoints stop hearing events once it is done, so later tests' events stay theirs
  async function quiet(): Promise<void> {
    for (const id of endpointIds.splice(0)) await admin('PATCH', `/admin/webhooks/${id}`, { enabled: false });
  }

  it('filters: an endpoint gets exactly the events it asked for; the body is the audit event as the admin API shows it', async () => {
    const created = await subscribe(['user.created']);
    const logins = await subscribe(['login.*']);
    const everything = await subscribe(['*']);
    const u = await register(t.app);
    assert.equal((await login(t.app, u.email)).statusCode, 200);
    await eventually(async () => created.receiver.received.length >= 1 && logins.receiver.received.length >= 1 && everything.receiver.ofType('login.succeeded').length >= 1, 'deliveries', 4000);
    await sleep(300);
    assert.deepEqual(created.receiver.received.map((r) => r.json.type), ['user.created']);
    assert.deepEqual(logins.receiver.received.map((r) => r.json.type), ['login.succeeded']);
    assert.ok(everything.receiver.ofType('user.created').length === 1 && everything.receiver.ofType('login.succeeded').length === 1);
    for (const r of [...created.receiver.received, ...logins.receiver.received, ...everything.receiver.received]) {
      assert.deepEqual(r.verifiedBy, [0], 'verified by standardwebhooks with the endpoint secret');
      assert.match(r.id, /^[0-9a-f-]{36}$/);
    }
    const delivered = created.receiver.received[0]!;
    const audit = (await admin('GET', `/admin/audit?user_id=${u.id}&type=user.created`)).json().items[0];
    assert.deepEqual(delivered.json.data, audit, 'data is the audit event exactly as GET /admin/audit returns it');
    assert.equal(delivered.json.timestamp, audit.created_at);
    const [row] = await deliveries(created.id);
    assert.equal(row!.id, delivered.id, 'webhook-id is the delivery id');
    assert.equal(row!.status, 'delivered');
    assert.equal(row!.event_id, audit.id);
    assert.equal(row!.event_type, 'user.created');
    assert.equal(row!.last_status_code, 204);
    assert.ok(row!.delivered_at);
    await quiet();
  });

  it('an error status is retried with the same webhook-id until a 2xx', async () => {
    const { receiver, id } = await subscribe(['user.created']);
    receiver.failNext = 2;
    await register(t.app);
    await eventually(async () => receiver.received.some((r) => r.status === 204), 'delivered after two failures', 8000);
    const ids = new Set(receiver.received.map((r) => r.id));
    assert.equal(receiver.received.length, 3);
    assert.equal(ids.size, 1, 'the same webhook-id on every attempt');
    const timestamps = receiver.received.map((r) => Number(r.timestamp));
    assert.ok(timestamps[2]! >= timestamps[0]!, 'each attempt carries its own timestamp');
    const [row] = await deliveries(id);
    assert.deepEqual([row!.status, row!.attempts], ['delivered', 3]);
    await quiet();
  });

  it('after WEBHOOK_MAX_ATTEMPTS the delivery is dead; an admin retry sends it again (same id, fresh budget)', async () => {
    const { receiver, id } = await subscribe(['user.created']);
    receiver.behaviour = 'fail';
    await register(t.app);
    await eventually(async () => (await deliveries(id))[0]?.status === 'dead', 'dead after 3 attempts', 10000);
    let [row] = await deliveries(id);
    assert.deepEqual([row!.attempts, row!.last_status_code, row!.last_error, row!.next_attempt_at], [3, 500, 'HTTP 500', null]);
    const seen = receiver.received.length;
    await sleep(1200);
    assert.equal(receiver.received.length, seen, 'a dead delivery is not tried again by itself');
    receiver.behaviour = 'ok';
    const retried = await admin('POST', `/admin/webhooks/${id}/deliveries/${row!.id}/retry`);
    assert.equal(retried.statusCode, 202);
    await eventually(async () => (await deliveries(id))[0]?.status === 'delivered', 'delivered after the retry', 4000);
    [row] = await deliveries(id);
    assert.equal(row!.attempts, 4, 'attempts keep counting');
    assert.equal(new Set(receiver.received.map((r) => r.id)).size, 1, 'the same webhook-id');
    await quiet();
  });

  it('a receiver down then up gets the delivery exactly once', async () => {
    const { receiver, id } = await subscribe(['user.created'], { listening: false });
    await register(t.app);
    await eventually(async () => (await deliveries(id))[0]?.status === 'failed', 'a failed attempt (connection refused)', 4000);
    const [failed] = await deliveries(id);
    assert.equal(failed!.last_status_code, null);
    assert.match(String(failed!.last_error), /connection failed: ECONNREFUSED/);
    await receiver.up();
    // the attempt budget may run out while it is down; the admin then retries: either way exactly once
    await eventually(async () => receiver.received.length === 1 || (await deliveries(id))[0]?.status === 'dead', 'delivered or dead', 8000);
    if (receiver.received.length === 0) {
      await admin('POST', `/admin/webhooks/${id}/deliveries/${failed!.id}/retry`);
      await eventually(async () => receiver.received.length === 1, 'delivered after the retry', 4000);
    }
    await sleep(1500);
    assert.equal(receiver.received.length, 1, 'exactly once');
    await quiet();
  });

  it('a redirect is not followed: the delivery failed with the 3xx', async () => {
    const { receiver, id } = await subscribe(['user.created']);
    receiver.behaviour = 'redirect';
    await register(t.app);
    await eventually(async () => (await deliveries(id))[0]?.last_status_code === 302, 'a 302 recorded', 4000);
    const [row] = await deliveries(id);
    assert.match(String(row!.last_error), /redirects are not followed/);
    assert.ok(['failed', 'dead'].includes(String(row!.status)));
    await quiet();
  });

  it('after a rotation, deliveries carry two signatures: the new secret and the old one both verify', async () => {
    const { receiver, id, secret } = await subscribe(['user.created']);
    const rotated = (await admin('POST', `/admin/webhooks/${id}/secret`)).json();
    receiver.secrets = [rotated.secret, secret];
    await register(t.app);
    await eventually(async () => receiver.received.length === 1, 'delivered', 4000);
    const r = receiver.received[0]!;
    assert.equal(r.signature.split(' ').length, 2, 'two v1 signatures');
    assert.deepEqual(r.verifiedBy, [0, 1], 'each secret verifies it on its own');
    // a second rotation retires the oldest: at most two live
    const again = (await admin('POST', `/admin/webhooks/${id}/secret`)).json();
    receiver.secrets = [again.secret, rotated.secret, secret];
    await register(t.app);
    await eventually(async () => receiver.received.length === 2, 'delivered', 4000);
    assert.deepEqual(receiver.received[1]!.verifiedBy, [0, 1]);
    await quiet();
  });

  it('events while an endpoint is disabled are not delivered; its pending deliveries wait until it is enabled', async () => {
    const { receiver, id } = await subscribe(['user.created']);
    receiver.failNext = 1;
    const first = await register(t.app);
    await eventually(async () => (await deliveries(id))[0]?.status === 'failed', 'first attempt failed', 4000);
    await admin('PATCH', `/admin/webhooks/${id}`, { enabled: false });
    await register(t.app); // happens while disabled: never delivered
    await sleep(2000);
    assert.equal(receiver.received.filter((r) => r.status === 204).length, 0, 'nothing delivered while disabled');
    await admin('PATCH', `/admin/webhooks/${id}`, { enabled: true });
    await eventually(async () => receiver.received.some((r) => r.status === 204), 'the pending delivery went out once enabled', 4000);
    await sleep(500);
    const delivered = receiver.received.filter((r) => r.status === 204);
    assert.equal(delivered.length, 1);
    assert.equal((delivered[0]!.json.data as { user_id: string }).user_id, first.id);
    assert.equal((await deliveries(id)).length, 1, 'no delivery was queued for the event while disabled');
    await quiet();
  });

  it('a hanging endpoint delays neither a healthy endpoint nor mail', async () => {
    const hanging = await subscribe(['user.created']);
    hanging.receiver.behaviour = 'hang';
    const healthy = await subscribe(['user.created']);
    const users = [];
    for (let i = 0; i < 6; i++) users.push(await register(t.app));
    await eventually(async () => healthy.receiver.received.length === 6, 'the healthy endpoint got all six', 5000);
    for (const u of users) await smtp.waitFor(u.email, /Verify your email/, 5000);
    // in flight at one moment, not in total: on a slow host the first two may time out and be retried meanwhile
    assert.ok(hanging.receiver.maxHanging >= 1 && hanging.receiver.maxHanging <= 2, `at most two requests in flight to one endpoint (saw ${hanging.receiver.maxHanging})`);
    const rows = await deliveries(hanging.id);
    assert.equal(rows.length, 6);
    await eventually(async () => (await deliveries(hanging.id)).some((r) => /timeout/.test(String(r.last_error))), 'a timeout recorded', 6000);
    await quiet();
  });
});
