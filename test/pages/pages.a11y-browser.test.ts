/**
 * Every main page in Chromium (playwright-core), at 1280 px and at a phone's 390 px, with data that
 * stretches a layout: a user with a long email address and name, several sessions from long user
 * agents, audit entries, webhooks, OIDC clients and products; the consent page an OIDC client's
 * request leads to. On each page:
 *  - axe-core (injected through the DevTools protocol, which the page's CSP does not govern) finds
 *    no violation of impact `serious` or `critical` (WCAG AA contrast, labels, names, landmarks…);
 *  - at 390 px nothing scrolls sideways: `scrollWidth` of the document stays within the viewport.
 * With GATEHOUSE_SCREENSHOTS=1 (`npm run screenshots`) it also writes docs/screenshots/<page>-<width>.png,
 * from fixed data (the same users, names and products every run). Pages are found by path and
 * form fields by id, never by English text, so a translation does not break it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { AxeResults } from 'axe-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { systemContext } from '../../src/request-context.js';
import { totpCode } from '../../src/mfa/totp.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, login, PASSWORD, WRONG_PASSWORD } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { freePort } from '../helpers/installation.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const LONG_EMAIL = 'maximilian.alexander.featherstonehaugh-worthington@customer-accounts.example-enterprise.co.uk';
const LONG_NAME = 'Maximilian Alexander Featherstonehaugh-Worthington';
const ADMIN_EMAIL = 'ada.lovelace@example.com';
const TOTP_EMAIL = 'grace.hopper@example.com';
const LONG_AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86 ExtraLongBuildIdentifier/2026.12.07-nightly-with-a-very-long-suffix-that-never-breaks',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'curl/8.5.0-this-is-an-automation-client-with-an-unreasonably-long-user-agent-string-without-any-spaces-at-all-0123456789',
];

type Who = 'anonymous' | 'user' | 'admin' | 'second-step';
interface Visit {
  name: string;
  who: Who;
  path: () => string;
  /** widths a screenshot is written at (npm run screenshots) */
  shots?: number[];
  /** the path it lands on after redirects, when not path() itself */
  lands?: RegExp;
}

