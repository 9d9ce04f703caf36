/**
 * In Chromium (playwright-core), against a real HTTP server started with BRAND_NAME, BRAND_COLOR
 * and BRAND_LOGO_FILE:
 *  - the brand as a reader sees it: the name in the title and header, the logo image loaded, the
 *    accent colour applied to buttons and links, and not one Content-Security-Policy violation;
 *  - Post/Redirect/Get: a successful form answers 303 and the browser GETs the page with its
 *    notice; reloading that page sends no second POST (and writes no second audit event);
 *  - a German browser (locale de-DE, so Accept-Language: de-DE): the account page with the passkey
 *    form, the passkey script's messages, and the OpenID Connect library's error page, with no
 *    English word left.
 * Elements are found by id, path or attribute, never by English text.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translator } from '../../src/i18n/translator.js';
import { readableOnWhite } from '../../src/pages/assets.js';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { englishWordsIn } from '../helpers/english-words.js';
import { PASSWORD, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { freePort } from '../helpers/installation.js';
import { launchBrowser } from '../helpers/browser.js';

const BRAND = 'Acme Login';
const COLOR = '#E5007D';
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-brand-browser-'));
const logoFile = join(dir, 'logo.svg');
writeFileSync(logoFile, '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 10 10"><rect width="10" height="10" fill="#e5007d"/></svg>\n');

/** `#rrggbb` as getComputedStyle writes it */
function rgb(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

describe('pages in Chromium: the brand, Post/Redirect/Get, a German reader', { timeout: 300_000 }, () => {
  let t: TestContext;
  let browser: Browser;
  let base: string;
  const contexts: BrowserContext[] = [];
  /** CSP violations, from the console and from `securitypolicyviolation` events, per page */
  const violations = new Map<Page, string[]>();

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await buildTestContext({ env: { PUBLIC_URL: base, BRAND_NAME: BRAND, BRAND_COLOR: COLOR, BRAND_LOGO_FILE: logoFile } });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchBrowser();
  });
  after(async () => {
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close();
    await t?.close();
  });

  async function newPage(locale = 'en-US'): Promise<Page> {
    const context = await browser.newContext({ baseURL: base, locale, viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    // the DevTools protocol adds this script: the page's CSP does not govern it
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    const seen: string[] = [];
    violations.set(page, seen);
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) seen.push(m.text());
    });
    page.setDefaultTimeout(15_000);
    return page;
  }

  /** every violation the page has met so far (console and events of the document now shown) */
  async function violationsOf(page: Page): Promise<string[]> {
    const events = await page.evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? []);
    return [...violations.get(page)!, ...events];
  }

  async function signIn(page: Page, login: string, password = PASSWORD): Promise<void> {
    await page.goto('/login');
    await page.locator('#f-login').fill(login);
    await page.locator('#f-password').fill(password);
    await page.locator('form[action="/login"] button[type="submit"]').click();
    await page.waitForURL(`${base}/dashboard`);
  }

  async function newUser(tag: string): Promise<{ id: string; email: string }> {
    const email = uniqueEmail(tag);
    const user = await t.services.users.createByAdmin(systemContext, { email, password: PASSWORD, roles: ['user'], emailVerified: true });
    return { id: user.id, email };
  }

  /** the header's logo: loaded (a decoded image has a width), with the brand as its text */
  async function assertLogoLoaded(page: Page): Promise<void> {
    const logo = page.locator('header a.brand.logo img');
    assert.equal(await logo.getAttribute('alt'), BRAND);
    const width = await logo.evaluate(async (img: HTMLImageElement) => {
      if (!img.complete) await new Promise((resolve) => img.addEventListener('load', resolve, { once: true }));
      return img.naturalWidth;
    });
    assert.ok(width > 0, `the logo loaded (naturalWidth ${width})`);
  }

  it('the brand: name in the title and header, the logo loaded, the accent on buttons and links, no CSP violation', async () => {
    const page = await newPage();
    await page.goto('/login');
    assert.equal(await page.title(), `${translator('en', BRAND).t('public.signIn.title')} · ${BRAND}`);
    await assertLogoLoaded(page);
    const accent = rgb(readableOnWhite(COLOR));
    assert.notEqual(accent, rgb('#0b57d0'), 'not the built-in accent');
    const button = await page.locator('form[action="/login"] button[type="submit"]').evaluate((b) => getComputedStyle(b).backgroundColor);
    assert.equal(button, accent, 'the primary button wears the accent');
    const link = await page.locator('main a[href="/forgot-password"]').first().evaluate((a) => getComputedStyle(a).color);
    assert.equal(link, accent, 'links wear the accent');

    // signed in: the header still names the brand (the logo links to the dashboard)
    const { email } = await newUser('brand');
    await signIn(page, email);
    assert.match(await page.title(), new RegExp(` · ${BRAND}$`));
    assert.equal(await page.locator('header a.brand.logo').getAttribute('href'), '/dashboard');
    await assertLogoLoaded(page);
    assert.deepEqual(await violationsOf(page), []);
  });

  it('Post/Redirect/Get: a saved profile is 303 → GET /dashboard with the notice; a reload sends no second POST', async () => {
    const page = await newPage();
    const user = await newUser('prg');
    await signIn(page, user.email);
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });
    const updates = async () =>
      Number((await t.services.database.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<string>().as('n')).where('type', '=', 'user.updated').where('user_id', '=', user.id).executeTakeFirstOrThrow()).n);

    await page.locator('#profile-name').fill('Renamed Once');
    const [answer] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/dashboard/profile' && r.request().method() === 'POST'),
      page.locator('form[action="/dashboard/profile"] button[type="submit"]').click(),
    ]);
    assert.equal(answer.status(), 303);
    assert.equal(answer.headers().location, '/dashboard?notice=profile');
    await page.waitForURL(`${base}/dashboard?notice=profile`);
    const followed = answer.request().redirectedTo();
    assert.ok(followed, 'the browser followed the redirect');
    assert.equal(followed.method(), 'GET');
    assert.equal((await followed.response())?.status(), 200);
    const notice = translator('en', BRAND).t('dashboard.notice.profile');
    assert.equal((await page.locator('main .alert.ok').innerText()).trim(), notice);
    assert.deepEqual(posts, ['/dashboard/profile']);
    assert.equal(await updates(), 1);
    assert.equal((await t.services.users.findByEmail(user.email))?.name, 'Renamed Once');

    // the reload repeats the GET, not the POST: no resubmission, no second change
    const reloaded = await page.reload();
    assert.equal(reloaded?.request().method(), 'GET');
    assert.equal(reloaded?.status(), 200);
    assert.equal((await page.locator('main .alert.ok').innerText()).trim(), notice);
    assert.deepEqual(posts, ['/dashboard/profile'], 'no second POST');
    assert.equal(await updates(), 1, 'no second audit event');
    assert.deepEqual(await violationsOf(page), []);
  });

  it('a German browser: the account page, its passkey form and the passkey script’s messages are German', async () => {
    const page = await newPage('de-DE');
    const user = await newUser('passkey-de');
    await signIn(page, user.email);
    await page.goto('/account');
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.deepEqual(englishWordsIn(await page.locator('body').innerText(), [user.email, BRAND, '1Password']), []);

    // the script's own words arrive with its tag, in German
    const de = translator('de', BRAND);
    const messages = JSON.parse((await page.locator('script[src^="/assets/webauthn.js"]').getAttribute('data-messages'))!) as { cancelled: string; failed: string; error: string; codes: Record<string, string> };
    assert.equal(messages.cancelled, de.t('passkeyScript.cancelled'));
    assert.equal(messages.failed, de.t('passkeyScript.failed'));
    for (const text of [messages.cancelled, messages.failed, messages.error, ...Object.values(messages.codes)]) assert.deepEqual(englishWordsIn(text), [], text);

    // a refused re-authentication (wrong password) is told in German by the script
    const form = page.locator('form[data-webauthn="register"]');
    await form.locator('#passkey-name').fill('Schlüssel');
    await page.locator('#passkey-add-password').fill(WRONG_PASSWORD);
    await form.locator('button[type="submit"]').click();
    const box = form.locator('[data-webauthn-error]');
    await box.waitFor({ state: 'visible' });
    const said = (await box.innerText()).trim();
    // a session this fresh needs no password, but one given is checked: invalid_password
    assert.equal(said, de.t('error.code.invalid_password'));
    assert.equal(said, messages.codes.invalid_password);
    assert.deepEqual(englishWordsIn(said), []);
    assert.deepEqual(await violationsOf(page), []);
  });

  it('a German browser: a passkey prompt that finds no passkey is told in German', async () => {
    const page = await newPage('de-DE');
    // a virtual authenticator holding no passkey for this site: the browser's prompt fails at once
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await page.goto('/login');
    await page.locator('[data-webauthn="sign-in"]').click();
    const box = page.locator('[data-webauthn-scope] [data-webauthn-error]');
    await box.waitFor({ state: 'visible' });
    assert.equal((await box.innerText()).trim(), translator('de', BRAND).t('passkeyScript.cancelled'));
    assert.deepEqual(englishWordsIn(await page.locator('body').innerText(), [BRAND]), []);
    assert.deepEqual(await violationsOf(page), []);
  });

  it('a German browser: the OpenID Connect error page is German, branded, and its English detail only folded away', async () => {
    const page = await newPage('de-DE');
    const response = await page.goto(`/oidc/auth?client_id=nope&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://app.example.com/cb')}`);
    assert.equal(response?.status(), 400);
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.match(await page.title(), new RegExp(` · ${BRAND}$`));
    await assertLogoLoaded(page);
    const de = translator('de', BRAND);
    const text = await page.locator('body').innerText();
    assert.ok(text.includes(de.t('oidcError.code.invalid_client')), text);
    assert.deepEqual(englishWordsIn(text, [BRAND]), []);
    // opened, the technical detail shows the code and the library's English description (marked lang="en")
    await page.locator('main details summary').click();
    assert.ok(await page.locator('main details [lang="en"]').isVisible());
    const outsideEnglish = await page.locator('body').evaluate((body) => {
      const copy = body.cloneNode(true) as HTMLElement;
      copy.querySelectorAll('[lang="en"], code').forEach((e) => e.remove());
      return copy.innerText;
    });
    assert.deepEqual(englishWordsIn(outsideEnglish, [BRAND]), []);
    assert.deepEqual(await violationsOf(page), []);
  });
});
