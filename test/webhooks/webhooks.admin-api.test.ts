/**
 * The webhook endpoints' admin API: create (the secret once), list, get, patch, delete (with its
 * deliveries), rotate; validation of events and URLs naming the field; users:admin only; every
 * change audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { api, type Api } from '../admin/admin-helpers.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { register, userWithRoles } from '../helpers/factories.js';

const ENDPOINT_KEYS = ['created_at', 'description', 'enabled', 'events', 'id', 'updated_at', 'url'];

describe('webhooks admin API', () => {
  let t: TestContext;
  let admin: Api;
  before(async () => {
    t = await buildTestContext();
    admin = api(t.app, (await userWithRoles(t.app, ['admin'], 'webhook-admin')).accessToken);
  });
  after(() => t.close());

  it('creates an endpoint: 201 with a whsec_ secret shown once; list, get and patch never show it', async () => {
    const res = await admin('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['user.created', 'login.*'], description: 'crm' });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.match(body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.deepEqual(Object.keys(body).sort(), [...ENDPOINT_KEYS, 'secret'].sort());
    assert.deepEqual(body.events, ['user.created', 'login.*'], 'kept in the order given');
    assert.equal(body.enabled, true);
    const list = await admin('GET', '/admin/webhooks');
    const listed = list.json().items.find((e: { id: string }) => e.id === body.id);
    assert.deepEqual(Object.keys(listed).sort(), ENDPOINT_KEYS);
    const got = await admin('GET', `/admin/webhooks/${body.id}`);
    assert.equal(got.statusCode, 200);
    assert.ok(!('secret' in got.json()));
    const patched = await admin('PATCH', `/admin/webhooks/${body.id}`, { enabled: false, events: ['*'], description: null });
    assert.equal(patched.statusCode, 200);
    assert.deepEqual([patched.json().enabled, patched.json().events, patched.json().description], [false, ['*'], null]);
    const { items } = (await admin('GET', `/admin/audit?type=webhook.created`)).json();
    assert.equal(items[0].data.webhook_id, body.id);
    assert.equal((await admin('GET', `/admin/audit?type=webhook.updated`)).json().items[0].data.webhook_id, body.id);
  });

  it('events: non-empty; known types, "<prefix>.*" of known types, or "*"; a bad one is named by its index', async () => {
    const bad = await admin('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['user.created', 'user.exploded', 'webhook.*', 'nope.*', 'login.succeeded.*'] });
    assert.equal(bad.statusCode, 400);
    const fields = bad.json().errors.map((e: { field: string }) => e.field);
    assert.deepEqual(fields, ['events.1', 'events.3', 'events.4']);
    const empty = await admin('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: [] });
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().errors[0].field, 'events');
    const star = await admin('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*', 'webhook.*', 'mfa.*'] });
    assert.equal(star.statusCode, 201, star.body);
  });

  it('url: absolute http(s) without credentials or fragment, else 400 naming url', async () => {
    for (const url of ['not a url', 'ftp://example.com/x', 'http://user:pw@example.com/x', 'https://example.com/x#frag', '/relative']) {
      const res = await admin('POST', '/admin/webhooks', { url, events: ['*'] });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().errors[0].field, 'url', url);
    }
    const unknownField = await admin('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/x', events: ['*'], secret: 'mine' });
    assert.equal(unknownField.statusCode, 400);
  });

  it('rotating answers the endpoint with a new secret; audited', async () => {
    const created = (await admin('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'] })).json();
    const rotated = await admin('POST', `/admin/webhooks/${created.id}/secret`);
    assert.equal(rotated.statusCode, 200);
    assert.equal(rotated.json().id, created.id);
    assert.match(rotated.json().secret, /^whsec_/);
    assert.notEqual(rotated.json().secret, created.secret);
    const { items } = (await admin('GET', '/admin/audit?type=webhook.secret_rotated')).json();
    assert.equal(items[0].data.webhook_id, created.id);
    assert.ok(!JSON.stringify(items[0]).includes(rotated.json().secret.slice(6)), 'no secret in the audit trail');
  });

  it('delete: 204, then 404 everywhere; its deliveries go with it; audited', async () => {
    const created = (await admin('POST', '/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['user.created'] })).json();
    await register(t.app);
    const deliveries = (await admin('GET', `/admin/webhooks/${created.id}/deliveries`)).json();
    assert.equal(deliveries.items.length, 1, 'a delivery was queued');
    assert.equal((await admin('DELETE', `/admin/webhooks/${created.id}`)).statusCode, 204);
    for (const [method, path] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/secret'], ['GET', '/deliveries']] as const) {
      const res = await admin(method, `/admin/webhooks/${created.id}${path}`, method === 'PATCH' ? { enabled: true } : undefined);
      assert.equal(res.statusCode, 404, `${method} ${path}`);
    }
    const left = await t.services.database.db.selectFrom('outbox').select('id').where('to_address', '=', created.id).execute();
    assert.equal(left.length, 0);
    assert.equal((await admin('GET', '/admin/audit?type=webhook.deleted')).json().items[0].data.webhook_id, created.id);
  });

  it('401 without a token, 403 without users:admin (before validation)', async () => {
    const anonymous = api(t.app, null);
    assert.equal((await anonymous('GET', '/admin/webhooks')).statusCode, 401);
    const user = api(t.app, (await register(t.app)).accessToken);
    assert.equal((await user('GET', '/admin/webhooks')).statusCode, 403);
    assert.equal((await user('POST', '/admin/webhooks', { url: 42 })).statusCode, 403);
  });

  it('malformed ids are 400, unknown ones 404', async () => {
    assert.equal((await admin('GET', '/admin/webhooks/not-a-uuid')).statusCode, 400);
    assert.equal((await admin('GET', '/admin/webhooks/00000000-0000-4000-8000-000000000000')).statusCode, 404);
    assert.equal((await admin('POST', '/admin/webhooks/00000000-0000-4000-8000-000000000000/deliveries/00000000-0000-4000-8000-000000000001/retry')).statusCode, 404);
  });
});
