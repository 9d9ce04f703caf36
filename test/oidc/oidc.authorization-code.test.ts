/**
 * The authorization code flow with PKCE through Gatehouse's own pages, driven by openid-client:
 * without a page session the browser goes through /login and comes back; the consent page names
 * the client and offers allow/deny; the code is redeemed once for an ID token signed with
 * Gatehouse's active key (and the granted scopes' claims); deny → access_denied at the redirect
 * URI; a skip_consent client shows no consent page and its grant is audited as implied.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { injectFetch, ISSUER, REDIRECT } from './oidc-helpers.js';
import { api } from '../admin/admin-helpers.js';



/** a path of this instance, or the absolute URL when it leaves Gatehouse (the client's redirect URI) */
function local(location: string): string | null {
  const url = new URL(location, ISSUER);
  return url.origin === ISSUER ? `${url.pathname}${url.search}` : null;
}

/** follows redirects within Gatehouse; stops at a page (2xx/4xx) or at a redirect that leaves it */
async function browse(browser: PageClient, res: LightMyRequestResponse): Promise<{ res: LightMyRequestResponse; left: string | null }> {
  for (let hops = 0; hops < 12; hops++) {
    if (res.statusCode < 300 || res.statusCode >= 400) return { res, left: null };
    const location = String(res.headers.location);
    const path = local(location);
    if (!path) return { res, left: location };
    res = await browser.get(path);
  }
  throw new Error('too many redirects');
}

