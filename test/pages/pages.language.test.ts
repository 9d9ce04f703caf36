/**
 * The reader's language on the pages: the footer's switch (GET /language/:locale) sets the
 * `gh_lang` cookie for a year and goes back only to a same-origin path, Accept-Language picks
 * German without it, `<html lang>` says which, and refused forms and error pages speak it too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { register, WRONG_PASSWORD } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';

describe('pages: the language switch and the reader’s language', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(() => t.close());

  it('the switch sets gh_lang for a year (SameSite=Lax) and goes back to the page it came from', async () => {
    const client = new PageClient(t.app);
    const res = await client.get('/language/de?next=%2Fregister%3Fx%3D1');
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/register?x=1');
    const cookie = String(res.headers['set-cookie']);
    assert.match(cookie, /^gh_lang=de;/);
    assert.match(cookie, /Max-Age=31536000/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\//);
    const page = await client.get('/register');
    assert.match(page.body, /<html lang="de">/);
    assert.equal(page.headers['content-language'], 'de');
    assert.deepEqual(englishWordsIn(readableText(page.body)), []);
    // and back to English
    assert.equal((await client.get('/language/en?next=%2Flogin')).headers.location, '/login');
    assert.match((await client.get('/login')).body, /<html lang="en">/);
  });

  it('the switch goes back to same-origin paths only; an unknown language is a 404 page', async () => {
    const client = new PageClient(t.app);
    for (const next of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/.//evil.example', 'javascript:alert(1)']) {
      const res = await client.get(`/language/de?next=${encodeURIComponent(next)}`);
      assert.equal(res.statusCode, 303, next);
      assert.equal(res.headers.location, '/dashboard', next);
    }
    assert.equal((await client.get('/language/de')).headers.location, '/dashboard');
    const unknown = await client.get('/language/fr?next=%2Flogin');
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.headers['set-cookie'], undefined);
    // the 404 page is in the language the reader already has (German, from the cookie above)
    assert.match(unknown.body, /<html lang="de">/);
    assert.match(unknown.body, /Seite nicht gefunden/);
    assert.deepEqual(englishWordsIn(readableText(unknown.body)), []);
  });

  it('every page’s footer offers the languages, the current one marked, coming back to this page', async () => {
    const client = new PageClient(t.app);
    const page = await client.get('/forgot-password', { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' });
    assert.match(page.body, /<html lang="de">/);
    assert.match(page.body, /<a href="\/language\/de\?next=%2Fforgot-password" lang="de" hreflang="de" aria-current="true">Deutsch<\/a>/);
    assert.match(page.body, /<a href="\/language\/en\?next=%2Fforgot-password" lang="en" hreflang="en">English<\/a>/);
    assert.match((await client.get('/forgot-password', { 'accept-language': 'fr, en;q=0.5' })).body, /<html lang="en">/);
  });

  it('the public pages in German: no English word left, <html lang="de">', async () => {
    const client = new PageClient(t.app);
    client.cookies.set('gh_lang', { value: 'de', path: '/' });
    for (const path of ['/login', '/login?notice=signed_out', '/login?error=second_step_locked', '/register', '/forgot-password', '/reset-password?email=a%40example.com&notice=sent', '/reset-password?token=x', '/verify-email', '/verify-email?registered=1', '/verify-email?token=nope']) {
      const page = await client.get(path);
      assert.match(page.body, /<html lang="de">/, path);
      assert.deepEqual(englishWordsIn(readableText(page.body), ['a@example.com']), [], path);
    }
  });

  it('a refused form speaks German: field errors by kind, refusals by problem code', async () => {
    const client = new PageClient(t.app);
    client.cookies.set('gh_lang', { value: 'de', path: '/' });
    await client.get('/login');
    const empty = await client.post('/login', { login: '', password: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(readableText(empty.body), /Anmeldename ist erforderlich\./);
    assert.deepEqual(englishWordsIn(readableText(empty.body)), []);
    const u = await register(t.app);
    const wrong = await client.post('/login', { login: u.email, password: WRONG_PASSWORD });
    assert.equal(wrong.statusCode, 401);
    assert.match(readableText(wrong.body), /Anmeldename oder Passwort ist nicht richtig\./);
    assert.deepEqual(englishWordsIn(readableText(wrong.body), [u.email]), []);
    await client.get('/register');
    const weak = await client.post('/register', { email: 'not-an-email', username: '', name: '', password: 'short' });
    assert.equal(weak.statusCode, 400);
    assert.match(readableText(weak.body), /E-Mail-Adresse muss eine gültige E-Mail-Adresse sein\./);
    assert.deepEqual(englishWordsIn(readableText(weak.body), ['not-an-email']), []);
  });

  it('the error page speaks the reader’s language', async () => {
    const client = new PageClient(t.app);
    const res = await client.get('/no-such-page', { 'accept-language': 'de' });
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /<html lang="de">/);
    assert.match(res.body, /<h1>Seite nicht gefunden<\/h1>/);
    assert.match(res.body, /Fehler 404/);
    assert.deepEqual(englishWordsIn(readableText(res.body)), []);
    const en = await client.get('/no-such-page');
    assert.match(en.body, /<h1>Page not found<\/h1>/);
  });
});
