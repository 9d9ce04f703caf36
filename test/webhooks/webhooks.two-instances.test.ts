/**
 * Two instances on one PostgreSQL database, both delivering webhooks (PostgreSQL only): every event
 * reaches the receiver exactly once, whichever instance claims it (FOR UPDATE SKIP LOCKED and a
 * lease), and an endpoint created on one instance hears events recorded on the other.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api } from '../admin/admin-helpers.js';
import { buildTestContext, servicesOf, type TestContext } from '../helpers/build-test-app.js';
import { eventually, register, sleep, userWithRoles } from '../helpers/factories.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const postgres = Boolean(process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL);
const silentLog = { info() {}, warn() {}, error() {} };

describe('webhooks on two instances', { skip: postgres ? false : 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let t: TestContext;
  let receiver: WebhookReceiver;
  before(async () => {
    t = await buildTestContext();
    receiver = await WebhookReceiver.start();
  });
  after(async () => {
    await t.close();
    await receiver.down();
  });

  it('every event is delivered exactly once while both instances deliver', async () => {
    const second = await t.startInstance();
    await t.services.webhookWorker.start(silentLog);
    await servicesOf(second).webhookWorker.start(silentLog);
    const admin = api(t.app, (await userWithRoles(t.app, ['admin'], 'hooks-admin')).accessToken);
    const created = await admin('POST', '/admin/webhooks', { url: receiver.url, events: ['user.created'] });
    assert.equal(created.statusCode, 201);
    receiver.secrets = [created.json().secret];
    // the second instance hears of the new endpoint through the bus (or its one-second reload)
    await sleep(1100);
    const apps = [t.app, second];
    // eight at a time: one client may have at most 16 password ratings waiting (the rest get 503)
    const users = [];
    for (let batch = 0; batch < 5; batch++) users.push(...(await Promise.all(Array.from({ length: 8 }, (_, i) => register(apps[i % 2]!)))));
    await eventually(async () => receiver.received.length >= users.length, 'all delivered', 15000);
    await sleep(1500);
    const ids = receiver.received.map((r) => r.id);
    assert.equal(ids.length, users.length, 'no event twice');
    assert.equal(new Set(ids).size, users.length);
    const subjects = new Set(receiver.received.map((r) => (r.json.data as { user_id: string }).user_id));
    for (const u of users) assert.ok(subjects.has(u.id), `delivered for ${u.email}`);
    assert.ok(receiver.received.every((r) => r.verifiedBy.length === 1));
  });
});
