/**
 * Behaviours the OpenID Foundation's Basic OP and Config OP conformance plans check that the other
 * OIDC tests do not (docs/oidc-conformance.md maps each module to its test): the discovery fields
 * the Config OP plan reads; a request without response_type or
 * without redirect_uri, without nonce, with the scopes in another order, with unknown or optional
 * parameters (display, login_hint, ui_locales, claims_locales, acr_values), max_age (1 after a
 * pause: sign in again; 10000: not), id_token_hint with prompt=none, an unsigned request object
 * (refused as unsupported, as discovery says), and userinfo by GET, by POST with the bearer header
 * and with the token in the body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { api } from '../admin/admin-helpers.js';
import { authorization, browse, configFor, injectFetch, local, REDIRECT } from './oidc-helpers.js';

describe('OIDC Basic OP conformance rows', () => {
  let t: TestContext;
  let admin: TestUser;
  let user: TestUser;
  let client: { client_id: string; client_secret: string };
  let config: oidc.Configuration;
  let browser: PageClient;

  /** the authorization URL's answer once it leaves Gatehouse (or the page it stopped at) */
  async function run(url: URL) {
    const done = await browse(browser, await browser.get(local(url.href)!));
    return { ...done, back: done.left ? new URL(done.left) : null };
  }

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    user = await userWithRoles(t.app, ['user'], 'oidc-conformance');
    client = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Conformance', redirect_uris: [REDIRECT], skip_consent: true })).json();
    config = await configFor(t.app, client);
    browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
  });
  after(async () => {
    await t.close();
  });

  it('oidcc-response-type-missing: an error at the redirect URI (invalid_request), never a code', async () => {
    const url = new URL(`http://localhost:8000/oidc/auth?client_id=${client.client_id}&scope=openid&state=s1&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    const { back, res } = await run(url);
    if (back) {
      assert.equal(back.searchParams.get('error'), 'invalid_request');
      assert.equal(back.searchParams.get('state'), 's1');
      assert.equal(back.searchParams.get('code'), null);
    } else assert.equal(res.statusCode, 400, 'or an error page');
  });

  it('oidcc-ensure-redirect-uri-in-authorization-request: without redirect_uri, an error page at Gatehouse (the library used to default a lone registered URI)', async () => {
    const res = await browser.get(`/oidc/auth?client_id=${client.client_id}&response_type=code&scope=openid&state=s2`);
    assert.equal(res.statusCode, 400, res.body.slice(0, 200));
    assert.equal(res.headers.location, undefined);
  });

  it('oidcc-ensure-request-without-nonce-succeeds-for-code-flow, oidcc-ensure-other-scope-order-succeeds', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'email openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const { back } = await run(url);
    assert.ok(back?.searchParams.get('code'), `a code: ${back?.href}`);
    const tokens = await oidc.authorizationCodeGrant(config, back!, { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.claims()?.nonce, undefined);
    assert.equal(tokens.claims()?.email, user.email, 'the scopes in another order still grant email');
  });

  it('oidcc-ensure-request-with-unknown-parameter-succeeds, display, login_hint, ui_locales, claims_locales, acr_values', async () => {
    const flow = await authorization(config, 'openid', { unknown_param: 'x', display: 'popup', login_hint: user.email, ui_locales: 'fr-CA fr en', claims_locales: 'de', acr_values: '1 2' });
    const { back } = await run(flow.url);
    assert.ok(back?.searchParams.get('code'), `a code: ${back?.href}`);
    const tokens = await oidc.authorizationCodeGrant(config, back!, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    assert.equal(tokens.claims()?.sub, user.id);
    const page = await authorization(config, 'openid', { display: 'page' });
    assert.ok((await run(page.url)).back?.searchParams.get('code'));
  });

  it('oidcc-max-age-10000 passes silently; oidcc-max-age-1 after a pause asks to sign in again, auth_time is then the new sign-in', async () => {
    const recent = await authorization(config, 'openid', { max_age: '10000' });
    const silent = await run(recent.url);
    assert.ok(silent.back?.searchParams.get('code'), `no sign-in asked: ${silent.back?.href ?? textOf(silent.res.body).slice(0, 200)}`);
    const first = await oidc.authorizationCodeGrant(config, silent.back!, { pkceCodeVerifier: recent.verifier, expectedState: recent.state, expectedNonce: recent.nonce });
    const before = first.claims()!.auth_time!;
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const stale = await authorization(config, 'openid', { max_age: '1' });
    const toLogin = await run(stale.url);
    assert.match(toLogin.res.body, /<form method="post" action="\/login"/, 'the sign-in page');
    const next = /name="next" value="([^"]+)"/.exec(toLogin.res.body)?.[1]?.replace(/&amp;/g, '&');
    const back = await browse(browser, await browser.post('/login', { login: user.email, password: user.password, next: next! }));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.left!), { pkceCodeVerifier: stale.verifier, expectedState: stale.state, expectedNonce: stale.nonce, maxAge: 1 });
    assert.ok(tokens.claims()!.auth_time! > before, 'auth_time is the new sign-in');
  });

  it("oidcc-id-token-hint: prompt=none with the user's own ID token as the hint answers a code for the same subject", async () => {
    const flow = await authorization(config, 'openid');
    const first = await oidc.authorizationCodeGrant(config, (await run(flow.url)).back!, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    const hinted = await authorization(config, 'openid', { prompt: 'none', id_token_hint: first.id_token! });
    const { back } = await run(hinted.url);
    assert.ok(back?.searchParams.get('code'), `a code: ${back?.href}`);
    const tokens = await oidc.authorizationCodeGrant(config, back!, { pkceCodeVerifier: hinted.verifier, expectedState: hinted.state, expectedNonce: hinted.nonce });
    assert.equal(tokens.claims()?.sub, user.id);
  });

  it('oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported: refused as unsupported, as discovery says', async () => {
    const discovery = (await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
    assert.notEqual(discovery.request_parameter_supported, true);
    const flow = await authorization(config, 'openid');
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ client_id: client.client_id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, state: flow.state })).toString('base64url');
    flow.url.searchParams.set('request', `${header}.${body}.`);
    const { back, res } = await run(flow.url);
    if (back) {
      assert.equal(back.searchParams.get('error'), 'request_not_supported');
      assert.equal(back.searchParams.get('code'), null);
    } else assert.equal(res.statusCode, 400);
  });

  it('oidcc-discovery-endpoint-verification: the required and recommended fields, and a key set of usable keys', async () => {
    const d = (await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).json();
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported', 'id_token_signing_alg_values_supported', 'scopes_supported', 'claims_supported']) {
      assert.ok(d[field] !== undefined, field);
    }
    assert.ok(d.subject_types_supported.includes('public'));
    assert.ok(d.scopes_supported.includes('openid'));
    for (const claim of ['sub', 'iss', 'auth_time', 'amr', 'sid', 'name', 'preferred_username', 'picture', 'updated_at', 'email', 'email_verified', 'roles']) assert.ok(d.claims_supported.includes(claim), `claims_supported: ${claim}`);
    assert.equal(d.claims_parameter_supported, false);
    assert.ok(d.response_modes_supported.includes('query'));
    const jwks = (await t.app.inject({ method: 'GET', url: new URL(d.jwks_uri).pathname })).json<{ keys: { kid?: string; kty?: string; use?: string; d?: string }[] }>();
    assert.ok(jwks.keys.length > 0);
    for (const key of jwks.keys) {
      assert.ok(key.kid && key.kty, 'each key has kid and kty');
      assert.equal(key.d, undefined, 'public keys only');
    }
  });

  it('oidcc-server with client_secret_post: the code is redeemed with the secret in the body', async () => {
    const post = await oidc.discovery(new URL('http://localhost:8000'), client.client_id, undefined, oidc.ClientSecretPost(client.client_secret), { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: injectFetch(t.app) });
    const flow = await authorization(post, 'openid');
    const tokens = await oidc.authorizationCodeGrant(post, (await run(flow.url)).back!, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    assert.equal(tokens.claims()?.sub, user.id);
  });

  it('oidcc-userinfo-get, oidcc-userinfo-post-header, oidcc-userinfo-post-body', async () => {
    const flow = await authorization(config, 'openid email');
    const tokens = await oidc.authorizationCodeGrant(config, (await run(flow.url)).back!, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    const get = await t.app.inject({ method: 'GET', url: '/oidc/me', headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(get.statusCode, 200, get.body);
    assert.equal(get.json().sub, user.id);
    const header = await t.app.inject({ method: 'POST', url: '/oidc/me', headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(header.statusCode, 200, header.body);
    assert.equal(header.json().email, user.email);
    const inBody = await t.app.inject({ method: 'POST', url: '/oidc/me', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `access_token=${encodeURIComponent(tokens.access_token)}` });
    assert.equal(inBody.statusCode, 200, inBody.body);
    assert.equal(inBody.json().sub, user.id);
  });
});
