/**
 * The multi-factor pages over plain form posts: TOTP set-up on /account (secret as text and a QR
 * code as an inline SVG image, recovery codes shown once with a download), the second sign-in
 * step at /login/mfa with a TOTP code or a recovery code (wrong codes shown on the form, `next`
 * carried through), the step a social sign-in leaves in the `gatehouse_mfa` cookie, and passkeys
 * registered and used through the pages' JSON option routes (a software authenticator stands in
 * for the browser here; the browser test uses Chromium's).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { PASSWORD, register, WRONG_PASSWORD } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SoftAuthenticator, type CreationOptionsJSON, type RequestOptionsJSON } from '../helpers/soft-authenticator.js';
import { PageClient, textOf } from '../helpers/page-client.js';

describe('pages: two-step sign-in', () => {
  let t: TestContext;
  const clock = new FakeClock();
  before(async () => {
    t = await buildTestContext({ clock });
  });
  after(() => t.close());

  async function signIn(login: string): Promise<PageClient> {
    const client = new PageClient(t.app);
    await client.get('/login');
    const res = await client.post('/login', { login, password: PASSWORD });
    assert.equal(res.statusCode, 303, res.body);
    return client;
  }

  async function enableTotpOnPage(client: PageClient): Promise<{ secret: string; codes: string[] }> {
    await client.get('/account');
    const wrongPassword = await client.post('/account/totp/setup', { password: WRONG_PASSWORD });
    assert.equal(wrongPassword.statusCode, 403);
    assert.match(textOf(wrongPassword.body), /not correct/);
    const setup = await client.post('/account/totp/setup', { password: PASSWORD });
    assert.equal(setup.statusCode, 200, setup.body);
    const secret = /data-totp-secret>([A-Z2-7]+)</.exec(setup.body)![1]!;
    const qr = /<img class="qr" src="data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)"/.exec(setup.body)![1]!;
    assert.match(Buffer.from(qr, 'base64').toString('utf8'), /^<svg[^>]*>.*<path/s);
    const wrong = await client.post('/account/totp/confirm', { code: '000000', secret, otpauth_uri: /name="otpauth_uri" value="([^"]+)"/.exec(setup.body)![1]!.replace(/&amp;/g, '&') });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.body.includes(secret), 'the set-up is shown again after a wrong code');
    const confirm = await client.post('/account/totp/confirm', { code: totpCode(secret, clock.now()), secret, otpauth_uri: 'otpauth://totp/x' });
    assert.equal(confirm.statusCode, 200, confirm.body);
    const codes = [...confirm.body.matchAll(/<li>([a-z2-7]{5}-[a-z2-7]{5})<\/li>/g)].map((m) => m[1]!);
    assert.equal(codes.length, 10);
    const download = /download="gatehouse-recovery-codes.txt" href="data:text\/plain;charset=utf-8,([^"]+)"/.exec(confirm.body)![1]!;
    for (const c of codes) assert.ok(decodeURIComponent(download).includes(c));
    clock.advance(30_000);
    // shown once: the account page afterwards only counts them
    const later = await client.get('/account');
    assert.ok(!later.body.includes(codes[0]!));
    assert.match(textOf(later.body), /10 of 10 recovery codes left/);
    return { secret, codes };
  }

  it('TOTP set up on /account, then sign-in asks for the second step and carries next through', async () => {
    const u = await register(t.app);
    const { secret, codes } = await enableTotpOnPage(await signIn(u.email));

    const client = new PageClient(t.app);
    await client.get('/login?next=%2Faccount');
    const first = await client.post('/login', { login: u.email, password: PASSWORD, next: '/account' });
    assert.equal(first.statusCode, 303);
    assert.equal(first.headers.location, '/login/mfa?next=%2Faccount');
    assert.equal(client.cookies.has('gatehouse_session'), false, 'no session before the second step');
    const step = await client.get(String(first.headers.location));
    assert.equal(step.statusCode, 200);
    assert.match(step.body, /name="code"/);
    assert.match(step.body, /name="recovery_code"/);
    const wrong = await client.post('/login/mfa', { code: '123456', next: '/account' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /aria-invalid="true"/);
    const right = await client.post('/login/mfa', { code: totpCode(secret, clock.now()), next: '/account' });
    assert.equal(right.statusCode, 303);
    assert.equal(right.headers.location, '/account');
    assert.equal(client.cookies.has('gatehouse_mfa'), false);
    assert.equal((await client.get('/account')).statusCode, 200);

    // a recovery code works once
    const again = new PageClient(t.app);
    await again.get('/login');
    await again.post('/login', { login: u.email, password: PASSWORD });
    const recovered = await again.post('/login/mfa', { recovery_code: codes[0]!.replace('-', '') });
    assert.equal(recovered.statusCode, 303);
    assert.equal(recovered.headers.location, '/dashboard');
  });

  it('the second step in German (gh_lang=de): the form and a wrong code; no English word left', async () => {
    const u = await register(t.app);
    await enableTotpOnPage(await signIn(u.email));
    const client = new PageClient(t.app);
    client.cookies.set('gh_lang', { value: 'de', path: '/' });
    await client.get('/login');
    assert.equal((await client.post('/login', { login: u.email, password: PASSWORD })).statusCode, 303);
    const step = await client.get('/login/mfa');
    assert.equal(step.statusCode, 200);
    assert.match(step.body, /<html lang="de">/);
    assert.deepEqual(englishWordsIn(readableText(step.body)), []);
    const wrong = await client.post('/login/mfa', { code: '123456' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /<html lang="de">/);
    assert.deepEqual(englishWordsIn(readableText(wrong.body)), []);
  });

  it('too many wrong codes void the step: back to the sign-in page with a message', async () => {
    const u = await register(t.app);
    await enableTotpOnPage(await signIn(u.email));
    const client = new PageClient(t.app);
    await client.get('/login');
    await client.post('/login', { login: u.email, password: PASSWORD });
    await client.get('/login/mfa');
    let res = await client.post('/login/mfa', { code: '000000' });
    for (let i = 0; i < 5 && res.statusCode === 400; i++) res = await client.post('/login/mfa', { code: '000000' });
    assert.equal(res.statusCode, 303, textOf(res.body));
    assert.equal(res.headers.location, '/login?error=second_step_expired');
    assert.match(textOf((await client.get(String(res.headers.location))).body), /Please sign in again/);
    assert.equal((await client.get('/login/mfa')).statusCode, 303);
  });

  it('the second step a social sign-in leaves (gatehouse_mfa cookie) is finished on the same page', async () => {
    const u = await register(t.app);
    const { secret } = await enableTotpOnPage(await signIn(u.email));
    // what the OAuth callback does for a user with MFA: the sign-in core answers with the second step, then the cookie
    const user = await t.services.users.get(u.id);
    const outcome = await t.services.signIn.complete(systemContext, user, { method: { kind: 'social', provider: 'github' }, amr: [] });
    assert.equal(outcome.kind, 'second_step');
    const mfaToken = outcome.kind === 'second_step' ? outcome.mfaToken : '';
    const client = new PageClient(t.app);
    client.cookies.set('gatehouse_mfa', { value: mfaToken, path: '/login' });
    const step = await client.get('/login/mfa?next=%2Faccount');
    assert.equal(step.statusCode, 200);
    const done = await client.post('/login/mfa', { code: totpCode(secret, clock.now()), next: '/account' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/account');
  });

  it('passkeys: added on /account through the page routes, used as the second step, removed with the password', async () => {
    const u = await register(t.app);
    const client = await signIn(u.email);
    await client.get('/account');
    const authenticator = new SoftAuthenticator(t.config.publicOrigin);
    const optionsRes = await t.app.inject({
      method: 'POST',
      url: '/account/passkeys/options',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', cookie: `gatehouse_csrf=${client.cookies.get('gatehouse_csrf')!.value}; gatehouse_session=${client.cookies.get('gatehouse_session')!.value}` },
      payload: new URLSearchParams({ _csrf: client.csrf!, password: PASSWORD }).toString(),
    });
    assert.equal(optionsRes.statusCode, 200, optionsRes.body);
    const response = authenticator.register(optionsRes.json() as CreationOptionsJSON);
    const added = await client.post('/account/passkeys', { name: 'Laptop <b>', response: JSON.stringify(response) });
    assert.equal(added.statusCode, 200, added.body);
    assert.match(added.body, /Passkey “Laptop &lt;b&gt;” added: two-step sign-in is on/);
    assert.equal([...added.body.matchAll(/<li>[a-z2-7]{5}-[a-z2-7]{5}<\/li>/g)].length, 10);

    const next = new PageClient(t.app);
    await next.get('/login');
    await next.post('/login', { login: u.email, password: PASSWORD });
    const step = await next.get('/login/mfa');
    assert.match(step.body, /data-webauthn="second-step"/);
    const requestOptions = await t.app.inject({
      method: 'POST',
      url: '/login/mfa/options',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', cookie: `gatehouse_csrf=${next.cookies.get('gatehouse_csrf')!.value}; gatehouse_mfa=${next.cookies.get('gatehouse_mfa')!.value}` },
      payload: new URLSearchParams({ _csrf: next.csrf! }).toString(),
    });
    assert.equal(requestOptions.statusCode, 200, requestOptions.body);
    const assertion = authenticator.authenticate(requestOptions.json() as RequestOptionsJSON);
    const done = await next.post('/login/mfa', { webauthn: JSON.stringify(assertion) });
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/dashboard');

    // a second passkey shows no secret: a redirect to the section, which says so
    const againOptions = await t.app.inject({
      method: 'POST',
      url: '/account/passkeys/options',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', cookie: `gatehouse_csrf=${client.cookies.get('gatehouse_csrf')!.value}; gatehouse_session=${client.cookies.get('gatehouse_session')!.value}` },
      payload: new URLSearchParams({ _csrf: client.csrf!, password: PASSWORD }).toString(),
    });
    assert.equal(againOptions.statusCode, 200, againOptions.body);
    const adding = await client.post('/account/passkeys', { name: 'Phone', response: JSON.stringify(new SoftAuthenticator(t.config.publicOrigin).register(againOptions.json() as CreationOptionsJSON)) });
    assert.equal(adding.statusCode, 303, adding.body);
    assert.equal(adding.headers.location, '/account?notice=passkey_added#mfa');
    const account = await client.get(String(adding.headers.location));
    assert.match(textOf(account.body), /The passkey is added/);
    assert.match(textOf(account.body), /Phone/);
    const id = /<td[^>]*>Laptop &lt;b&gt;<\/td>[\s\S]*?action="\/account\/passkeys\/([0-9a-f-]{36})\/delete"/.exec(account.body)![1]!;
    const refused = await client.post(`/account/passkeys/${id}/delete`, { password: WRONG_PASSWORD });
    assert.equal(refused.statusCode, 403);
    const removing = await client.post(`/account/passkeys/${id}/delete`, { password: PASSWORD });
    assert.equal(removing.statusCode, 303, removing.body);
    assert.equal(removing.headers.location, '/account?notice=passkey_removed#mfa');
    const removed = await client.get(String(removing.headers.location));
    assert.equal(removed.statusCode, 200);
    assert.match(textOf(removed.body), /The passkey is removed/);
    assert.doesNotMatch(removed.body, /Laptop &lt;b&gt;/);
    assert.match(textOf(removed.body), /Phone/);
    assert.doesNotMatch(textOf((await client.get('/account')).body), /The passkey is removed/, 'the notice comes only with the redirect');
  });

  it('TOTP turned off on /account: a redirect to the section, which says so', async () => {
    const u = await register(t.app);
    const client = await signIn(u.email);
    const { secret } = await enableTotpOnPage(client);
    const refused = await client.post('/account/totp/disable', { password: WRONG_PASSWORD, code: totpCode(secret, clock.now()) });
    assert.equal(refused.statusCode, 403);
    const off = await client.post('/account/totp/disable', { password: PASSWORD, code: totpCode(secret, clock.now()) });
    assert.equal(off.statusCode, 303, off.body);
    assert.equal(off.headers.location, '/account?notice=totp_off#mfa');
    const page = await client.get(String(off.headers.location));
    assert.equal(page.statusCode, 200);
    assert.match(textOf(page.body), /The authenticator app is off/);
    assert.match(page.body, /action="\/account\/totp\/setup"/, 'the section offers the set-up again');
  });
});
