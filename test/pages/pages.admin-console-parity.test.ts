/**
 * The admin console does what the admin API does (issue 30): users created from the console,
 * name/email/verification edited (a new address is unverified unless ticked), the verification
 * mail sent again (it reaches the outbox), one session revoked while the others live, all revoked;
 * an OIDC client edited, a bad redirect URI shown next to its field naming the line; webhooks
 * created, edited and a delivery retried; the audit log in words with emails; and German console
 * pages without English words.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AUDIT_TYPES } from '../../src/audit/audit-service.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { PASSWORD, uniqueEmail, userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';

describe('console pages: parity with the admin API', () => {
  let t: TestContext;
  let admin: TestUser;
  let root: PageClient;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    admin = await userWithRoles(t.app, ['admin'], 'parity-admin');
    root = new PageClient(t.app);
    await root.signIn(admin.email);
  });
  after(async () => {
    await t.close();
  });

  const outboxFor = (userId: string, template: string) =>
    t.services.database.db.selectFrom('outbox').select(['id', 'to_address']).where('user_id', '=', userId).where('template', '=', template).execute();

  it('creates a user with roles (303 to the new user); a weak password and a taken email are refused next to their fields', async () => {
    await root.get('/admin');
    const email = uniqueEmail('console-made');
    const res = await root.post('/admin/users', { email, username: `made${Date.now() % 100000}`, name: 'Made Here', password: PASSWORD, roles: ['seller'] });
    assert.equal(res.statusCode, 303, textOf(res.body).slice(0, 300));
    const created = await t.services.users.findByEmail(email);
    assert.ok(created);
    assert.deepEqual(created.roles, ['seller']);
    assert.equal(created.name, 'Made Here');
    assert.equal(res.headers.location, `/admin/users/${created.id}?notice=created`);
    assert.match((await root.follow(res)).body, /The user is created\./);

    const weak = await root.post('/admin/users', { email: uniqueEmail('weak'), password: 'password', roles: [] });
    assert.equal(weak.statusCode, 422);
    assert.match(weak.body, /id="new-user-password-error"/);
    const taken = await root.post('/admin/users', { email, password: PASSWORD });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /id="new-user-email-error"/);
    assert.match(taken.body, new RegExp(`value="${email.replace(/[.+]/g, '\\$&')}"`), 'what was typed comes back');
    assert.doesNotMatch(taken.body, new RegExp(PASSWORD), 'the password never does');
    const unknownRole = await root.post('/admin/users', { email: uniqueEmail('role'), password: PASSWORD, roles: ['nope'] });
    assert.equal(unknownRole.statusCode, 400);
    assert.match(unknownRole.body, /id="new-user-roles-error"/);
  });

  it('edits name and email: a new address is unverified unless ticked, and the verification mail goes out again', async () => {
    const u = await userWithRoles(t.app, ['user'], 'edit-me');
    await t.services.users.updateByAdmin({ ip: null, userAgent: null, actorId: admin.id }, u.id, { emailVerified: true });
    await root.get(`/admin/users/${u.id}`);
    const next = uniqueEmail('moved');
    const res = await root.post(`/admin/users/${u.id}/profile`, { name: 'New Name', email: next });
    assert.equal(res.statusCode, 303, textOf(res.body).slice(0, 300));
    let now = await t.services.users.get(u.id);
    assert.equal(now.email, next);
    assert.equal(now.name, 'New Name');
    assert.equal(now.emailVerified, false, 'a changed address is not verified unless the box is ticked');

    const page = await root.follow(res);
    assert.match(page.body, /The profile is saved\./);
    assert.match(page.body, /action="\/admin\/users\/[^"]+\/verification"/, 'an unverified address offers the resend');
    const before = await outboxFor(u.id, 'verify_email');
    const sent = await root.post(`/admin/users/${u.id}/verification`);
    assert.equal(sent.statusCode, 303);
    const after = await outboxFor(u.id, 'verify_email');
    assert.equal(after.length, before.length + 1, 'one verification mail reached the outbox');
    assert.ok(after.some((m) => m.to_address === next), 'to the new address');

    const ticked = uniqueEmail('ticked');
    assert.equal((await root.post(`/admin/users/${u.id}/profile`, { name: 'New Name', email: ticked, email_verified: 'yes' })).statusCode, 303);
    now = await t.services.users.get(u.id);
    assert.equal(now.email, ticked);
    assert.equal(now.emailVerified, true);
    const nothing = await root.post(`/admin/users/${u.id}/verification`);
    assert.equal(nothing.statusCode, 400, 'a verified address has nothing to send');

    const bad = await root.post(`/admin/users/${u.id}/profile`, { name: 'New Name', email: 'not an address' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /id="profile-email-error"/);
    assert.match(bad.body, /value="not an address"/);
    const taken = await root.post(`/admin/users/${u.id}/profile`, { name: 'New Name', email: admin.email });
    assert.equal(taken.statusCode, 409);
    assert.equal((await t.services.users.get(u.id)).email, ticked);
  });

  it('lists each session with its own revoke: revoking one leaves the others, "revoke all" ends them all', async () => {
    const u = await userWithRoles(t.app, ['user'], 'sessions');
    const browsers = [new PageClient(t.app), new PageClient(t.app), new PageClient(t.app)];
    for (const b of browsers) await b.signIn(u.email);
    const live = await t.services.users.liveSessions(u.id);
    assert.ok(live.length >= 3, 'the three browsers (and the factory\'s sign-in)');
    const page = await root.get(`/admin/users/${u.id}`);
    for (const s of live) assert.match(page.body, new RegExp(`action="/admin/users/${u.id}/sessions/${s.id}/revoke"`));
    assert.match(page.body, /<table class="stack">[\s\S]*data-label="Device"/);

    const one = live[1]!;
    const res = await root.post(`/admin/users/${u.id}/sessions/${one.id}/revoke`);
    assert.equal(res.statusCode, 303);
    assert.match((await root.follow(res)).body, /The session is signed out\./);
    const left = (await t.services.users.liveSessions(u.id)).map((s) => s.id).sort();
    assert.deepEqual(left, live.filter((s) => s.id !== one.id).map((s) => s.id).sort());
    assert.equal((await root.post(`/admin/users/${u.id}/sessions/${one.id}/revoke`)).statusCode, 404, 'gone already');
    assert.equal((await root.post(`/admin/users/${admin.id}/sessions/${left[0]}/revoke`)).statusCode, 404, "another user's session");

    assert.equal((await root.post(`/admin/users/${u.id}/sessions/revoke`)).statusCode, 303);
    assert.deepEqual(await t.services.users.liveSessions(u.id), []);
  });

  it('edits an OIDC client: every field but the type; a bad redirect URI is shown next to its field with its line', async () => {
    await root.get('/admin/oidc-clients');
    const created = await root.post('/admin/oidc-clients', { name: 'Editable', type: 'confidential', redirect_uris: 'https://app.example.com/cb', grant_types: ['authorization_code', 'refresh_token'], scopes: ['openid'] });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const clientId = /data-client-id>([^<]+)</.exec(created.body)![1]!;
    const secret = /data-client-secret>([^<]+)</.exec(created.body)![1]!;

    const form = await root.get(`/admin/oidc-clients/${clientId}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /data-client-type="confidential"/);
    assert.doesNotMatch(form.body, /name="type"/, 'the type is not editable');
    assert.ok(!form.body.includes(secret), 'the secret is not shown again');

    const refused = await root.post(`/admin/oidc-clients/${clientId}`, {
      name: 'Editable',
      redirect_uris: 'https://app.example.com/cb\nhttps://app.example.com/other#fragment',
      grant_types: ['authorization_code'],
      scopes: ['openid'],
      enabled: 'yes',
    });
    assert.equal(refused.statusCode, 400);
    const error = /<p class="error" id="edit-client-redirect_uris-error">([^<]*)<\/p>/.exec(refused.body);
    assert.ok(error, 'the error sits next to the redirect URIs field');
    assert.match(error[1]!, /Line 2 \(https:\/\/app\.example\.com\/other#fragment\)/);
    assert.match(refused.body, /other#fragment<\/textarea>/, 'what was typed comes back');

    const saved = await root.post(`/admin/oidc-clients/${clientId}`, {
      name: 'Edited',
      redirect_uris: 'https://app.example.com/cb\nhttps://app.example.com/cb2',
      post_logout_redirect_uris: 'https://app.example.com/bye',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      scopes: ['openid', 'email'],
      permissions: ['users:admin'],
      skip_consent: 'yes',
    });
    assert.equal(saved.statusCode, 303, textOf(saved.body).slice(0, 300));
    const now = await t.services.oidcClients.get(clientId);
    assert.equal(now.name, 'Edited');
    assert.equal(now.type, 'confidential');
    assert.deepEqual(now.redirectUris, ['https://app.example.com/cb', 'https://app.example.com/cb2']);
    assert.deepEqual(now.postLogoutRedirectUris, ['https://app.example.com/bye']);
    assert.deepEqual(now.scopes, ['openid', 'email']);
    assert.deepEqual(now.permissions, ['users:admin']);
    assert.equal(now.skipConsent, true);
    assert.equal(now.enabled, false, 'the unticked box disables it');
    assert.match((await root.follow(saved)).body, /The client is saved\./);
    assert.equal((await root.get('/admin/oidc-clients/unknown-client')).statusCode, 404);
  });

  it('webhooks: created with the secret once, edited, and a delivery retried from the console', async () => {
    await root.get('/admin/webhooks');
    const created = await root.post('/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: 'user.created', enabled: 'yes' });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const endpoint = (await t.services.webhooks.list()).find((e) => e.url === 'http://127.0.0.1:9/hook')!;
    const edited = await root.post(`/admin/webhooks/${endpoint.id}`, { url: 'http://127.0.0.1:9/hook2', events: 'user.created user.deleted', description: 'edited', enabled: 'yes' });
    assert.equal(edited.statusCode, 303);
    const now = await t.services.webhooks.get(endpoint.id);
    assert.equal(now.url, 'http://127.0.0.1:9/hook2');
    assert.deepEqual(now.events, ['user.created', 'user.deleted']);
    // a delivery to retry: an event the endpoint subscribes to (the worker is not running: it stays pending)
    await root.post('/admin/users', { email: uniqueEmail('hooked'), password: PASSWORD });
    const deliveries = await t.services.webhooks.deliveries(endpoint.id, { limit: 10, cursor: null });
    assert.ok(deliveries.items.length >= 1);
    const page = await root.get(`/admin/webhooks/${endpoint.id}`);
    assert.match(page.body, /<span class="event-name" title="user\.created">Account created<\/span>/);
    assert.match(page.body, /data-status="pending"/);
    const retried = await root.post(`/admin/webhooks/${endpoint.id}/deliveries/${deliveries.items[0]!.id}/retry`);
    assert.equal(retried.statusCode, 303);
    assert.match((await root.follow(retried)).body, /The delivery is queued again/);
  });

  it('the audit log reads as words: phrases, the emails of actor and subject, data as key/value pairs', async () => {
    const u = await userWithRoles(t.app, ['user'], 'audited');
    await root.get(`/admin/users/${u.id}`);
    await root.post(`/admin/users/${u.id}/roles`, { roles: ['user', 'seller'] });
    const page = await root.get(`/admin/audit?user_id=${u.id}`);
    assert.equal(page.statusCode, 200);
    const row = /<tr data-event="[^"]+" data-type="user\.updated">([\s\S]*?)<\/tr>/.exec(page.body);
    assert.ok(row, 'the role change is listed');
    assert.match(row[1]!, /Account changed/);
    assert.match(row[1]!, new RegExp(`data-person="${u.id}"><a href="/admin/users/${u.id}">${u.email.replace(/[.+]/g, '\\$&')}</a>`), 'the subject by email');
    assert.match(row[1]!, new RegExp(`data-person="${admin.id}"><a href="/admin/users/${admin.id}">${admin.email.replace(/[.+]/g, '\\$&')}</a>`), 'the actor by email');
    assert.match(row[1]!, /<dl class="audit-data">[\s\S]*<\/dl>/);
    assert.match(row[1]!, /<dt>changed fields<\/dt><dd>roles<\/dd>/);
    assert.match(row[1]!, /<dt>roles<\/dt><dd>seller, user<\/dd>/);
    assert.doesNotMatch(page.body, /<code>\{/, 'no raw JSON');
    // a deleted account is named as such
    await root.post(`/admin/users/${u.id}/delete`, { confirm: 'yes' });
    const later = await root.get(`/admin/audit?user_id=${u.id}`);
    assert.match(later.body, /a deleted account/);
    assert.doesNotMatch(later.body, new RegExp(u.email.replace(/[.+]/g, '\\$&')));
  });

  it('German console pages have no English words left', async () => {
    const de = new PageClient(t.app);
    de.cookies.set('gh_lang', { value: 'de', path: '/' });
    await de.signIn(admin.email);
    const u = await userWithRoles(t.app, ['user'], 'deutsch');
    const other = new PageClient(t.app);
    await other.signIn(u.email);
    await de.get('/admin/oidc-clients');
    const client = await de.post('/admin/oidc-clients', { name: 'Kundenportal', type: 'confidential', redirect_uris: 'https://portal.example.com/cb', grant_types: ['authorization_code'], scopes: ['openid'] });
    assert.equal(client.statusCode, 201);
    const clientId = /data-client-id>([^<]+)</.exec(client.body)![1]!;
    await de.get('/admin/webhooks');
    const hook = await de.post('/admin/webhooks', { url: 'http://127.0.0.1:9/de', events: '*', description: 'Prüfung', enabled: 'yes' });
    assert.equal(hook.statusCode, 201);
    const hookId = (await t.services.webhooks.list()).find((e) => e.url === 'http://127.0.0.1:9/de')!.id;
    // names and codes an operator or a user typed, and the machine names the console shows as codes
    const allowed = [
      ...(await t.services.users.list({ q: null, role: null }, { limit: 100, cursor: null })).items.flatMap((x) => [x.email ?? '', x.username ?? '', x.name ?? '']).filter(Boolean),
      ...(await t.services.roles.list()).flatMap((r) => [r.name, r.description ?? '']),
      ...(await t.services.roles.catalogue()).map((p) => p.name),
      ...AUDIT_TYPES,
      'authorization_code', 'refresh_token', 'client_credentials', 'offline_access', 'openid', 'profile', 'email',
      'Standard Webhooks', 'webhook-signature', 'Client Credentials', 'Linux', 'Chrome', 'user.created login.*',
      'http://127.0.0.1:9/de', 'https://portal.example.com/cb',
    ].sort((a, b) => b.length - a.length);
    for (const path of ['/admin', `/admin/users/${u.id}`, '/admin/roles', '/admin/permissions', '/admin/oauth-providers', '/admin/oidc-clients', `/admin/oidc-clients/${clientId}`, '/admin/webhooks', `/admin/webhooks/${hookId}`, '/admin/audit']) {
      const res = await de.get(path);
      assert.equal(res.statusCode, 200, path);
      assert.match(res.body, /<html lang="de">/);
      // the OIDC pages offer the scope named `roles` (a protocol name, like openid)
      const here = path.startsWith('/admin/oidc-clients') ? [...allowed, 'roles'] : allowed;
      const left = englishWordsIn(readableText(res.body), here);
      assert.deepEqual(left, [], `${path}: ${left.join(' | ')}`);
    }
    const audit = await de.get('/admin/audit');
    assert.match(audit.body, /Angemeldet/);
  });
});
