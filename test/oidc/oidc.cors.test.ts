/**
 * CORS on the provider's endpoints for the origins of CORS_ORIGINS (the library's replies bypass
 * Fastify's, so the CORS plugin's headers are carried over): a preflight (OPTIONS) and the actual
 * answers of the token, userinfo, revocation and introspection endpoints name a listed origin; an
 * unlisted one is never named, and the client endpoints refuse it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { api } from '../admin/admin-helpers.js';
import { authorization, browse, configFor, local, REDIRECT } from './oidc-helpers.js';

const SPA = 'https://spa.example.com';
const EVIL = 'https://evil.example.com';
const ENDPOINTS = ['/oidc/token', '/oidc/me', '/oidc/token/revocation', '/oidc/token/introspection'];

describe('OIDC CORS', () => {
  let t: TestContext;
  let admin: TestUser;
  let machine: { client_id: string; client_secret: string };
  const basic = () => `Basic ${Buffer.from(`${machine.client_id}:${machine.client_secret}`).toString('base64')}`;
  const form = (url: string, body: Record<string, string>, origin: string) =>
    t.app.inject({ method: 'POST', url, headers: { origin, authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(body).toString() });

  before(async () => {
    t = await buildTestContext({ env: { CORS_ORIGINS: SPA } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    machine = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Browser job', grant_types: ['client_credentials'], permissions: ['users:admin'] })).json();
  });
  after(async () => {
    await t.close();
  });

  it('a preflight from a listed origin is answered for each client endpoint; an unlisted origin is not named', async () => {
    for (const url of ENDPOINTS) {
      const res = await t.app.inject({ method: 'OPTIONS', url, headers: { origin: SPA, 'access-control-request-method': url === '/oidc/me' ? 'GET' : 'POST', 'access-control-request-headers': 'authorization, content-type' } });
      assert.equal(res.statusCode, 204, `${url}: ${res.body}`);
      assert.equal(res.headers['access-control-allow-origin'], SPA, url);
      assert.match(String(res.headers['access-control-allow-methods']), url === '/oidc/me' ? /GET/ : /POST/, url);
      assert.match(String(res.headers['access-control-allow-headers']).toLowerCase(), /authorization/, url);
      const evil = await t.app.inject({ method: 'OPTIONS', url, headers: { origin: EVIL, 'access-control-request-method': 'POST' } });
      assert.equal(evil.headers['access-control-allow-origin'], undefined, `${url}: unlisted origin`);
    }
  });

  it('the actual answers of token, introspection, revocation and userinfo name a listed origin', async () => {
    const token = await form('/oidc/token', { grant_type: 'client_credentials' }, SPA);
    assert.equal(token.statusCode, 200, token.body);
    assert.equal(token.headers['access-control-allow-origin'], SPA);
    assert.match(String(token.headers.vary), /origin/i);
    assert.ok(token.json().access_token);

    // a user's opaque access token, for userinfo, introspection and revocation
    const app = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'SPA', redirect_uris: [REDIRECT], skip_consent: true })).json();
    const config = await configFor(t.app, app);
    const user = await userWithRoles(t.app, ['user'], 'oidc-cors');
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    const flow = await authorization(config, 'openid email');
    const done = await browse(browser, await browser.get(local(flow.url.href)!));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });

    const info = await t.app.inject({ method: 'GET', url: '/oidc/me', headers: { origin: SPA, authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(info.statusCode, 200, info.body);
    assert.equal(info.headers['access-control-allow-origin'], SPA);
    assert.equal(info.json().email, user.email);
    const refused = await t.app.inject({ method: 'GET', url: '/oidc/me', headers: { origin: SPA, authorization: 'Bearer nope' } });
    assert.equal(refused.statusCode, 401);
    assert.equal(refused.headers['access-control-allow-origin'], SPA);
    assert.match(String(refused.headers['access-control-expose-headers']), /WWW-Authenticate/i, 'the browser may read the refusal');

    const asApp = (url: string, body: Record<string, string>) =>
      t.app.inject({ method: 'POST', url, headers: { origin: SPA, authorization: `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(body).toString() });
    const seen = await asApp('/oidc/token/introspection', { token: tokens.access_token });
    assert.equal(seen.statusCode, 200, seen.body);
    assert.equal(seen.headers['access-control-allow-origin'], SPA);
    assert.equal(seen.json().active, true);
    const revoked = await asApp('/oidc/token/revocation', { token: tokens.access_token });
    assert.equal(revoked.statusCode, 200, revoked.body);
    assert.equal(revoked.headers['access-control-allow-origin'], SPA);
    assert.equal((await asApp('/oidc/token/introspection', { token: tokens.access_token })).json().active, false);
  });

  it('an unlisted origin is never named, and the client endpoints refuse it; without an Origin (a server) nothing changes', async () => {
    const evil = await form('/oidc/token', { grant_type: 'client_credentials' }, EVIL);
    assert.notEqual(evil.headers['access-control-allow-origin'], EVIL);
    assert.notEqual(evil.headers['access-control-allow-origin'], '*');
    assert.equal(evil.statusCode, 400, evil.body);
    assert.equal(evil.json().error, 'invalid_request');
    assert.equal(evil.json().access_token, undefined);
    const server = await t.app.inject({ method: 'POST', url: '/oidc/token', headers: { authorization: basic(), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' });
    assert.equal(server.statusCode, 200, server.body);
    assert.equal(server.headers['access-control-allow-credentials'], undefined, 'no credentials for a request without an Origin');
    // discovery is public: a listed origin is named with the plugin's headers
    const discovery = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration', headers: { origin: SPA } });
    assert.equal(discovery.headers['access-control-allow-origin'], SPA);
  });
});
