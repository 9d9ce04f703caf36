/**
 * The admin console (issue 20 item 5): the user list without a search shows everyone and filters
 * with one; roles change (the last admin is kept, 409 on the page); disabling signs the user's
 * own browser out on its next request; sessions revoked and the user deleted; roles created and
 * edited; a provider's client secret is stored but never rendered back; the audit log filters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { startPlainPeer, type PlainPeer } from '../social/social-helpers.js';

describe('console pages: admin', () => {
  let t: TestContext;
  let admin: TestUser;
  let root: PageClient;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    root = new PageClient(t.app);
    await root.signIn(admin.email);
  });
  after(async () => {
    await t.close();
  });

  it('lists every user without a search and filters with one', async () => {
    const alice = await userWithRoles(t.app, ['buyer'], 'alice');
    const bob = await userWithRoles(t.app, ['seller'], 'bob');
    const all = await root.get('/admin');
    assert.equal(all.statusCode, 200);
    for (const u of [admin, alice, bob]) assert.match(all.body, new RegExp(`data-user="${u.id}"`));
    const found = await root.get(`/admin?q=${encodeURIComponent(alice.email.slice(0, 12))}`);
    assert.match(found.body, new RegExp(`data-user="${alice.id}"`));
    assert.doesNotMatch(found.body, new RegExp(`data-user="${bob.id}"`));
    const sellers = await root.get('/admin?role=seller');
    assert.match(sellers.body, new RegExp(`data-user="${bob.id}"`));
    assert.doesNotMatch(sellers.body, new RegExp(`data-user="${alice.id}"`));
  });

  it('changes roles, and keeps the last admin with a 409 on the page', async () => {
    const carol = await userWithRoles(t.app, ['buyer'], 'carol');
    await root.get(`/admin/users/${carol.id}`);
    const res = await root.post(`/admin/users/${carol.id}/roles`, { roles: ['buyer', 'seller'] });
    assert.equal(res.statusCode, 303);
    assert.deepEqual((await t.services.users.get(carol.id)).roles.sort(), ['buyer', 'seller']);
    const unknown = await root.post(`/admin/users/${carol.id}/roles`, { roles: ['nope'] });
    assert.equal(unknown.statusCode, 400);
    const demote = await root.post(`/admin/users/${admin.id}/roles`, { roles: ['buyer'] });
    assert.equal(demote.statusCode, 409);
    assert.match(demote.body, /role="alert"/);
    assert.deepEqual((await t.services.users.get(admin.id)).roles, ['admin']);
  });

  it("disables a user: the user's open page is signed out on its next request; enabling lets them in again", async () => {
    const dave = await userWithRoles(t.app, ['buyer'], 'dave');
    const daves = new PageClient(t.app);
    await daves.signIn(dave.email);
    assert.equal((await daves.get('/dashboard')).statusCode, 200);
    await root.get(`/admin/users/${dave.id}`);
    const res = await root.post(`/admin/users/${dave.id}/disable`);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, `/admin/users/${dave.id}?notice=disabled`);
    const next = await daves.get('/dashboard');
    assert.equal(next.statusCode, 303);
    const renew = await daves.get(next.headers.location as string);
    assert.equal(renew.headers.location, '/login?next=%2Fdashboard');
    assert.equal((await root.post(`/admin/users/${dave.id}/enable`)).statusCode, 303);
    await daves.signIn(dave.email);
  });

  it('revokes every session of a user and deletes the user only with the confirmation', async () => {
    const erin = await userWithRoles(t.app, ['buyer'], 'erin');
    assert.equal((await t.services.sessions.listLive(erin.id)).length, 1);
    const detail = await root.get(`/admin/users/${erin.id}`);
    assert.match(detail.body, /Live sessions \(1\)/);
    assert.equal((await root.post(`/admin/users/${erin.id}/sessions/revoke`)).statusCode, 303);
    assert.equal((await t.services.sessions.listLive(erin.id)).length, 0);
    assert.equal((await root.post(`/admin/users/${erin.id}/delete`)).statusCode, 400);
    await t.services.users.get(erin.id);
    const deleted = await root.post(`/admin/users/${erin.id}/delete`, { confirm: 'yes' });
    assert.equal(deleted.statusCode, 303);
    await assert.rejects(t.services.users.get(erin.id), { code: 'not_found' });
    assert.equal((await root.get(`/admin/users/${erin.id}`)).statusCode, 404);
  });

  it('creates and edits roles; the admin role cannot be changed', async () => {
    await root.get('/admin/roles');
    const created = await root.post('/admin/roles', { name: 'editor', description: 'Edits <b>things</b>', permissions: ['products:read', 'products:write:any'] });
    assert.equal(created.statusCode, 303);
    const page = await root.get('/admin/roles');
    assert.match(page.body, /data-role="editor"/);
    assert.match(page.body, /Edits &lt;b&gt;things&lt;\/b&gt;/);
    assert.equal((await root.post('/admin/roles', { name: 'editor' })).statusCode, 409);
    assert.equal((await root.post('/admin/roles', { name: 'bad', permissions: ['fly'] })).statusCode, 400);
    const edited = await root.post('/admin/roles/editor', { description: 'Reads', permissions: ['products:read'] });
    assert.equal(edited.statusCode, 303);
    const role = (await t.services.roles.list()).find((r) => r.name === 'editor')!;
    assert.deepEqual([role.description, role.permissions], ['Reads', ['products:read']]);
    assert.equal((await root.post('/admin/roles/admin', { description: 'x', permissions: [] })).statusCode, 409);
    assert.equal((await root.post('/admin/roles/editor/delete')).statusCode, 303);
    assert.equal((await t.services.roles.list()).some((r) => r.name === 'editor'), false);
  });

  it("stores a provider's client secret without ever rendering it, and disables the provider", async (ctx) => {
    const secret = 'very-secret-client-value-42';
    await root.get('/admin/oauth-providers');
    const bad = await root.post('/admin/oauth-providers', { id: 'corp', client_id: 'cid', client_secret: secret, enabled: 'yes' });
    assert.equal(bad.statusCode, 400, 'a generic provider needs an issuer');
    assert.doesNotMatch(bad.body, new RegExp(secret));
    // an enabled provider must answer: a local double of GitHub's endpoints
    const peer: PlainPeer = await startPlainPeer('github', { id: 'gh-client', secret });
    ctx.after(() => peer.stop());
    const endpoints = { authorization_url: `${peer.url}/authorize`, token_url: `${peer.url}/token`, userinfo_url: `${peer.url}/user` };
    const res = await root.post('/admin/oauth-providers', { id: 'github', name: 'GitHub', client_id: 'gh-client', client_secret: secret, enabled: 'yes', ...endpoints });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    for (const url of ['/admin/oauth-providers', '/admin/oauth-providers/github']) {
      const page = await root.get(url);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /gh-client/);
      assert.doesNotMatch(page.body, new RegExp(secret), url);
    }
    assert.equal((await t.services.oauthProviders.resolve('github'))?.clientSecret, secret);
    // a blank secret field keeps the stored secret
    assert.equal((await root.post('/admin/oauth-providers/github', { name: 'GitHub Inc', client_id: 'gh-client', client_secret: '', enabled: 'yes', ...endpoints })).statusCode, 303);
    assert.equal((await t.services.oauthProviders.resolve('github'))?.clientSecret, secret);
    assert.equal((await root.post('/admin/oauth-providers/github/disable')).statusCode, 303);
    assert.deepEqual(await t.services.oauthProviders.listEnabled(), []);
  });

  it('filters the audit log by type and user', async () => {
    const frank = await userWithRoles(t.app, ['buyer'], 'frank');
    const byUser = await root.get(`/admin/audit?user_id=${frank.id}`);
    assert.equal(byUser.statusCode, 200);
    assert.match(byUser.body, /user\.created/);
    assert.match(byUser.body, /login\.succeeded/);
    const byType = await root.get(`/admin/audit?user_id=${frank.id}&type=user.created`);
    assert.match(byType.body, /user\.created/);
    assert.doesNotMatch(byType.body, /<code>login\.succeeded<\/code>/);
    const bad = await root.get('/admin/audit?user_id=nope');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="audit-user_id-error"/);
  });
});