describe('OIDC authorization code flow', () => {
  let t: TestContext;
  let admin: TestUser;
  let user: TestUser;
  let web: { client_id: string; client_secret: string };

  async function configFor(client: { client_id: string; client_secret: string }): Promise<oidc.Configuration> {
    return oidc.discovery(new URL(ISSUER), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret), {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: injectFetch(t.app),
    });
  }

  async function start(config: oidc.Configuration, scope = 'openid profile email') {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, nonce });
    return { url, verifier, state, nonce };
  }

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    user = await userWithRoles(t.app, ['user'], 'oidc-user');
    web = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Billing', redirect_uris: [REDIRECT] })).json();
  });
  after(async () => {
    await t.close();
  });

  it('signs in through /login, asks consent, and the code buys an ID token signed with the active key (once)', async () => {
    const config = await configFor(web);
    const flow = await start(config);
    const browser = new PageClient(t.app);
    // no page session: to the sign-in page, with the way back in `next`
    const first = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.equal(first.res.statusCode, 200);
    assert.match(first.res.body, /<form method="post" action="\/login"/);
    const next = /name="next" value="([^"]+)"/.exec(first.res.body)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(next?.startsWith('/oidc/interaction/'), `next: ${next}`);
    const signedIn = await browser.post('/login', { login: user.email, password: user.password, next: next! });
    assert.equal(signedIn.statusCode, 303, signedIn.body);
    // back at the interaction: the consent page names the client and the scopes in words
    const consent = await browse(browser, signedIn);
    assert.equal(consent.res.statusCode, 200, consent.res.body.slice(0, 500));
    const text = textOf(consent.res.body);
    assert.match(text, /Allow Billing\?/);
    assert.match(text, /email address/);
    assert.match(consent.res.body, /name="_csrf"/);
    assert.match(consent.res.body, /name="decision" value="allow"/);
    assert.match(consent.res.body, /name="decision" value="deny"/);
    const action = /<form method="post" action="([^"]+)"/.exec(consent.res.body.split('<main')[1]!)![1]!;
    const allowed = await browse(browser, await browser.post(action, { decision: 'allow' }));
    assert.ok(allowed.left?.startsWith(`${REDIRECT}?`), `redirected to the client: ${allowed.left}`);

    const tokens = await oidc.authorizationCodeGrant(config, new URL(allowed.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    assert.ok(tokens.id_token);
    assert.equal(decodeProtectedHeader(tokens.id_token).kid, t.services.keys.activeKid());
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
    const { payload } = await jwtVerify(tokens.id_token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: web.client_id });
    assert.equal(payload.sub, user.id);
    assert.equal(payload.nonce, flow.nonce);
    assert.equal(payload.email, user.email);
    assert.equal(typeof payload.auth_time, 'number');
    assert.equal(tokens.refresh_token, undefined, 'offline_access was not asked for');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    assert.equal(info.sub, user.id);
    assert.equal(info.email, user.email);

    // the code is single use; a second redemption revokes what the first one bought
    await assert.rejects(oidc.authorizationCodeGrant(config, new URL(allowed.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce }), (e: { error?: string }) => e.error === 'invalid_grant');

    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, user.id), 'the access token of the replayed code is revoked');

    // consent given: a second authorization goes straight back to the client
    const again = await start(config);
    const second = await browse(browser, await browser.get(local(again.url.href)!));
    assert.ok(second.left?.startsWith(`${REDIRECT}?`), `no consent page the second time: ${second.left ?? `${second.res.statusCode} ${textOf(second.res.body).slice(0, 400)}`}`);
    assert.ok(new URL(second.left!).searchParams.get('code'));

    const events = (await api(t.app, admin.accessToken)('GET', `/admin/audit?type=oidc.consent.granted&user_id=${user.id}`)).json().items as { data: { client_id: string; implied?: boolean } }[];
    assert.ok(events.some((e) => e.data.client_id === web.client_id && e.data.implied === undefined));
  });

  it('deny → access_denied at the redirect URI with the state', async () => {
    const config = await configFor(web);
    const other = await userWithRoles(t.app, ['user'], 'oidc-deny');
    const browser = new PageClient(t.app);
    await browser.signIn(other.email, other.password);
    const flow = await start(config);
    const consent = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.equal(consent.res.statusCode, 200);
    const action = /<form method="post" action="([^"]+)"/.exec(consent.res.body.split('<main')[1]!)![1]!;
    const denied = await browse(browser, await browser.post(action, { decision: 'deny' }));
    const back = new URL(denied.left!);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('state'), flow.state);
    // a consent form without its CSRF token is refused
    const flow2 = await start(config);
    const consent2 = await browse(browser, await browser.get(local(flow2.url.href)!));
    const action2 = /<form method="post" action="([^"]+)"/.exec(consent2.res.body.split('<main')[1]!)![1]!;
    assert.equal((await browser.post(action2, { decision: 'allow', _csrf: null })).statusCode, 403);
  });

  it('the consent page in German (gh_lang=de): <html lang="de">, no English word left but the client\'s name', async () => {
    const config = await configFor(web);
    const reader = await userWithRoles(t.app, ['user'], 'oidc-de');
    const browser = new PageClient(t.app);
    browser.cookies.set('gh_lang', { value: 'de', path: '/' });
    await browser.signIn(reader.email, reader.password);
    const flow = await start(config, 'openid profile email offline_access');
    const consent = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.equal(consent.res.statusCode, 200, consent.res.body.slice(0, 500));
    assert.match(consent.res.body, /name="decision" value="allow"/);
    assert.match(consent.res.body, /<html lang="de">/);
    assert.deepEqual(englishWordsIn(readableText(consent.res.body), ['Billing', reader.email, reader.username ?? reader.email]), []);
  });

  it('offline_access: a refresh token that rotates on every use; a rotated-out one revokes the grant, consent stays', async () => {
    const config = await configFor(web);
    const browser = new PageClient(t.app);
    const holder = await userWithRoles(t.app, ['user'], 'oidc-offline');
    await browser.signIn(holder.email, holder.password);
    const flow = await start(config, 'openid offline_access');
    flow.url.searchParams.set('prompt', 'consent');
    const consent = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.match(textOf(consent.res.body), /Stay connected/);
    const action = /<form method="post" action="([^"]+)"/.exec(consent.res.body.split('<main')[1]!)![1]!;
    const back = await browse(browser, await browser.post(action, { decision: 'allow' }));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    assert.ok(tokens.refresh_token, 'offline_access granted: a refresh token');
    const first = tokens.refresh_token!;
    const rotated = await oidc.refreshTokenGrant(config, first);
    assert.ok(rotated.refresh_token && rotated.refresh_token !== first, 'rotated');
    await assert.rejects(oidc.refreshTokenGrant(config, first), (e: { error?: string }) => e.error === 'invalid_grant');
    await assert.rejects(oidc.refreshTokenGrant(config, rotated.refresh_token!), (e: { error?: string }) => e.error === 'invalid_grant', 'the rotated-in token stops working too');
    // the consent is still there
    const again = await start(config, 'openid offline_access');
    const straight = await browse(browser, await browser.get(local(again.url.href)!));
    assert.ok(straight.left?.startsWith(`${REDIRECT}?`), `consent kept: ${straight.left ?? textOf(straight.res.body).slice(0, 300)}`);
  });

  it('an unknown client or redirect URI gets an error page at Gatehouse; a public client must send an S256 challenge', async () => {
    const browser = new PageClient(t.app);
    const unknown = await browser.get(`/oidc/auth?client_id=nope&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(unknown.statusCode, 400);
    assert.match(String(unknown.headers['content-type']), /^text\/html/);
    assert.equal(unknown.headers.location, undefined);
    const wrongRedirect = await browser.get(`/oidc/auth?client_id=${web.client_id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example.com/cb')}`);
    assert.equal(wrongRedirect.statusCode, 400);
    assert.equal(wrongRedirect.headers.location, undefined);
    assert.ok(!wrongRedirect.body.includes('<script'), 'no script');

    const spa = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'SPA', type: 'public', redirect_uris: [REDIRECT] })).json();
    const noPkce = await browser.get(`/oidc/auth?client_id=${spa.client_id}&response_type=code&scope=openid&state=s1&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(noPkce.statusCode, 303);
    const to = new URL(String(noPkce.headers.location));
    assert.equal(to.searchParams.get('error'), 'invalid_request');
    assert.equal(to.searchParams.get('state'), 's1');
    const plain = await browser.get(`/oidc/auth?client_id=${spa.client_id}&response_type=code&scope=openid&state=s2&code_challenge=${'a'.repeat(43)}&code_challenge_method=plain&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.equal(new URL(String(plain.headers.location)).searchParams.get('error'), 'invalid_request');
    const implicit = await browser.get(`/oidc/auth?client_id=${web.client_id}&response_type=token&scope=openid&state=s3&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    assert.ok([302, 303].includes(implicit.statusCode), implicit.body.slice(0, 200));
    // an implicit request's error goes back in the fragment, where implicit answers would go
    const implicitTo = new URL(String(implicit.headers.location));
    assert.equal(implicitTo.searchParams.get('error') ?? new URLSearchParams(implicitTo.hash.slice(1)).get('error'), 'unsupported_response_type');
    assert.equal(implicitTo.searchParams.get('access_token') ?? new URLSearchParams(implicitTo.hash.slice(1)).get('access_token'), null);
  });

  it("a scope outside the client's list, unknown names included, is invalid_scope at the redirect URI", async () => {
    const config = await configFor(web);
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    for (const scope of ['openid roles', 'openid everything']) {
      const flow = await start(config, scope);
      const done = await browse(browser, await browser.get(local(flow.url.href)!));
      assert.ok(done.left, `${scope}: back to the client, not ${done.res.statusCode} ${textOf(done.res.body).slice(0, 200)}`);
      const back = new URL(done.left!);
      assert.equal(back.searchParams.get('error'), 'invalid_scope', scope);
      assert.equal(back.searchParams.get('state'), flow.state);
    }
  });

  it("the user's connected apps: listed, and withdrawing one revokes that client's tokens at once; the next authorization asks again", async () => {
    const config = await configFor(web);
    const owner = await userWithRoles(t.app, ['user'], 'oidc-grants');
    const browser = new PageClient(t.app);
    await browser.signIn(owner.email, owner.password);
    const flow = await start(config, 'openid email offline_access');
    flow.url.searchParams.set('prompt', 'consent');
    const consent = await browse(browser, await browser.get(local(flow.url.href)!));
    const action = /<form method="post" action="([^"]+)"/.exec(consent.res.body.split('<main')[1]!)![1]!;
    const back = await browse(browser, await browser.post(action, { decision: 'allow' }));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    assert.ok(tokens.refresh_token);

    const mine = api(t.app, owner.accessToken);
    assert.equal((await api(t.app, null)('GET', '/auth/oidc-grants')).statusCode, 401);
    const listed = await mine('GET', '/auth/oidc-grants');
    assert.equal(listed.statusCode, 200, listed.body);
    const items = listed.json().items as { client_id: string; client_name: string; scopes: string[]; created_at: string }[];
    assert.equal(items.length, 1);
    assert.equal(items[0]!.client_id, web.client_id);
    assert.equal(items[0]!.client_name, 'Billing');
    assert.deepEqual([...items[0]!.scopes].sort(), ['email', 'offline_access', 'openid']);
    assert.ok(!Number.isNaN(Date.parse(items[0]!.created_at)));
    assert.deepEqual((await api(t.app, user.accessToken)('GET', '/auth/oidc-grants')).json().items.filter((g: { client_id: string }) => g.client_id === 'nope'), [], "another user's list is their own");

    assert.ok((await oidc.fetchUserInfo(config, tokens.access_token, owner.id)).sub);
    assert.equal((await mine('DELETE', `/auth/oidc-grants/${web.client_id}`)).statusCode, 204);
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, owner.id), 'the access token is refused');
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), (e: { error?: string }) => e.error === 'invalid_grant');
    assert.deepEqual((await mine('GET', '/auth/oidc-grants')).json().items, []);
    assert.equal((await mine('DELETE', `/auth/oidc-grants/${web.client_id}`)).statusCode, 404);
    const events = (await api(t.app, admin.accessToken)('GET', `/admin/audit?type=oidc.consent.revoked&user_id=${owner.id}`)).json().items as { data: { client_id: string } }[];
    assert.equal(events[0]?.data.client_id, web.client_id);

    const again = await start(config, 'openid email');
    const asked = await browse(browser, await browser.get(local(again.url.href)!));
    assert.equal(asked.res.statusCode, 200);
    assert.match(textOf(asked.res.body), /Allow Billing\?/, 'consent is asked again');
  });

  it("the provider's session follows the page session: after sign-out another user signing in on the same browser is not taken for the first", async () => {
    const first = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Kiosk', redirect_uris: [REDIRECT], skip_consent: true })).json();
    const config = await configFor(first);
    const alice = await userWithRoles(t.app, ['user'], 'oidc-alice');
    const bob = await userWithRoles(t.app, ['user'], 'oidc-bob');
    const browser = new PageClient(t.app);
    const subjectOf = async (): Promise<string | null> => {
      const flow = await start(config, 'openid');
      const done = await browse(browser, await browser.get(local(flow.url.href)!));
      if (!done.left) return `${done.res.statusCode} ${textOf(done.res.body).slice(0, 300)}`;
      const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
      return tokens.claims()?.sub ?? null;
    };
    await browser.signIn(alice.email, alice.password);
    assert.equal(await subjectOf(), alice.id);
    await browser.get('/dashboard');
    assert.equal((await browser.post('/logout')).statusCode, 303);
    // signed out of Gatehouse: prompt=none cannot pass silently
    const silent = await start(config, 'openid');
    silent.url.searchParams.set('prompt', 'none');
    const refused = await browse(browser, await browser.get(local(silent.url.href)!));
    assert.equal(new URL(refused.left!).searchParams.get('error'), 'login_required');
    // and an authorization goes to the sign-in page
    const again = await start(config, 'openid');
    const toLogin = await browse(browser, await browser.get(local(again.url.href)!));
    assert.match(toLogin.res.body, /<form method="post" action="\/login"/);
    await browser.signIn(bob.email, bob.password);
    assert.equal(await subjectOf(), bob.id, "Bob's sign-in, not Alice's");
  });

  it('introspection and revocation (RFC 7662, 7009): the client sees and revokes only its own tokens', async () => {
    const config = await configFor(web);
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    const flow = await start(config, 'openid email');
    const done = await browse(browser, await browser.get(local(flow.url.href)!));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    const seen = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(seen.active, true);
    assert.equal(seen.sub, user.id);
    assert.equal(seen.client_id, web.client_id);
    assert.equal(typeof seen.exp, 'number');
    assert.equal(typeof seen.iat, 'number');
    assert.ok(String(seen.scope).split(' ').includes('email'));
    assert.equal(seen.token_type, 'Bearer');
    const other = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Nosy', redirect_uris: [REDIRECT] })).json();
    const nosy = await configFor(other);
    assert.equal((await oidc.tokenIntrospection(nosy, tokens.access_token)).active, false, "another client's token");
    await oidc.tokenRevocation(nosy, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, true, 'not revoked by another client');
    await oidc.tokenRevocation(config, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, user.id));
  });

  it("sign-out everywhere and disabling the user revoke the applications' tokens at once; the consent stays", async () => {
    const config = await configFor(web);
    const holder = await userWithRoles(t.app, ['user'], 'oidc-everywhere');
    const obtain = async () => {
      const browser = new PageClient(t.app);
      await browser.signIn(holder.email, holder.password);
      const flow = await start(config, 'openid offline_access');
      flow.url.searchParams.set('prompt', 'consent');
      let step = await browse(browser, await browser.get(local(flow.url.href)!));
      if (!step.left) {
        const action = /<form method="post" action="([^"]+)"/.exec(step.res.body.split('<main')[1]!)![1]!;
        step = await browse(browser, await browser.post(action, { decision: 'allow' }));
      }
      return oidc.authorizationCodeGrant(config, new URL(step.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    };
    const tokens = await obtain();
    assert.ok(tokens.refresh_token);
    const session = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: holder.email, password: holder.password } });
    const bearer = session.json().access_token as string;
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: { authorization: `Bearer ${bearer}` } })).statusCode, 204);
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, holder.id), 'userinfo refuses the access token');
    await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), (e: { error?: string }) => e.error === 'invalid_grant');
    const relogin = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: holder.email, password: holder.password } });
    const grants = await api(t.app, relogin.json().access_token as string)('GET', '/auth/oidc-grants');
    assert.deepEqual(grants.json().items.map((g: { client_id: string }) => g.client_id), [web.client_id], 'the consent stays');

    const second = await obtain();
    assert.equal((await api(t.app, admin.accessToken)('PATCH', `/admin/users/${holder.id}`, { disabled: true })).statusCode, 200);
    await assert.rejects(oidc.fetchUserInfo(config, second.access_token, holder.id));
    await assert.rejects(oidc.refreshTokenGrant(config, second.refresh_token!), (e: { error?: string }) => e.error === 'invalid_grant');
  });

  it('prompt=login asks for a fresh sign-in even with a page session; auth_time is that sign-in', async () => {
    const kiosk = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Fresh', redirect_uris: [REDIRECT], skip_consent: true })).json();
    const config = await configFor(kiosk);
    const holder = await userWithRoles(t.app, ['user'], 'oidc-fresh');
    const browser = new PageClient(t.app);
    await browser.signIn(holder.email, holder.password);
    const first = await start(config, 'openid');
    const firstDone = await browse(browser, await browser.get(local(first.url.href)!));
    const firstTokens = await oidc.authorizationCodeGrant(config, new URL(firstDone.left!), { pkceCodeVerifier: first.verifier, expectedState: first.state, expectedNonce: first.nonce });
    const signedIn = firstTokens.claims()!.auth_time!;
    // the next second, so "signed in before this request" is observable at the claims' resolution
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const flow = await start(config, 'openid');
    flow.url.searchParams.set('prompt', 'login');
    const toLogin = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.match(toLogin.res.body, /<form method="post" action="\/login"/, 'the sign-in page, although a page session existed');
    const next = /name="next" value="([^"]+)"/.exec(toLogin.res.body)?.[1]?.replace(/&amp;/g, '&');
    const back = await browse(browser, await browser.post('/login', { login: holder.email, password: holder.password, next: next! }));
    assert.ok(back.left?.startsWith(`${REDIRECT}?`), `back to the client: ${back.left ?? textOf(back.res.body).slice(0, 300)}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    assert.ok(tokens.claims()!.auth_time! > signedIn, 'auth_time is the new sign-in');
    assert.equal(tokens.claims()!.sub, holder.id);
  });

  it('RP-initiated logout: ends the Gatehouse page session and returns to a registered post-logout URI with the state; an unregistered one is never redirected to', async () => {
    const BYE = 'https://app.example.com/bye';
    const app = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Leaving', redirect_uris: [REDIRECT], post_logout_redirect_uris: [BYE], skip_consent: true })).json();
    const config = await configFor(app);
    const holder = await userWithRoles(t.app, ['user'], 'oidc-logout');
    const browser = new PageClient(t.app);
    await browser.signIn(holder.email, holder.password);
    const flow = await start(config, 'openid');
    const done = await browse(browser, await browser.get(local(flow.url.href)!));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });

    const unregistered = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://evil.example.com/bye', state: 'x' });
    const refused = await browser.get(local(unregistered.href)!);
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.headers.location, undefined);

    const endUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: BYE, state: 'bye-state' });
    const question = await browser.get(local(endUrl.href)!);
    assert.equal(question.statusCode, 200, question.body.slice(0, 300));
    assert.ok(!question.body.includes('<script') && !question.body.includes('<style'), 'no inline script or style');
    const action = /<form[^>]*action="([^"]+)"/.exec(question.body)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(question.body)![1]!;
    const confirmed = await browser.post(local(action)!, { xsrf, logout: 'yes', _csrf: null });
    assert.ok([302, 303].includes(confirmed.statusCode), confirmed.body.slice(0, 300));
    const back = new URL(String(confirmed.headers.location));
    assert.equal(`${back.origin}${back.pathname}`, BYE);
    assert.equal(back.searchParams.get('state'), 'bye-state');
    // the Gatehouse page session is over: the dashboard asks to sign in
    const dashboard = await browse(browser, await browser.get('/dashboard'));
    assert.match(dashboard.res.body, /<form method="post" action="\/login"/);
  });

  it('the dashboard lists connected apps with a revoke button that withdraws the consent', async () => {
    const config = await configFor(web);
    const owner = await userWithRoles(t.app, ['user'], 'oidc-dashboard');
    const browser = new PageClient(t.app);
    await browser.signIn(owner.email, owner.password);
    const flow = await start(config, 'openid email');
    const consent = await browse(browser, await browser.get(local(flow.url.href)!));
    const action = /<form method="post" action="([^"]+)"/.exec(consent.res.body.split('<main')[1]!)![1]!;
    const back = await browse(browser, await browser.post(action, { decision: 'allow' }));
    const tokens = await oidc.authorizationCodeGrant(config, new URL(back.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    const dashboard = await browser.get('/dashboard');
    assert.equal(dashboard.statusCode, 200);
    assert.match(textOf(dashboard.body), /Connected apps .*Billing/);
    const revoke = `/dashboard/apps/${encodeURIComponent(web.client_id)}/revoke`;
    assert.ok(dashboard.body.includes(`action="${revoke}"`));
    assert.equal((await browser.post(revoke, { _csrf: null })).statusCode, 403, 'CSRF checked');
    const done = await browser.post(revoke);
    assert.equal(done.statusCode, 303);
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, owner.id));
    assert.match(textOf((await browser.get('/dashboard')).body), /No application signs you in with Gatehouse/);
  });

  it('a skip_consent client shows no consent page; the grant is audited as implied', async () => {
    const first = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Intranet', redirect_uris: [REDIRECT], skip_consent: true })).json();
    const config = await configFor(first);
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    const flow = await start(config, 'openid profile');
    const done = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.ok(done.left?.startsWith(`${REDIRECT}?`), `straight back: ${done.left ?? done.res.body.slice(0, 300)}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    assert.equal(tokens.claims()?.sub, user.id);
    const events = (await api(t.app, admin.accessToken)('GET', `/admin/audit?type=oidc.consent.granted&user_id=${user.id}`)).json().items as { data: { client_id: string; implied?: boolean } }[];
    assert.ok(events.some((e) => e.data.client_id === first.client_id && e.data.implied === true));
  });
});
