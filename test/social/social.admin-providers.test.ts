/**
 * /api/v1/admin/oauth-providers (docs/api.md Admin): CRUD by admins only, the client secret write-only
 * (never in a response, stored sealed: the row holds no clear text), validation, and changes seen
 * by the public provider list (and by other instances within a second). A provider is checked
 * before it is enabled (discovery, or its endpoints), `link_by_email` is a field, and every change
 * is audited with the admin as actor.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildTestContext, redisUrl, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, eventually } from '../admin/admin-helpers.js';
import { startOidcPeer, startPlainPeer, type OidcPeer, type PlainPeer } from './social-helpers.js';

const SECRET = 'very-secret-client-secret-1234';

describe('admin OAuth providers', () => {
  let t: TestContext;
  let admin: TestUser;
  let peer: OidcPeer;
  let github: PlainPeer;
  let log = '';
  before(async () => {
    peer = await startOidcPeer();
    github = await startPlainPeer('github', { id: 'db-github', secret: SECRET });
    t = await buildTestContext({
      env: { PRODUCTS: 'on', OAUTH_GITHUB_CLIENT_ID: 'env-github', OAUTH_GITHUB_CLIENT_SECRET: 'env-secret' },
      log: { level: 'warn', stream: { write: (line: string) => (log += line) } },
    });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    await t.close();
    await peer.stop();
    await github.stop();
  });

  it('only admins: anonymous 401, a buyer 403', async () => {
    assert.equal((await api(t.app, null)('GET', '/admin/oauth-providers')).statusCode, 401);
    const buyer = await userWithRoles(t.app, ['buyer']);
    assert.equal((await api(t.app, buyer.accessToken)('POST', '/admin/oauth-providers', { id: 'x1', client_id: 'c' })).statusCode, 403);
  });

  it('creates a generic OIDC provider; the secret is never returned and is stored sealed', async () => {
    const a = api(t.app, admin.accessToken);
    const res = await a('POST', '/admin/oauth-providers', { id: 'acme', name: 'Acme SSO', issuer: `${peer.issuer}/`, client_id: 'acme-client', client_secret: SECRET, scopes: ['openid', 'email'] });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json(), {
      id: 'acme', name: 'Acme SSO', issuer: peer.issuer, client_id: 'acme-client', authorization_url: null, token_url: null, userinfo_url: null, scopes: ['openid', 'email'], link_by_email: true, enabled: true,
    });
    for (const r of [await a('GET', '/admin/oauth-providers'), await a('GET', '/admin/oauth-providers/acme'), await a('PATCH', '/admin/oauth-providers/acme', { name: 'Acme' })]) {
      assert.equal(r.statusCode, 200, r.body);
      assert.ok(!r.body.includes(SECRET) && !r.body.includes('client_secret'), 'no secret in responses');
    }
    const row = (await sql<{ client_secret_enc: string }>`select client_secret_enc from oauth_providers where id = 'acme'`.execute(t.services.database.db)).rows[0]!;
    assert.ok(row.client_secret_enc.startsWith('v1.'), 'sealed');
    assert.ok(!row.client_secret_enc.includes(SECRET));
    const resolved = await t.services.oauthProviders.resolve('acme');
    assert.equal(resolved?.clientSecret, SECRET, 'opened for use with the provider');
  });

  it('validation: strict body, id pattern, issuer required for generic OIDC, http(s) URLs, duplicate id', async () => {
    const a = api(t.app, admin.accessToken);
    const cases: [Record<string, unknown>, string][] = [
      [{ id: 'ok1', client_id: 'c', issuer: 'http://127.0.0.1:9', extra: 1 }, 'extra'],
      [{ id: 'Bad Id', client_id: 'c', issuer: 'http://127.0.0.1:9' }, 'id'],
      [{ id: 'generic1', client_id: 'c' }, 'issuer'],
      [{ id: 'generic2', client_id: 'c', issuer: 'ftp://example.com' }, 'issuer'],
      [{ id: 'github', client_id: 'c', token_url: 'javascript:alert(1)' }, 'token_url'],
      [{ id: 'acme', client_id: 'c', issuer: peer.issuer }, 'id'],
    ];
    for (const [body, field] of cases) {
      const res = await a('POST', '/admin/oauth-providers', body);
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.equal(res.json().code, 'validation_error');
      assert.ok(res.json().errors.some((e: { field: string }) => e.field === field), `${field} named in ${res.body}`);
    }
    assert.equal((await a('PATCH', '/admin/oauth-providers/acme', { client_secret: SECRET, surprise: true })).statusCode, 400);
  });

  it('built-in ids need no issuer; a database row overrides the environment (disable hides it); 404s', async () => {
    const a = api(t.app, admin.accessToken);
    const list = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/providers' })).json().items as { id: string; name: string }[];
    assert.ok((await list()).some((p) => p.id === 'github' && p.name === 'GitHub'), 'from the environment');
    const endpoints = { authorization_url: `${github.url}/authorize`, token_url: `${github.url}/token`, userinfo_url: `${github.url}/user` };
    const created = await a('POST', '/admin/oauth-providers', { id: 'github', client_id: 'db-github', client_secret: SECRET, enabled: false, ...endpoints });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().name, 'GitHub');
    assert.ok(!(await list()).some((p) => p.id === 'github'), 'disabled in the database: gone from the list');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/github/authorize' })).statusCode, 404);
    assert.equal((await a('PATCH', '/admin/oauth-providers/github', { enabled: true })).json().enabled, true);
    assert.equal((await t.services.oauthProviders.resolve('github'))?.clientId, 'db-github');
    assert.equal((await a('DELETE', '/admin/oauth-providers/github')).statusCode, 204);
    assert.equal((await t.services.oauthProviders.resolve('github'))?.clientId, 'env-github', 'back to the environment');
    assert.equal((await a('GET', '/admin/oauth-providers/nope')).statusCode, 404);
    assert.equal((await a('PATCH', '/admin/oauth-providers/nope', { enabled: false })).statusCode, 404);
    assert.equal((await a('DELETE', '/admin/oauth-providers/nope')).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/nope/authorize' })).statusCode, 404);
  });

  it('guards the silent broken provider: one whose discovery (or endpoints) cannot be reached is refused on create and on enable (400 naming issuer), and the cause is logged', async () => {
    const a = api(t.app, admin.accessToken);
    const unreachable = 'http://127.0.0.1:9';
    const created = await a('POST', '/admin/oauth-providers', { id: 'deadidp', client_id: 'c', issuer: unreachable, client_secret: SECRET });
    assert.equal(created.statusCode, 400, created.body);
    assert.equal(created.json().code, 'validation_error');
    assert.ok(created.json().errors.some((e: { field: string }) => e.field === 'issuer'), created.body);
    assert.equal((await a('GET', '/admin/oauth-providers/deadidp')).statusCode, 404, 'nothing saved');
    // saved disabled it is not checked; enabling it is
    assert.equal((await a('POST', '/admin/oauth-providers', { id: 'deadidp', client_id: 'c', issuer: unreachable, enabled: false })).statusCode, 201);
    const enabled = await a('PATCH', '/admin/oauth-providers/deadidp', { enabled: true });
    assert.equal(enabled.statusCode, 400, enabled.body);
    assert.ok(enabled.json().errors.some((e: { field: string }) => e.field === 'issuer'), enabled.body);
    assert.equal((await a('GET', '/admin/oauth-providers/deadidp')).json().enabled, false);
    const fixed = await a('PATCH', '/admin/oauth-providers/deadidp', { issuer: peer.issuer, enabled: true });
    assert.equal(fixed.statusCode, 200, 'reachable now: enabled');
    // a built-in provider's endpoints are checked the same way
    const plain = await a('POST', '/admin/oauth-providers', { id: 'facebook', client_id: 'c', authorization_url: `${unreachable}/authorize`, token_url: `${unreachable}/token`, userinfo_url: `${unreachable}/me` });
    assert.equal(plain.statusCode, 400, plain.body);
    assert.ok(plain.json().errors.some((e: { field: string }) => e.field === 'issuer'), plain.body);
    await eventually('the failed provider calls in the log', async () => (log.match(/oauth: a call to the provider failed/g) ?? []).length >= 3, 2000);
    const lines = log.split('\n').filter((l) => l.includes('oauth: a call to the provider failed'));
    assert.ok(lines.some((l) => l.includes('"provider":"deadidp"') && /ECONNREFUSED|fetch failed/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes('"provider":"facebook"')), lines.join('\n'));
    assert.ok(!log.includes(SECRET), 'no client secret in the log');
    assert.equal((await a('DELETE', '/admin/oauth-providers/deadidp')).statusCode, 204);
  });

  it('link_by_email: default true, set on create and by PATCH, read back', async () => {
    const a = api(t.app, admin.accessToken);
    const created = await a('POST', '/admin/oauth-providers', { id: 'nolink', client_id: 'c', issuer: peer.issuer, link_by_email: false });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().link_by_email, false);
    assert.equal((await t.services.oauthProviders.resolve('nolink'))?.linkByEmail, false);
    assert.equal((await a('PATCH', '/admin/oauth-providers/nolink', { link_by_email: true })).json().link_by_email, true);
    assert.equal((await a('GET', '/admin/oauth-providers/nolink')).json().link_by_email, true);
    assert.equal((await a('PATCH', '/admin/oauth-providers/nolink', { link_by_email: 'no' })).statusCode, 400);
    assert.equal((await a('DELETE', '/admin/oauth-providers/nolink')).statusCode, 204);
  });

  it('guards unaudited provider changes: created, updated and deleted are audited with the admin as actor, never with the client secret', async () => {
    const a = api(t.app, admin.accessToken);
    assert.equal((await a('POST', '/admin/oauth-providers', { id: 'audited', client_id: 'c', issuer: peer.issuer, client_secret: SECRET })).statusCode, 201);
    assert.equal((await a('PATCH', '/admin/oauth-providers/audited', { name: 'Audited SSO', client_secret: `${SECRET}-2` })).statusCode, 200);
    assert.equal((await a('DELETE', '/admin/oauth-providers/audited')).statusCode, 204);
    const events = (await t.services.audit.list({ userId: null, type: null }, { limit: 50, cursor: null })).items.filter((e) => e.type.startsWith('oauth_provider.') && e.data.id === 'audited');
    assert.deepEqual(events.map((e) => e.type), ['oauth_provider.deleted', 'oauth_provider.updated', 'oauth_provider.created']);
    for (const e of events) {
      assert.equal(e.actorId, admin.id);
      assert.ok(!JSON.stringify(e.data).includes(SECRET), JSON.stringify(e.data));
    }
    const updated = events[1]!;
    assert.equal(updated.data.name, 'Audited SSO');
    assert.deepEqual(updated.data.changed, ['name', 'client_secret']);
    const audit = await a('GET', '/admin/audit?type=oauth_provider.created');
    assert.equal(audit.statusCode, 200);
    assert.ok(!audit.body.includes(SECRET));
  });

  it('a change reaches another instance within a second', { skip: !(process.env.TEST_DATABASE_URL && redisUrl) && 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, async () => {
    const other = await t.startInstance();
    const seen = async () => (await other.inject({ method: 'GET', url: '/api/v1/auth/oauth/providers' })).json().items.some((p: { id: string }) => p.id === 'second');
    assert.equal(await seen(), false);
    const a = api(t.app, admin.accessToken);
    assert.equal((await a('POST', '/admin/oauth-providers', { id: 'second', client_id: 'c', issuer: peer.issuer })).statusCode, 201);
    await eventually('the new provider on the other instance', seen, 1000);
    assert.equal((await a('PATCH', '/admin/oauth-providers/second', { enabled: false })).statusCode, 200);
    await eventually('the disabled provider gone on the other instance', async () => !(await seen()), 1000);
  });
});
