/**
 * Rules of the authorization code flow not covered elsewhere: a wrong PKCE code_verifier is
 * invalid_grant (and the code is not redeemed by it); prompt=none with a Gatehouse session but a
 * consent still to give answers consent_required at the redirect URI; a skip_consent client never
 * shows the consent page, not even for prompt=consent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { api } from '../admin/admin-helpers.js';
import { authorization, browse, configFor, consentAction, local, REDIRECT } from './oidc-helpers.js';

describe('OIDC authorization rules', () => {
  let t: TestContext;
  let admin: TestUser;
  let web: { client_id: string; client_secret: string };

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    web = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Ledger', redirect_uris: [REDIRECT] })).json();
  });
  after(async () => {
    await t.close();
  });

  it('a wrong code_verifier → invalid_grant, no token', async () => {
    const config = await configFor(t.app, web);
    const user = await userWithRoles(t.app, ['user'], 'oidc-pkce');
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    const flow = await authorization(config, 'openid');
    const consent = await browse(browser, await browser.get(local(flow.url.href)!));
    const back = await browse(browser, await browser.post(consentAction(consent.res.body), { decision: 'allow' }));
    assert.ok(back.left?.startsWith(`${REDIRECT}?`), back.left ?? textOf(back.res.body).slice(0, 300));
    const code = new URL(back.left!).searchParams.get('code')!;
    const token = (verifier: string) =>
      t.app.inject({
        method: 'POST',
        url: '/oidc/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${web.client_id}:${web.client_secret}`).toString('base64')}` },
        payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
      });
    const wrong = await token(oidc.randomPKCECodeVerifier());
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error, 'invalid_grant');
    assert.equal(wrong.json().access_token, undefined);
    // through openid-client too
    await assert.rejects(oidc.authorizationCodeGrant(config, new URL(back.left!), { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: flow.state, expectedNonce: flow.nonce }), (e: { error?: string }) => e.error === 'invalid_grant');
    // a verifier that is no verifier at all (too short) is refused as well
    const short = await token('abc');
    assert.equal(short.statusCode, 400);
    assert.ok(['invalid_grant', 'invalid_request'].includes(short.json().error), short.body);
  });

  it('prompt=none with a Gatehouse session but a consent still to give → consent_required at the redirect URI, with the state; once consented, a code', async () => {
    const config = await configFor(t.app, web);
    const user = await userWithRoles(t.app, ['user'], 'oidc-silent');
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    const flow = await authorization(config, 'openid email', { prompt: 'none' });
    const done = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.ok(done.left, `back to the client, not ${done.res.statusCode} ${textOf(done.res.body).slice(0, 300)}`);
    const back = new URL(done.left!);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('error'), 'consent_required');
    assert.equal(back.searchParams.get('state'), flow.state);
    assert.equal(back.searchParams.get('code'), null);

    // once consented, prompt=none passes silently; a scope not yet granted asks consent again
    const asked = await authorization(config, 'openid email');
    const consent = await browse(browser, await browser.get(local(asked.url.href)!));
    await browse(browser, await browser.post(consentAction(consent.res.body), { decision: 'allow' }));
    const silent = await authorization(config, 'openid email', { prompt: 'none' });
    const passed = await browse(browser, await browser.get(local(silent.url.href)!));
    assert.ok(new URL(passed.left!).searchParams.get('code'), `silent: ${passed.left}`);
    const more = await authorization(config, 'openid email profile', { prompt: 'none' });
    const refused = await browse(browser, await browser.get(local(more.url.href)!));
    assert.equal(new URL(refused.left!).searchParams.get('error'), 'consent_required');

    // another browser signed in to Gatehouse only (no provider session yet): prompt=none gets a code
    // for this user, whose consent is theirs, not the first browser's
    const other = new PageClient(t.app);
    await other.signIn(user.email, user.password);
    const fresh = await authorization(config, 'openid email', { prompt: 'none' });
    const answered = await browse(other, await other.get(local(fresh.url.href)!));
    assert.ok(new URL(answered.left!).searchParams.get('code'), `fresh browser: ${answered.left}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(answered.left!), { pkceCodeVerifier: fresh.verifier, expectedState: fresh.state, expectedNonce: fresh.nonce });
    assert.equal(tokens.claims()?.sub, user.id);
    assert.deepEqual(tokens.claims()?.amr, ['pwd']);
    assert.equal(typeof tokens.claims()?.auth_time, 'number');
  });

  it('a skip_consent client never shows the consent page, not even for prompt=consent', async () => {
    const first = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Intranet', redirect_uris: [REDIRECT], skip_consent: true })).json();
    const config = await configFor(t.app, first);
    const user = await userWithRoles(t.app, ['user'], 'oidc-skip');
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    for (const scope of ['openid profile', 'openid profile email offline_access']) {
      const flow = await authorization(config, scope, { prompt: 'consent' });
      const done = await browse(browser, await browser.get(local(flow.url.href)!));
      assert.ok(done.left?.startsWith(`${REDIRECT}?`), `${scope}: straight back, not ${done.res.statusCode} ${textOf(done.res.body).slice(0, 300)}`);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
      assert.equal(tokens.claims()?.sub, user.id);
      if (scope.includes('offline_access')) assert.ok(tokens.refresh_token, 'offline_access granted without a consent page');
    }
  });
});
