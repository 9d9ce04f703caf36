/**
 * /api/v1/admin/oidc-clients: the registry of OpenID Connect clients — admins only, defaults, the
 * secret shown at creation and rotation only and stored sealed, redirect URI and grant rules,
 * permissions from the catalogue, 404s, and every change audited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { api } from '../admin/admin-helpers.js';

const CLIENT_KEYS = ['client_id', 'created_at', 'enabled', 'grant_types', 'name', 'permissions', 'post_logout_redirect_uris', 'redirect_uris', 'scopes', 'skip_consent', 'type', 'updated_at'];

describe('admin OIDC clients', () => {
  let t: TestContext;
  let admin: TestUser;
  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    await t.close();
  });

  it('only admins: anonymous 401, a plain user 403', async () => {
    assert.equal((await api(t.app, null)('GET', '/admin/oidc-clients')).statusCode, 401);
    const buyer = await userWithRoles(t.app, ['user']);
    assert.equal((await api(t.app, buyer.accessToken)('POST', '/admin/oidc-clients', { name: 'x', redirect_uris: ['https://app.example.com/cb'] })).statusCode, 403);
    assert.equal((await api(t.app, buyer.accessToken)('GET', '/admin/oidc-clients')).statusCode, 403);
  });

  it('creates a confidential client with the defaults; the secret is in the 201 only and stored sealed', async () => {
    const a = api(t.app, admin.accessToken);
    const res = await a('POST', '/admin/oidc-clients', { name: 'Billing', redirect_uris: ['https://billing.example.com/callback'] });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), [...CLIENT_KEYS, 'client_secret'].sort());
    assert.match(body.client_id, /^[A-Za-z0-9_-]{16,}$/, 'opaque and URL-safe');
    assert.equal(body.type, 'confidential');
    assert.deepEqual(body.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(body.scopes, ['openid', 'profile', 'email', 'offline_access']);
    assert.deepEqual(body.post_logout_redirect_uris, []);
    assert.deepEqual(body.permissions, []);
    assert.equal(body.skip_consent, false);
    assert.equal(body.enabled, true);
    assert.ok(typeof body.client_secret === 'string' && body.client_secret.length >= 32);
    const secret = body.client_secret as string;
    for (const r of [await a('GET', '/admin/oidc-clients'), await a('GET', `/admin/oidc-clients/${body.client_id}`), await a('PATCH', `/admin/oidc-clients/${body.client_id}`, { name: 'Billing app' })]) {
      assert.equal(r.statusCode, 200, r.body);
      assert.ok(!r.body.includes(secret) && !r.body.includes('client_secret'), 'never returned again');
    }
    const one = (await a('GET', `/admin/oidc-clients/${body.client_id}`)).json();
    assert.deepEqual(Object.keys(one).sort(), CLIENT_KEYS);
    assert.equal(one.name, 'Billing app');
    const list = (await a('GET', '/admin/oidc-clients')).json();
    assert.ok(list.items.some((c: { client_id: string }) => c.client_id === body.client_id));
    const row = (await sql<{ client_secret_enc: string }>`select client_secret_enc from oidc_clients where client_id = ${body.client_id}`.execute(t.services.database.db)).rows[0]!;
    assert.ok(row.client_secret_enc.startsWith('v1.') && !row.client_secret_enc.includes(secret), 'sealed, not clear');
    assert.equal((await t.services.oidcClients.resolve(body.client_id))?.clientSecret, secret, 'opened for the provider');
  });

  it('rotating the secret answers 200 with a new one; the old one is gone; a public client has none', async () => {
    const a = api(t.app, admin.accessToken);
    const created = (await a('POST', '/admin/oidc-clients', { name: 'Rotate', redirect_uris: ['https://r.example.com/cb'] })).json();
    const rotated = await a('POST', `/admin/oidc-clients/${created.client_id}/secret`);
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.ok(rotated.json().client_secret && rotated.json().client_secret !== created.client_secret);
    assert.equal((await t.services.oidcClients.resolve(created.client_id))?.clientSecret, rotated.json().client_secret);

    const pub = await a('POST', '/admin/oidc-clients', { name: 'SPA', type: 'public', redirect_uris: ['http://localhost:5173/cb'] });
    assert.equal(pub.statusCode, 201, pub.body);
    assert.equal(pub.json().client_secret, undefined, 'a public client has no secret');
    const rotatePublic = await a('POST', `/admin/oidc-clients/${pub.json().client_id}/secret`);
    assert.equal(rotatePublic.statusCode, 400);
    assert.equal(rotatePublic.json().code, 'validation_error');
    assert.equal((await a('POST', '/admin/oidc-clients/nope/secret')).statusCode, 404);
  });

  it('validation: redirect URIs, grants, public clients, permissions from the catalogue, strict bodies', async () => {
    const a = api(t.app, admin.accessToken);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', redirect_uris: ['https://ok.example.com/cb', 'relative/path'] }, 'redirect_uris.1'],
      [{ name: 'x', redirect_uris: ['https://ok.example.com/cb#frag'] }, 'redirect_uris.0'],
      [{ name: 'x', redirect_uris: ['ftp://files.example.com/cb'] }, 'redirect_uris.0'],
      [{ name: 'x', redirect_uris: ['https://ok.example.com/cb'], post_logout_redirect_uris: ['not a uri'] }, 'post_logout_redirect_uris.0'],
      [{ name: 'x' }, 'redirect_uris'],
      [{ name: 'x', type: 'public', grant_types: ['client_credentials'] }, 'grant_types'],
      [{ name: 'x', grant_types: ['client_credentials'], permissions: ['users:admin', 'nope:never'] }, 'permissions.1'],
      [{ name: 'x', grant_types: ['implicit'] }, 'grant_types.0'],
      [{ name: 'x', redirect_uris: ['https://ok.example.com/cb'], scopes: ['openid', 'everything'] }, 'scopes.1'],
      [{ name: 'x', redirect_uris: ['https://ok.example.com/cb'], surprise: 1 }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await a('POST', '/admin/oidc-clients', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().code, 'validation_error');
      assert.ok(res.json().errors.some((e: { field: string }) => e.field === field || e.field.startsWith(`${field}`)), `${field} named in ${res.body}`);
    }
    const machine = await a('POST', '/admin/oidc-clients', { name: 'Nightly job', grant_types: ['client_credentials'], permissions: ['users:admin'] });
    assert.equal(machine.statusCode, 201, machine.body);
    assert.deepEqual(machine.json().redirect_uris, []);
    const id = machine.json().client_id as string;
    // the rules hold for the client as it becomes
    const noRedirect = await a('PATCH', `/admin/oidc-clients/${id}`, { grant_types: ['authorization_code'] });
    assert.equal(noRedirect.statusCode, 400);
    assert.ok(noRedirect.json().errors.some((e: { field: string }) => e.field === 'redirect_uris'));
    assert.equal((await a('PATCH', `/admin/oidc-clients/${id}`, { type: 'public' })).statusCode, 400, 'the type is fixed');
    assert.equal((await a('PATCH', `/admin/oidc-clients/${id}`, { redirect_uris: ['https://job.example.com/cb', 'http://evil.example.com/cb'], grant_types: ['authorization_code', 'client_credentials'] })).statusCode, 200, 'http is allowed outside production');
  });

  it('in production, http redirect URIs only for loopback hosts', async () => {
    const prod = await buildTestContext({ env: { NODE_ENV: 'production', PUBLIC_URL: 'https://id.example.com', COOKIE_SECURE: 'true' } });
    try {
      const boss = await userWithRoles(prod.app, ['admin'], 'admin');
      const a = api(prod.app, boss.accessToken);
      const refused = await a('POST', '/admin/oidc-clients', { name: 'x', redirect_uris: ['https://ok.example.com/cb', 'http://app.example.com/cb'] });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.deepEqual(refused.json().errors.map((e: { field: string }) => e.field), ['redirect_uris.1']);
      for (const uri of ['http://localhost:3000/cb', 'http://127.0.0.1/cb', 'http://[::1]:8080/cb']) {
        const ok = await a('POST', '/admin/oidc-clients', { name: 'native', type: 'public', redirect_uris: [uri] });
        assert.equal(ok.statusCode, 201, `${uri}: ${ok.body}`);
      }
    } finally {
      await prod.close();
    }
  });

  it('PATCH changes what it names; unknown clients are 404; DELETE removes the client; every change is audited', async () => {
    const a = api(t.app, admin.accessToken);
    const created = (await a('POST', '/admin/oidc-clients', { name: 'Audited', redirect_uris: ['https://a.example.com/cb'], scopes: ['openid', 'roles'] })).json();
    const id = created.client_id as string;
    const patched = await a('PATCH', `/admin/oidc-clients/${id}`, { enabled: false, skip_consent: true, post_logout_redirect_uris: ['https://a.example.com/bye'] });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().enabled, false);
    assert.equal(patched.json().skip_consent, true);
    assert.deepEqual(patched.json().scopes, ['openid', 'roles']);
    assert.deepEqual(patched.json().post_logout_redirect_uris, ['https://a.example.com/bye']);
    assert.equal(await t.services.oidcClients.resolve(id), null, 'a disabled client is not resolved');
    assert.equal((await a('PATCH', `/admin/oidc-clients/${id}`, {})).statusCode, 200);
    await a('POST', `/admin/oidc-clients/${id}/secret`);
    assert.equal((await a('DELETE', `/admin/oidc-clients/${id}`)).statusCode, 204);
    assert.equal((await a('GET', `/admin/oidc-clients/${id}`)).statusCode, 404);
    assert.equal((await a('PATCH', `/admin/oidc-clients/${id}`, { name: 'x' })).statusCode, 404);
    assert.equal((await a('DELETE', `/admin/oidc-clients/${id}`)).statusCode, 404);

    const events = (await a('GET', '/admin/audit?limit=100')).json().items as { type: string; actor_id: string; data: { client_id?: string; fields?: string[] } }[];
    const mine = events.filter((e) => e.data.client_id === id).map((e) => e.type).reverse();
    assert.deepEqual(mine, ['oidc.client.created', 'oidc.client.updated', 'oidc.client.secret_rotated', 'oidc.client.deleted']);
    const updated = events.find((e) => e.data.client_id === id && e.type === 'oidc.client.updated')!;
    assert.deepEqual(updated.data.fields?.sort(), ['enabled', 'post_logout_redirect_uris', 'skip_consent']);
    assert.ok(events.filter((e) => e.data.client_id === id).every((e) => e.actor_id === admin.id));
    assert.ok(!JSON.stringify(events).includes(created.client_secret), 'no secret in the audit trail');
  });
});
