/**
 * Sign-in by emailed code or link on the pages, without JavaScript: /login offers "Email me a
 * sign-in code" (a form with _csrf), whose answer is the same page for any address and asks for the
 * code, which signs the browser in (page session, 303 /dashboard). The emailed link's GET shows one
 * button and signs nothing in (a mail scanner following it spends nothing); the button does; a
 * spent link is a 400 page saying so. A user with MFA goes on to the second-step page. Forms
 * without a CSRF token are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { uniqueEmail } from '../helpers/factories.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { enableTotp } from '../mfa/mfa-helpers.js';
import { requestAndRead, signInMail, verifiedUser, withEmailLogin, wrongCode, type MailEnv } from './email-login-helpers.js';

describe('pages: sign-in by emailed code or link', () => {
  let env: MailEnv;
  const clock = new FakeClock();
  before(async () => {
    env = await withEmailLogin({ clock });
  });
  after(() => env.close());

  it('/login offers it; the code form signs the browser in (the same answer for an unknown address)', async () => {
    const u = await verifiedUser(env);
    const client = new PageClient(env.t.app);
    const loginPage = await client.get('/login');
    assert.match(loginPage.body, /<form method="post" action="\/login\/email\/request"/);
    assert.match(textOf(loginPage.body), /Email me a sign-in code/);
    const asked = await client.post('/login/email/request', { email: u.email });
    assert.equal(asked.statusCode, 303, asked.body);
    assert.equal(asked.headers.location, `/login/email?email=${encodeURIComponent(u.email)}&notice=sent`);
    const sent = await client.get(String(asked.headers.location));
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /<form method="post" action="\/login\/email\/code"/);
    assert.match(sent.body, /name="code"/);
    assert.match(textOf(sent.body), /we have sent it a sign-in code/);
    const other = new PageClient(env.t.app);
    await other.get('/login');
    const unknown = uniqueEmail('nobody');
    const unknownAsked = await other.post('/login/email/request', { email: unknown });
    assert.equal(unknownAsked.statusCode, 303, 'the same answer for an unknown address');
    assert.equal(unknownAsked.headers.location, `/login/email?email=${encodeURIComponent(unknown)}&notice=sent`);
    const unknownSent = await other.get(String(unknownAsked.headers.location));
    assert.equal(textOf(unknownSent.body).replaceAll(unknown, ''), textOf(sent.body).replaceAll(u.email, ''), 'the same page for an unknown address');
    const { code } = await signInMail(env.smtp, u.email);
    const wrong = await client.post('/login/email/code', { email: u.email, code: wrongCode(code) });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /id="f-code"[^>]*aria-invalid="true"/);
    const done = await client.post('/login/email/code', { email: u.email, code });
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/dashboard');
    assert.ok(client.cookies.has('gatehouse_session'), 'a page session');
    assert.equal((await client.get('/dashboard')).statusCode, 200);
  });

  it("the link's GET shows one button and signs nothing in; the button does; spent, the page says so (400)", async () => {
    const u = await verifiedUser(env);
    const { token } = await requestAndRead(env, u.email);
    const scanner = new PageClient(env.t.app);
    for (let i = 0; i < 2; i++) {
      const page = await scanner.get(`/login/email?token=${token}`);
      assert.equal(page.statusCode, 200);
      assert.equal((page.body.match(/<form /g) ?? []).length, 1, 'one form (no sign-out: nobody is signed in)');
      assert.equal((page.body.match(/<button /g) ?? []).length, 1, 'one button');
      assert.match(page.body, /<form method="post" action="\/login\/email"/);
      assert.match(page.body, /name="_csrf"/);
      assert.equal(scanner.cookies.has('gatehouse_session'), false, 'the GET signs nothing in');
      assert.equal(scanner.cookies.has('refresh_token'), false);
    }
    const sessionsBefore = (await env.t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 10, cursor: null })).items.length;
    assert.equal(sessionsBefore, 0);
    const browser = new PageClient(env.t.app);
    await browser.get(`/login/email?token=${token}`);
    const done = await browser.post('/login/email', { token });
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/dashboard');
    assert.ok(browser.cookies.has('gatehouse_session'));
    const events = (await env.t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 10, cursor: null })).items;
    assert.equal(events.length, 1);
    assert.equal(events[0]!.data.method, 'email');
    const spent = await scanner.get(`/login/email?token=${token}`);
    assert.equal(spent.statusCode, 400);
    assert.match(textOf(spent.body), /not valid/);
    const again = await scanner.post('/login/email', { token });
    assert.equal(again.statusCode, 400);
    assert.equal(scanner.cookies.has('gatehouse_session'), false);
  });

  it('a bogus or expired token: a 400 page saying so', async () => {
    const bogus = await new PageClient(env.t.app).get('/login/email?token=nope');
    assert.equal(bogus.statusCode, 400);
    assert.match(textOf(bogus.body), /not valid/);
    const u = await verifiedUser(env);
    const { token } = await requestAndRead(env, u.email);
    clock.advance(15 * 60 * 1000 + 1000);
    const expired = await new PageClient(env.t.app).get(`/login/email?token=${token}`);
    assert.equal(expired.statusCode, 400);
    assert.match(textOf(expired.body), /expired/);
  });

  it('a user with MFA goes on to the second-step page', async () => {
    const u = await enableTotp(env.t.app, await verifiedUser(env), clock);
    const { token } = await requestAndRead(env, u.email);
    const browser = new PageClient(env.t.app);
    await browser.get(`/login/email?token=${token}`);
    const done = await browser.post('/login/email', { token });
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/login/mfa');
    assert.equal(browser.cookies.has('gatehouse_session'), false, 'no session before the second step');
    assert.ok(browser.cookies.has('gatehouse_mfa'));
    const step = await browser.get('/login/mfa');
    assert.equal(step.statusCode, 200);
    assert.match(step.body, /name="code"/);
  });

  it('in German (gh_lang=de): the request form, the code form, the link page and its refusal; no English word left', async () => {
    const u = await verifiedUser(env);
    const client = new PageClient(env.t.app);
    client.cookies.set('gh_lang', { value: 'de', path: '/' });
    const german = (res: { body: string }, what: string) => {
      assert.match(res.body, /<html lang="de">/, what);
      assert.deepEqual(englishWordsIn(readableText(res.body), [u.email]), [], what);
    };
    german(await client.get('/login/email'), 'the request form');
    const asked = await client.post('/login/email/request', { email: u.email });
    assert.equal(asked.statusCode, 303);
    german(await client.get(String(asked.headers.location)), 'the code form with its notice');
    // the reader asked in German, so the mail is German too
    const { code, token } = await signInMail(env.smtp, u.email, 1, /^Ihr Anmeldecode · /);
    const wrong = await client.post('/login/email/code', { email: u.email, code: wrongCode(code) });
    assert.equal(wrong.statusCode, 400);
    german(wrong, 'a wrong code');
    german(await client.get(`/login/email?token=${token}`), 'the link page');
    const bogus = await client.get('/login/email?token=bogus');
    assert.equal(bogus.statusCode, 400);
    german(bogus, 'a bogus link');
  });

  it('the forms need their CSRF token', async () => {
    const u = await verifiedUser(env);
    const { token } = await requestAndRead(env, u.email);
    const browser = new PageClient(env.t.app);
    await browser.get(`/login/email?token=${token}`);
    assert.equal((await browser.post('/login/email', { token, _csrf: null })).statusCode, 403);
    assert.equal((await browser.post('/login/email/request', { email: u.email, _csrf: null })).statusCode, 403);
    assert.equal((await browser.post('/login/email/code', { email: u.email, code: '12345678', _csrf: null })).statusCode, 403);
    assert.equal((await browser.post('/login/email', { token })).statusCode, 303, 'the link was not spent by the refused post');
  });
});
