/**
 * Social sign-in through the pages, against a real OpenID Connect provider double: the callback's
 * refresh cookie becomes a page session on the first page (through the page-session renewal),
 * and for a user with MFA the callback's `gatehouse_mfa` cookie (Path=/login) is what /login/mfa
 * finishes, carrying `redirect_to` through as `next`. Connecting a provider on the dashboard is a
 * form (CSRF token) from a fresh session; a cross-site GET starts nothing.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { oidcEnv, runFlow, startOidcPeer, type OidcPeer } from '../social/social-helpers.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { register } from '../helpers/factories.js';

describe('pages: social sign-in', () => {
  let t: TestContext;
  let peer: OidcPeer;
  const clock = new FakeClock();
  before(async () => {
    peer = await startOidcPeer();
    t = await buildTestContext({ clock, env: oidcEnv('acme', peer) });
  });
  after(async () => {
    await t.close();
    await peer.stop();
  });

  /** a browser that just came back from the provider: the cookies the callback set */
  function browserAfter(callback: NonNullable<Awaited<ReturnType<typeof runFlow>>['callback']>): PageClient {
    const client = new PageClient(t.app);
    for (const c of callback.cookies as { name: string; value: string; path?: string }[]) if (c.value) client.cookies.set(c.name, { value: c.value, path: c.path ?? '/' });
    return client;
  }

  it('signs in to the pages, then with TOTP on stops at /login/mfa and finishes there', async () => {
    // the provider stamps its ID tokens with the real time: a slow set-up (a loaded machine) must
    // not leave them issued in this clock's future
    clock.advance(Math.max(0, Date.now() - clock.now()));
    peer.claims = { sub: `acme-${randomUUID()}`, email: `social-${randomUUID().slice(0, 8)}@example.com`, email_verified: true, name: 'Social Person' };
    const first = await runFlow(t.app, 'acme', { query: '?redirect_to=%2Faccount' });
    assert.equal(first.callback!.statusCode, 302);
    assert.equal(first.callback!.headers.location, '/account');
    const client = browserAfter(first.callback!);
    const account = await client.follow(await client.get('/account'));
    assert.equal(account.statusCode, 200);
    assert.match(textOf(account.body), /Your account/);
    // a password-less account re-authenticates by a fresh session: no password field
    assert.doesNotMatch(account.body, /id="totp-setup-password"/);
    const setup = await client.post('/account/totp/setup', {});
    assert.equal(setup.statusCode, 200, textOf(setup.body));
    const secret = /data-totp-secret>([A-Z2-7]+)</.exec(setup.body)![1]!;
    assert.equal((await client.post('/account/totp/confirm', { code: totpCode(secret, clock.now()), secret, otpauth_uri: 'otpauth://totp/x' })).statusCode, 200);
    clock.advance(30_000);

    const second = await runFlow(t.app, 'acme', { query: '?redirect_to=%2Faccount' });
    assert.equal(second.callback!.statusCode, 302);
    assert.equal(second.callback!.headers.location, '/login/mfa?next=%2Faccount');
    const browser = browserAfter(second.callback!);
    assert.equal(browser.cookies.get('gatehouse_mfa')!.path, '/login');
    assert.equal(browser.cookies.has('refresh_token'), false, 'no session before the second step');
    const step = await browser.get(String(second.callback!.headers.location));
    assert.equal(step.statusCode, 200);
    const done = await browser.post('/login/mfa', { code: totpCode(secret, clock.now()), next: '/account' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/account');
    assert.equal((await browser.get('/account')).statusCode, 200);
  });

  it('guards linking started by a cross-site GET: connecting is a CSRF-checked form from a fresh session, then the provider links the account', async () => {
    clock.advance(Math.max(0, Date.now() - clock.now()));
    const u = await register(t.app);
    const browser = new PageClient(t.app);
    await browser.signIn(u.email);
    const dashboard = await browser.get('/dashboard');
    assert.equal(dashboard.statusCode, 200);
    assert.match(dashboard.body, /<form method="post" action="\/dashboard\/identities\/link\/acme"/);
    assert.doesNotMatch(dashboard.body, /href="\/dashboard\/identities\/link\//, 'no link that a GET would follow');

    // what a cross-site page can make the browser do: a GET, or a POST without the token
    const crossSiteGet = await browser.get('/dashboard/identities/link/acme');
    assert.notEqual(crossSiteGet.statusCode, 303);
    assert.equal(crossSiteGet.cookies.find((c) => c.name === 'oauth_flow'), undefined, 'a GET starts no flow');
    const noToken = await browser.post('/dashboard/identities/link/acme', { _csrf: null });
    assert.equal(noToken.statusCode, 403);
    assert.equal(noToken.cookies.find((c) => c.name === 'oauth_flow'), undefined);

    // a stale session: refused, nothing started
    clock.advance(11 * 60_000);
    const stale = await browser.post('/dashboard/identities/link/acme', {});
    assert.equal(stale.statusCode, 403, textOf(stale.body));
    assert.match(textOf(stale.body), /sign in again/i);
    assert.equal(stale.cookies.find((c) => c.name === 'oauth_flow'), undefined);

    const fresh = new PageClient(t.app);
    await fresh.signIn(u.email);
    await fresh.get('/dashboard');
    const started = await fresh.post('/dashboard/identities/link/acme', {});
    assert.equal(started.statusCode, 200, textOf(started.body));
    const flow = started.cookies.find((c) => c.name === 'oauth_flow');
    assert.ok(flow?.value && flow.path === '/api/v1/auth/oauth/acme/callback');
    const onward = /id="continue-to-provider" href="([^"]+)"/.exec(started.body)![1]!.replaceAll('&amp;', '&');
    assert.ok(onward.startsWith(peer.issuer), onward);
    // the provider signs the user in and comes back
    clock.advance(Math.max(0, Date.now() - clock.now()));
    peer.claims = { sub: `acme-${randomUUID()}`, email: `elsewhere-${randomUUID().slice(0, 8)}@example.com`, email_verified: false };
    const atProvider = await fetch(onward, { redirect: 'manual' });
    const back = new URL(atProvider.headers.get('location')!);
    const callback = await t.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie: `oauth_flow=${flow.value}` } });
    assert.equal(callback.statusCode, 302, callback.body);
    assert.equal(callback.headers.location, '/dashboard');
    assert.deepEqual((await t.services.oauth.listIdentities(u.id)).map((i) => i.provider), ['acme']);
  });
});
