/**
 * The OpenID Connect library's error page (a request nothing may be sent back for: an unknown
 * client, an unregistered redirect URI) in the reader's language and the brand's look: the error
 * code explained in words, the library's English description only folded away as a technical
 * detail (marked lang="en"), every piece of the request escaped, and the provider's strict CSP.
 * And the library's other pages, the RP-initiated sign-out's question and answer, likewise.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { translator } from '../../src/i18n/translator.js';
import { oidcPages } from '../../src/pages/oidc-library-pages.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn, readableText } from '../helpers/english-words.js';
import { userWithRoles } from '../helpers/factories.js';
import { api } from '../admin/admin-helpers.js';
import { authorization, browse, configFor, consentAction, local, REDIRECT } from './oidc-helpers.js';
import { PageClient } from '../helpers/page-client.js';

const BRAND = 'Acme Login';

/** the page without its folded technical details (the code and the library's English description) */
function withoutTechnicalDetails(body: string): string {
  return body.replace(/<details>[\s\S]*?<\/details>/, '');
}

describe('OIDC: the library’s error page', () => {
  let t: TestContext;
  let clientId = '';

  before(async () => {
    t = await buildTestContext({ env: { BRAND_NAME: BRAND, BRAND_COLOR: '#E5007D' } });
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    clientId = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Billing', redirect_uris: [REDIRECT] })).json().client_id;
  });
  after(() => t.close());

  const unknownClient = `/oidc/auth?client_id=nope&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT)}`;

  it('in English by default: the brand’s title and stylesheet, the code explained, the technical detail folded away', async () => {
    const res = await t.app.inject({ method: 'GET', url: unknownClient });
    assert.equal(res.statusCode, 400);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.equal(res.headers['content-language'], 'en');
    assert.match(String(res.headers.vary), /Accept-Language/);
    assert.match(String(res.headers.vary), /Cookie/);
    const en = translator('en', BRAND);
    assert.match(res.body, /<html lang="en">/);
    assert.ok(res.body.includes(`<title>${en.t('layout.title', { title: en.t('oidcError.title') })}</title>`), res.body.slice(0, 600));
    assert.match(res.body, /<link rel="stylesheet" href="\/assets\/brand\.css\?v=[0-9a-f]{12}">/);
    assert.ok(res.body.includes(`<p>${en.t('oidcError.code.invalid_client')}</p>`), 'the code explained in words');
    assert.match(res.body, /<details><summary>[^<]+<\/summary>\s*<p><code>invalid_client<\/code><\/p>/);
    assert.doesNotMatch(res.body, /<script/);
  });

  it('in German by Accept-Language, and by the gh_lang cookie over Accept-Language: no English outside the technical detail', async () => {
    const de = translator('de', BRAND);
    const byHeader = await t.app.inject({ method: 'GET', url: unknownClient, headers: { 'accept-language': 'de-DE,de;q=0.9,en;q=0.5' } });
    const byCookie = await t.app.inject({ method: 'GET', url: unknownClient, headers: { 'accept-language': 'en-US', cookie: 'other=1; gh_lang=de' } });
    for (const res of [byHeader, byCookie]) {
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers['content-language'], 'de');
      assert.match(res.body, /<html lang="de">/);
      assert.ok(res.body.includes(de.t('oidcError.code.invalid_client')), 'the German explanation');
      assert.ok(res.body.includes(de.t('oidcError.next')));
      assert.deepEqual(englishWordsIn(readableText(withoutTechnicalDetails(res.body)), [BRAND]), []);
    }
    // the library's description, where there is one, is marked as English for screen readers
    const english = /<details>[\s\S]*<p lang="en">([^<]+)<\/p>\s*<\/details>/.exec(byHeader.body)?.[1];
    assert.ok(english, 'the library’s own description, inside the technical detail');
  });

  it('an unregistered redirect URI is explained as such (never redirected to)', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/oidc/auth?client_id=${clientId}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example.com/cb')}`,
      headers: { 'accept-language': 'de' },
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.headers.location, undefined);
    assert.ok(res.body.includes(translator('de', BRAND).t('oidcError.code.invalid_redirect_uri')), withoutTechnicalDetails(res.body).slice(-900));
    assert.match(res.body, /<code>invalid_redirect_uri<\/code>/);
  });

  it('reflects nothing unescaped: markup in the request stays text, and the provider’s CSP allows no script', async () => {
    const markup = '"><script>alert(1)</script><img src=x onerror=alert(2)>';
    const res = await t.app.inject({
      method: 'GET',
      url: `/oidc/auth?client_id=${encodeURIComponent(markup)}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(markup)}`,
      headers: { 'accept-language': 'de' },
    });
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, String(res.statusCode));
    assert.doesNotMatch(res.body, /<script|<img src=x|onerror=alert/);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'none';/);
    assert.doesNotMatch(csp, /unsafe-inline|sha256-/);
  });

  it('an unknown code gets the general explanation; the code and the description are escaped and cut short', () => {
    const render = (request: IncomingMessage, error: { error: string; description: string | undefined }) => oidcPages({ name: BRAND, defaultLocale: 'en' }).error(request, error);
    const request = { method: 'GET', url: '/oidc/auth?x=1', headers: { 'accept-language': 'de' } } as unknown as IncomingMessage;
    const { locale, body } = render(request, { error: '<b>made_up</b>', description: `<i>${'long '.repeat(200)}</i>` });
    assert.equal(locale, 'de');
    assert.ok(body.includes(translator('de', BRAND).t('oidcError.code.other')));
    assert.match(body, /<code>&lt;b&gt;made_up&lt;\/b&gt;<\/code>/);
    assert.doesNotMatch(body, /<b>|<i>/);
    const description = /<p lang="en">([^<]*)<\/p>/.exec(body)?.[1] ?? '';
    assert.ok(description.startsWith('&lt;i&gt;long'), description.slice(0, 40));
    assert.ok(description.length < 600, 'cut short');
    // the language switch comes back to this request
    assert.match(body, /href="\/language\/en\?next=%2Foidc%2Fauth%3Fx%3D1"/);
  });
});