describe('every main page: axe-core and 390 px', { timeout: 600_000 }, () => {
  let t: TestContext;
  let browser: Browser;
  let base: string;
  // a fixed hour: the dates on the pages only change between runs by the hour
  const clock = new FakeClock(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  let longUserId = '';
  let webhookId = '';
  let totpSecret = '';
  let ledgerClient = { id: '', redirect: '' };

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await buildTestContext({ clock, env: { PUBLIC_URL: base, PRODUCTS: 'on' } });
    await t.app.listen({ port, host: '127.0.0.1' });
    await seed();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  async function seed(): Promise<void> {
    const users = t.services.users;
    const admin = await users.createByAdmin(systemContext, { email: ADMIN_EMAIL, name: 'Ada Lovelace', password: PASSWORD, roles: ['admin'], emailVerified: true });
    const long = await users.createByAdmin(systemContext, { email: LONG_EMAIL, name: LONG_NAME, username: 'max.featherstonehaugh_worthing', password: PASSWORD, roles: ['buyer', 'seller'] });
    longUserId = long.id;
    await users.createByAdmin(systemContext, { email: TOTP_EMAIL, name: 'Grace Hopper', password: PASSWORD, roles: ['buyer'], emailVerified: true });
    for (const [i, agent] of LONG_AGENTS.entries()) {
      assert.equal((await login(t.app, LONG_EMAIL, PASSWORD, { 'user-agent': agent, 'x-forwarded-for': `203.0.113.${10 + i}` })).statusCode, 200);
    }
    assert.equal((await login(t.app, LONG_EMAIL, WRONG_PASSWORD)).statusCode, 401);

    const adminToken = (await login(t.app, ADMIN_EMAIL)).json().access_token as string;
    const api = async (method: 'POST' | 'PATCH', url: string, payload: unknown) => {
      const res = await t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(adminToken), payload: payload as Record<string, unknown> });
      assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
      return res.json();
    };
    webhookId = (await api('POST', '/admin/webhooks', { url: 'https://hooks.customer-accounts.example-enterprise.co.uk/gatehouse/events/receive-everything-endpoint', events: ['user.created', 'login.*'], description: 'CRM sync' })).id;
    await api('POST', '/admin/webhooks', { url: 'https://example.org/hook', events: ['user.deleted'] });
    const ledger = await api('POST', '/admin/oidc-clients', { name: 'Ledger', redirect_uris: ['https://ledger.customer-accounts.example-enterprise.co.uk/oauth/callback/gatehouse-production'] });
    ledgerClient = { id: ledger.client_id, redirect: ledger.redirect_uris[0] };
    await api('POST', '/admin/oidc-clients', { name: 'Intranet', redirect_uris: ['https://intranet.example.org/cb'], skip_consent: true });
    for (const [title, price, description] of [['Trail running shoes', '129.00', 'Grippy soles, 280 g'], ['Rain jacket', '89.50', 'Taped seams'], ['Headlamp', '34.99', '400 lumens, USB-C']]) {
      await api('POST', '/products', { title, price, currency: 'EUR', description });
    }
    assert.ok(admin.id);

    // Grace has an authenticator app: signing in stops at the second step
    const graceToken = (await login(t.app, TOTP_EMAIL)).json().access_token as string;
    const setup = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/setup', headers: bearer(graceToken), payload: { password: PASSWORD } });
    assert.equal(setup.statusCode, 200, setup.body);
    totpSecret = setup.json().secret;
    const confirm = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/confirm', headers: bearer(graceToken), payload: { code: totpCode(totpSecret, clock.now()) } });
    assert.equal(confirm.statusCode, 200, confirm.body);
  }

  const VISITS: Visit[] = [
    { name: 'login', who: 'anonymous', path: () => '/login', shots: [390, 1280] },
    { name: 'register', who: 'anonymous', path: () => '/register', shots: [1280] },
    { name: 'forgot-password', who: 'anonymous', path: () => '/forgot-password' },
    { name: 'reset-password', who: 'anonymous', path: () => `/reset-password?email=${encodeURIComponent(LONG_EMAIL)}` },
    { name: 'login-mfa', who: 'second-step', path: () => '/login/mfa', shots: [390] },
    { name: 'verify-email', who: 'user', path: () => '/verify-email' },
    { name: 'dashboard', who: 'user', path: () => '/dashboard', shots: [390, 1280] },
    { name: 'account', who: 'user', path: () => '/account', shots: [1280] },
    { name: 'products', who: 'user', path: () => '/products', shots: [1280] },
    // an app asks the signed-in user to share their email: the consent page
    { name: 'oidc-consent', who: 'user', path: consentRequest, lands: /^\/oidc\/interaction\/[^/]+$/ },
    { name: 'admin-users', who: 'admin', path: () => '/admin', shots: [1280] },
    { name: 'admin-user', who: 'admin', path: () => `/admin/users/${longUserId}`, shots: [390, 1280] },
    { name: 'admin-roles', who: 'admin', path: () => '/admin/roles' },
    { name: 'admin-permissions', who: 'admin', path: () => '/admin/permissions' },
    { name: 'admin-oauth-providers', who: 'admin', path: () => '/admin/oauth-providers' },
    { name: 'admin-oidc-clients', who: 'admin', path: () => '/admin/oidc-clients', shots: [1280] },
    { name: 'admin-webhooks', who: 'admin', path: () => '/admin/webhooks' },
    { name: 'admin-webhook', who: 'admin', path: () => `/admin/webhooks/${webhookId}` },
    { name: 'admin-audit', who: 'admin', path: () => '/admin/audit', shots: [390, 1280] },
  ];

  /** an authorization request of the Ledger client (PKCE S256), which asks for consent */
  function consentRequest(): string {
    const challenge = createHash('sha256').update('a-fixed-code-verifier-for-the-consent-page-0123456789').digest('base64url');
    const query = new URLSearchParams({ client_id: ledgerClient.id, redirect_uri: ledgerClient.redirect, response_type: 'code', scope: 'openid email profile', code_challenge: challenge, code_challenge_method: 'S256', state: 'state-1', nonce: 'nonce-1' });
    return `/oidc/auth?${query}`;
  }

  async function contextFor(who: Who, width: number, locale?: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ baseURL: base, viewport: { width, height: width < 600 ? 844 : 800 }, ...(width < 600 ? { isMobile: true, hasTouch: true, deviceScaleFactor: 1 } : {}) });
    if (locale) await context.addCookies([{ name: 'gh_lang', value: locale, url: base }]);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    if (who !== 'anonymous') {
      const email = who === 'admin' ? ADMIN_EMAIL : who === 'user' ? LONG_EMAIL : TOTP_EMAIL;
      await page.goto('/login');
      await page.fill('#f-login', email);
      await page.fill('#f-password', PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname !== '/login'), page.click('form[action="/login"] button[type=submit]')]);
      const expected = who === 'second-step' ? '/login/mfa' : '/dashboard';
      assert.equal(new URL(page.url()).pathname, expected, `${who} signs in`);
    }
    return { context, page };
  }

  async function seriousViolations(page: Page): Promise<string[]> {
    await page.evaluate(AXE_SOURCE);
    const results = await page.evaluate(() => (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe.run(document, { resultTypes: ['violations'] }));
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.replace(/\s+/g, ' ')}`).join('\n')}`);
  }

  /** elements wider than the viewport, the widest first: what to fix when the page scrolls sideways */
  async function overflowing(page: Page): Promise<{ scrollWidth: number; culprits: string[] }> {
    return page.evaluate(() => {
      const width = document.documentElement.clientWidth;
      // an element wider than the viewport, or one whose content (a long word) spills out of it
      const culprits = [...document.querySelectorAll('body *')]
        .map((el) => ({ el, right: Math.max(el.getBoundingClientRect().right, el.getBoundingClientRect().left + el.scrollWidth) }))
        .filter((x) => x.right > width + 0.5)
        .sort((a, b) => b.right - a.right)
        .slice(0, 8)
        .map(({ el, right }) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().replace(/\s+/g, '.')}` : ''} right=${Math.round(right)}`);
      return { scrollWidth: document.documentElement.scrollWidth, culprits };
    });
  }

  for (const width of [1280, 390]) {
    it(`at ${width} px: no serious or critical axe violation${width < 600 ? ', no sideways scrolling' : ''}`, async () => {
      const problems: string[] = [];
      for (const who of ['anonymous', 'second-step', 'user', 'admin'] as const) {
        const { context, page } = await contextFor(who, width);
        for (const visit of VISITS.filter((v) => v.who === who)) {
          const response = await page.goto(visit.path());
          assert.ok(response && response.status() < 400, `${visit.name}: ${response?.status()}`);
          const landed = new URL(page.url()).pathname;
          if (visit.lands) assert.match(landed, visit.lands, visit.name);
          else assert.equal(landed, visit.path().split('?')[0], `${visit.name} stays on its page`);
          for (const v of await seriousViolations(page)) problems.push(`${visit.name} @${width}: ${v}`);
          const { scrollWidth, culprits } = await overflowing(page);
          if (scrollWidth > width) problems.push(`${visit.name} @${width}: scrollWidth ${scrollWidth} > ${width}; ${culprits.join(', ')}`);
          if (visit.shots?.includes(width)) await screenshot(page, `${visit.name}-${width}`);
        }
        await context.close();
      }
      assert.deepEqual(problems, [], problems.join('\n'));
    });
  }

  it('German pages pass too (longer words), and a screenshot of two', async () => {
    const problems: string[] = [];
    for (const [who, visit, width] of [['anonymous', VISITS[0]!, 390], ['user', VISITS.find((v) => v.name === 'dashboard')!, 1280], ['admin', VISITS.find((v) => v.name === 'admin-user')!, 390]] as const) {
      const { context, page } = await contextFor(who, width, 'de');
      await page.goto(visit.path());
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
      for (const v of await seriousViolations(page)) problems.push(`${visit.name} (de) @${width}: ${v}`);
      const { scrollWidth, culprits } = await overflowing(page);
      if (scrollWidth > width) problems.push(`${visit.name} (de) @${width}: scrollWidth ${scrollWidth} > ${width}; ${culprits.join(', ')}`);
      if (who !== 'admin') await screenshot(page, `${visit.name}-de-${width}`);
      await context.close();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });
});
