/**
 * Guards the development outbox's exposure too: it answered any client on 0.0.0.0 with every code
 * it had mailed; now loopback clients only (by the socket's address), and start-up warns it is on.
 * Without SMTP_URL outside production, mail goes to the development outbox shown at GET /dev/mail
 * (HTML, newest first, the code readable); with NODE_ENV=production the page does not exist (404)
 * and mail stays queued (no worker: nothing is lost, nothing is shown).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { eventually, expectProblem, register } from '../helpers/factories.js';
import { translator } from '../../src/i18n/translator.js';

const silentLog = { info() {}, warn() {}, error() {} };

describe('development outbox', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
    await t.services.outboxWorker!.start(silentLog);
  });
  after(async () => {
    await t.close();
  });

  /** the page's own words: each mail's subject, data, HTML and text (as it was sent) left out */
  function pageWords(body: string): string {
    return readableText(body.replace(/<h2[\s\S]*?<\/h2>|<dd[\s\S]*?<\/dd>|<iframe[^>]*><\/iframe>|<pre>[\s\S]*?<\/pre>/g, ' '));
  }

  it('before any mail: the empty outbox, in the reader’s language (gh_lang, else Accept-Language)', async () => {
    const de = translator('de', 'Gatehouse');
    for (const headers of [{ 'accept-language': 'de-DE' }, { 'accept-language': 'en', cookie: 'gh_lang=de' }]) {
      const res = await t.app.inject({ method: 'GET', url: '/dev/mail', headers });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-language'], 'de');
      assert.match(res.body, /<html lang="de">/);
      assert.ok(res.body.includes(`<title>${de.t('devMail.title')}</title>`));
      assert.ok(res.body.includes(`<p>${de.t('devMail.empty')}</p>`));
      assert.deepEqual(englishWordsIn(pageWords(res.body), ['SMTP_URL']), []);
    }
    const en = await t.app.inject({ method: 'GET', url: '/dev/mail' });
    assert.match(en.body, /<html lang="en">/);
    assert.match(en.body, /<p>No mail yet\.<\/p>/);
  });

  it('GET /dev/mail lists the mail with its code, as HTML without script', async () => {
    const u = await register(t.app);
    await eventually(async () => (await t.services.mail.depth()).pending === 0, 'the worker took the message', 3000);
    const res = await t.app.inject({ method: 'GET', url: '/dev/mail' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.ok(res.body.includes(u.email));
    assert.match(res.body, /Verify your email address/);
    assert.match(res.body, /verification code is \d{8}/);
    assert.doesNotMatch(res.body, /<script/i);
    // the page's own words in German around the mail as it was sent (English: the reader of the
    // request that sent it asked for none)
    const german = await t.app.inject({ method: 'GET', url: '/dev/mail', headers: { cookie: 'gh_lang=de' } });
    const de = translator('de', 'Gatehouse');
    for (const key of ['devMail.to', 'devMail.date', 'devMail.template'] as const) assert.ok(german.body.includes(`<dt>${de.t(key)}</dt>`), key);
    assert.ok(german.body.includes(`<summary>${de.t('devMail.text')}</summary>`));
    assert.match(german.body, /verification code is \d{8}/);
    assert.deepEqual(englishWordsIn(pageWords(german.body), ['SMTP_URL']), []);
  });

  it('answers loopback clients only (127.0.0.0/8, ::1, ::ffff:127.x): it shows every code it mails', async () => {
    for (const remoteAddress of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      const res = await t.app.inject({ method: 'GET', url: '/dev/mail', remoteAddress });
      assert.equal(res.statusCode, 200, `${remoteAddress}: ${res.statusCode}`);
    }
    // a server on 0.0.0.0: anyone else gets the unknown route's answer, whatever X-Forwarded-For says
    const unknownRoute = await t.app.inject({ method: 'GET', url: '/dev/nothing-here', remoteAddress: '192.0.2.7' });
    for (const [remoteAddress, headers] of [
      ['192.0.2.7', {}],
      ['10.0.0.2', { 'x-forwarded-for': '127.0.0.1' }],
      ['2001:db8::7', {}],
      ['::ffff:192.0.2.7', {}],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url: '/dev/mail', remoteAddress, headers });
      expectProblem(res, 404, 'not_found');
      assert.doesNotMatch(res.body, /verification code/);
      assert.equal(res.json().title, unknownRoute.json().title);
    }
  });

  it('start-up warns that the development outbox is on', () => {
    assert.ok(t.services.warnings.some((w) => w.includes('development outbox') && w.includes('/dev/mail')), t.services.warnings.join('\n'));
  });
});

describe('development outbox in production', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { NODE_ENV: 'production' } });
  });
  after(async () => {
    await t.close();
  });

  it('404 not_found; no worker without SMTP_URL, the message stays queued', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/dev/mail' }), 404, 'not_found');
    assert.equal(t.services.outboxWorker, null);
    assert.ok(t.services.warnings.some((w) => w.includes('SMTP_URL')));
    await register(t.app);
    assert.equal((await t.services.mail.depth()).pending, 1);
  });
});