describe('OIDC: the library’s sign-out pages', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { BRAND_NAME: BRAND } });
  });
  after(() => t.close());

  it('the question and the answer in the reader’s language, with the brand, and no English on a German reader’s', async () => {
    const de = translator('de', BRAND);
    // a browser signed in to an application through Gatehouse (the library's session has an account)
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const client = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Billing', redirect_uris: [REDIRECT] })).json();
    const user = await userWithRoles(t.app, ['user'], 'oidc-logout');
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    const flow = await authorization(await configFor(t.app, client), 'openid');
    let step = await browse(browser, await browser.get(local(flow.url.href)!));
    if (!step.left) step = await browse(browser, await browser.post(consentAction(step.res.body), { decision: 'allow' }));
    assert.ok(step.left?.startsWith(`${REDIRECT}?`), 'signed in to the application');

    const german = { 'accept-language': 'de-DE,de;q=0.9' };
    const question = await browser.get(`/oidc/session/end?client_id=${encodeURIComponent(client.client_id)}`, german);
    assert.equal(question.statusCode, 200, question.body.slice(0, 300));
    assert.equal(question.headers['content-language'], 'de', JSON.stringify(question.headers) + question.body.slice(0, 400));
    assert.match(String(question.headers.vary), /Accept-Language/);
    assert.match(question.body, /<html lang="de">/);
    assert.ok(question.body.includes(de.t('oidc.logout.title')), 'the question, with the brand');
    assert.ok(question.body.includes(BRAND));
    assert.ok(question.body.includes(`>${de.t('oidc.logout.yes')}</button>`));
    assert.ok(question.body.includes(`>${de.t('oidc.logout.no')}</button>`));
    assert.deepEqual(englishWordsIn(readableText(question.body), [BRAND]), []);

    const action = /<form[^>]*action="([^"]+)"/.exec(question.body)![1]!;
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(question.body)![1]!;
    const confirmed = await browser.post(local(action)!, { xsrf, logout: 'yes', _csrf: null }, german);
    assert.equal(confirmed.statusCode, 303, confirmed.body.slice(0, 300));
    const answer = await browser.get(local(String(confirmed.headers.location))!, german);
    assert.equal(answer.statusCode, 200, answer.body.slice(0, 300));
    assert.equal(answer.headers['content-language'], 'de');
    assert.ok(answer.body.includes(de.t('oidc.loggedOut.body')));
    assert.deepEqual(englishWordsIn(readableText(answer.body), [BRAND]), []);

    // the question in English for an English reader (the loggedOut view renders alike)
    const en = oidcPages({ name: BRAND, defaultLocale: 'de' }).logoutQuestion({ method: 'GET', url: '/oidc/session/end', headers: { 'accept-language': 'en' } } as unknown as IncomingMessage, '<form id="op.logoutForm"></form>');
    assert.equal(en.locale, 'en');
    assert.ok(en.body.includes(translator('en', BRAND).t('oidc.logout.title')));
  });

  it('a sign-out asked of a browser without a session goes on by itself: the library’s one inline script is allowed by its hash, nothing else', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/oidc/session/end' });
    assert.equal(res.statusCode, 200);
    const script = /<script>([\s\S]*?)<\/script>/.exec(res.body)?.[1];
    assert.ok(script, 'an auto-submitting form');
    const csp = String(res.headers['content-security-policy']);
    const allowed = /script-src ([^;]*)/.exec(csp)?.[1]?.split(' ') ?? [];
    assert.deepEqual(allowed, ["'none'", `'sha256-${createHash('sha256').update(script).digest('base64')}'`], csp);
    assert.doesNotMatch(csp, /unsafe-inline/);
  });
});
