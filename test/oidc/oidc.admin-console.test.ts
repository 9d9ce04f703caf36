/**
 * The admin console's /admin/oidc-clients: admins only; registering shows the secret once;
 * refusals are shown next to the fields; enable/disable, a new secret and deletion work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';

describe('admin console: OIDC clients', () => {
  let t: TestContext;
  let browser: PageClient;
  before(async () => {
    t = await buildTestContext();
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    browser = new PageClient(t.app);
    await browser.signIn(admin.email, admin.password);
  });
  after(async () => {
    await t.close();
  });

  it('a non-admin is refused', async () => {
    const buyer = await userWithRoles(t.app, ['user']);
    const other = new PageClient(t.app);
    await other.signIn(buyer.email, buyer.password);
    assert.equal((await other.get('/admin/oidc-clients')).statusCode, 403);
  });

  it('registers a client and shows its secret once; refusals are shown next to the field', async () => {
    const page = await browser.get('/admin/oidc-clients');
    assert.equal(page.statusCode, 200);
    assert.match(textOf(page.body), /Register a client/);
    const refused = await browser.post('/admin/oidc-clients', { name: 'Bad', type: 'confidential', redirect_uris: 'https://ok.example.com/cb\nnot a uri', grant_types: ['authorization_code'], scopes: ['openid'] });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /id="client-redirect_uris-error"/);
    const created = await browser.post('/admin/oidc-clients', { name: 'Console app', type: 'confidential', redirect_uris: 'https://console.example.com/cb', grant_types: ['authorization_code', 'refresh_token'], scopes: ['openid', 'email'], skip_consent: 'yes' });
    assert.equal(created.statusCode, 201, textOf(created.body).slice(0, 300));
    const clientId = /data-client-id>([^<]+)</.exec(created.body)![1]!;
    const secret = /data-client-secret>([^<]+)</.exec(created.body)![1]!;
    const resolved = await t.services.oidcClients.resolve(clientId);
    assert.equal(resolved?.clientSecret, secret);
    assert.equal(resolved?.skipConsent, true);
    assert.deepEqual(resolved?.scopes, ['openid', 'email']);
    const listed = await browser.get('/admin/oidc-clients');
    assert.ok(listed.body.includes(clientId) && !listed.body.includes(secret), 'listed, the secret not shown again');

    assert.equal((await browser.post(`/admin/oidc-clients/${clientId}/disable`)).statusCode, 303);
    assert.equal(await t.services.oidcClients.resolve(clientId), null);
    assert.equal((await browser.post(`/admin/oidc-clients/${clientId}/enable`)).statusCode, 303);
    const rotated = await browser.post(`/admin/oidc-clients/${clientId}/secret`);
    assert.equal(rotated.statusCode, 200);
    const next = /data-client-secret>([^<]+)</.exec(rotated.body)![1]!;
    assert.notEqual(next, secret);
    assert.equal((await t.services.oidcClients.resolve(clientId))?.clientSecret, next);
    assert.equal((await browser.post(`/admin/oidc-clients/${clientId}/delete`)).statusCode, 303);
    assert.equal(await t.services.oidcClients.find(clientId), null);
    assert.equal((await browser.post('/admin/oidc-clients/nope/delete')).statusCode, 404);
  });
});
