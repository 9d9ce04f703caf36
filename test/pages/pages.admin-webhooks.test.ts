/**
 * The console's webhook pages (/admin/webhooks): admins only; an endpoint added on the page gets
 * its secret shown once (in the POST's answer, never again) and that secret verifies a real
 * delivery; the service's validation errors appear next to the field; edit and disable; rotation
 * shows the new secret once and deliveries carry both signatures; deliveries are listed with their
 * status and a retry button that sends one again with the same webhook-id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { eventually, register, userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const silentLog = { info() {}, warn() {}, error() {} };

function secretOf(body: string): string {
  const secret = /data-secret>(whsec_[A-Za-z0-9+/=]+)</.exec(body)?.[1];
  assert.ok(secret, 'the page shows the secret');
  return secret;
}

describe('console pages: webhooks', () => {
  let t: TestContext;
  let admin: TestUser;
  let root: PageClient;
  const receivers: WebhookReceiver[] = [];

  /** adds an endpoint through the page; its id and the secret the page showed */
  async function addEndpoint(receiver: WebhookReceiver, events: string): Promise<{ id: string; secret: string }> {
    await root.get('/admin/webhooks');
    const res = await root.post('/admin/webhooks', { url: receiver.url, events, description: 'from the console', enabled: 'yes' });
    assert.equal(res.statusCode, 201, res.body.slice(0, 500));
    const secret = secretOf(res.body);
    receiver.secrets = [secret];
    const endpoint = (await t.services.webhooks.list()).find((e) => e.url === receiver.url)!;
    return { id: endpoint.id, secret };
  }

  before(async () => {
    t = await buildTestContext({ env: { WEBHOOK_RETRY_MAX_SECONDS: '1', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_TIMEOUT_SECONDS: '2' } });
    admin = await userWithRoles(t.app, ['admin'], 'hooks-admin');
    root = new PageClient(t.app);
    await root.signIn(admin.email);
    await t.services.webhookWorker.start(silentLog);
  });
  after(async () => {
    await t.close();
    for (const r of receivers) await r.down();
  });

  it('answers a signed-in user without users:admin with a 403 page, and changes nothing on a post', async () => {
    const buyer = await userWithRoles(t.app, ['user'], 'hooks-user');
    const b = new PageClient(t.app);
    await b.signIn(buyer.email);
    const res = await b.get('/admin/webhooks');
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /Forbidden/);
    await b.get('/dashboard');
    const post = await b.post('/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: '*', enabled: 'yes' });
    assert.equal(post.statusCode, 403);
    assert.deepEqual(await t.services.webhooks.list(), []);
  });

  it('adds an endpoint: the secret is shown once, in the answer only, and verifies a real delivery', async () => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    const { id, secret } = await addEndpoint(receiver, 'user.created, login.*');
    const list = await root.get('/admin/webhooks');
    assert.match(list.body, new RegExp(`data-webhook="${id}"`));
    assert.match(list.body, /<code>user\.created<\/code> <code>login\.\*<\/code>/);
    assert.match((await root.get('/admin')).body, /href="\/admin\/webhooks"/, 'the console navigation links the page');
    for (const url of ['/admin/webhooks', `/admin/webhooks/${id}`]) assert.doesNotMatch((await root.get(url)).body, new RegExp(secret.slice(6, 30).replace(/[+/]/g, '.')), url);
    const u = await register(t.app);
    await eventually(async () => receiver.ofType('user.created').length >= 1, 'the delivery', 4000);
    const got = receiver.ofType('user.created')[0]!;
    assert.deepEqual(got.verifiedBy, [0], 'verified with standardwebhooks and the secret the page showed');
    assert.equal((got.json.data as { user_id: string }).user_id, u.id);
    await root.get('/admin/webhooks');
    assert.equal((await root.post(`/admin/webhooks/${id}/disable`)).statusCode, 303);
  });

  it("shows the service's validation errors next to the field and keeps what was typed", async () => {
    await root.get('/admin/webhooks');
    const bad = await root.post('/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: 'user.created nope.nothing', description: 'kept <b>', enabled: 'yes' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /role="alert"/);
    assert.match(bad.body, /id="new-webhook-events-error"/);
    assert.match(textOf(bad.body), /“nope\.nothing” is not an event type/);
    assert.match(bad.body, /value="user\.created nope\.nothing"/);
    assert.match(bad.body, /value="kept &lt;b&gt;"/);
    const noEvents = await root.post('/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: '', enabled: 'yes' });
    assert.equal(noEvents.statusCode, 400);
    assert.match(textOf(noEvents.body), /Events must name at least one event/);
    const badUrl = await root.post('/admin/webhooks', { url: 'ftp://example.com/hook', events: '*', enabled: 'yes' });
    assert.equal(badUrl.statusCode, 400);
    assert.match(badUrl.body, /id="new-webhook-url-error"/);
    assert.equal((await t.services.webhooks.list()).some((e) => e.url.startsWith('ftp:') || e.url.endsWith(':9/hook')), false);
  });

  it('edits an endpoint, disables and enables it, and deletes it', async () => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    const { id } = await addEndpoint(receiver, 'user.created');
    await root.get(`/admin/webhooks/${id}`);
    const saved = await root.post(`/admin/webhooks/${id}`, { url: receiver.url, events: 'user.* login.succeeded', description: 'edited' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/admin/webhooks/${id}?notice=webhook_saved`);
    let endpoint = await t.services.webhooks.get(id);
    assert.deepEqual([endpoint.events, endpoint.description, endpoint.enabled], [['user.*', 'login.succeeded'], 'edited', false], 'an unticked box disables');
    const refused = await root.post(`/admin/webhooks/${id}`, { url: receiver.url, events: 'bogus', description: 'edited', enabled: 'yes' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="webhook-events-error"/);
    assert.deepEqual((await t.services.webhooks.get(id)).events, ['user.*', 'login.succeeded']);
    await root.get('/admin/webhooks');
    assert.equal((await root.post(`/admin/webhooks/${id}/enable`)).statusCode, 303);
    assert.equal((await t.services.webhooks.get(id)).enabled, true);
    const disabled = await root.post(`/admin/webhooks/${id}/disable`);
    assert.equal(disabled.statusCode, 303);
    endpoint = await t.services.webhooks.get(id);
    assert.equal(endpoint.enabled, false);
    const page = await root.follow(disabled);
    assert.match(page.body, /The endpoint is disabled/);
    assert.equal((await root.post(`/admin/webhooks/${id}/delete`)).statusCode, 303);
    assert.equal((await root.get(`/admin/webhooks/${id}`)).statusCode, 404);
    assert.equal((await root.get('/admin/webhooks/not-a-uuid')).statusCode, 404);
  });

  it('rotates the secret: the new one is shown once and deliveries carry both signatures', async () => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    const { id, secret } = await addEndpoint(receiver, 'user.created');
    await root.get(`/admin/webhooks/${id}`);
    const rotated = await root.post(`/admin/webhooks/${id}/secret`);
    assert.equal(rotated.statusCode, 200);
    const fresh = secretOf(rotated.body);
    assert.notEqual(fresh, secret);
    assert.match(rotated.body, /shown only once/);
    assert.doesNotMatch((await root.get(`/admin/webhooks/${id}`)).body, /data-secret/);
    receiver.secrets = [secret, fresh];
    await register(t.app);
    await eventually(async () => receiver.ofType('user.created').length >= 1, 'the delivery', 4000);
    assert.deepEqual(receiver.ofType('user.created')[0]!.verifiedBy, [0, 1], 'signed with the old and the new secret');
    await root.get('/admin/webhooks');
    await root.post(`/admin/webhooks/${id}/disable`);
  });

  it('lists deliveries with their status, and retry sends one again with the same webhook-id', async () => {
    const receiver = await WebhookReceiver.start();
    receivers.push(receiver);
    receiver.behaviour = 'fail';
    const { id } = await addEndpoint(receiver, 'user.created');
    await register(t.app);
    // two attempts, both refused: the delivery is dead
    let deliveryId = '';
    await eventually(async () => {
      const [d] = (await t.services.webhooks.deliveries(id, { limit: 5, cursor: null })).items;
      deliveryId = d?.id ?? '';
      return d?.status === 'dead';
    }, 'a dead delivery', 8000);
    const page = await root.get(`/admin/webhooks/${id}`);
    assert.equal(page.statusCode, 200);
    const row = new RegExp(`<tr data-delivery="${deliveryId}">(.*?)</tr>`, 's').exec(page.body)?.[1] ?? '';
    assert.match(row, /user\.created/);
    assert.match(row, />dead</);
    assert.match(row, /<td[^>]*>2<\/td>/, 'attempts');
    assert.match(row, /<td[^>]*>500<\/td>/, 'last status code');
    assert.match(row, new RegExp(`action="/admin/webhooks/${id}/deliveries/${deliveryId}/retry"`));
    receiver.behaviour = 'ok';
    const retried = await root.post(`/admin/webhooks/${id}/deliveries/${deliveryId}/retry`);
    assert.equal(retried.statusCode, 303);
    assert.equal(retried.headers.location, `/admin/webhooks/${id}?notice=delivery_retried`);
    await eventually(async () => receiver.received.some((r) => r.status === 204), 'the retried delivery', 4000);
    assert.ok(receiver.received.every((r) => r.id === deliveryId), 'the same webhook-id every time');
    await eventually(async () => (await t.services.webhooks.deliveries(id, { limit: 5, cursor: null })).items[0]?.status === 'delivered', 'delivered', 2000);
    const after = await root.get(`/admin/webhooks/${id}`);
    assert.match(new RegExp(`<tr data-delivery="${deliveryId}">(.*?)</tr>`, 's').exec(after.body)?.[1] ?? '', />delivered</);
    assert.equal((await root.post(`/admin/webhooks/${id}/deliveries/00000000-0000-4000-8000-000000000000/retry`)).statusCode, 404);
    assert.equal((await root.get(`/admin/webhooks/${id}?cursor=nonsense`)).statusCode, 400);
  });
});
