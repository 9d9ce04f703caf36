/**
 * The console pages in a real browser (Chromium through playwright-core), against Gatehouse
 * listening on a port: a user revokes another of their sessions from the dashboard; an admin
 * disables a user and that user's open page is signed out on its next request; an admin edits a
 * role's permissions. Everything here is plain forms: no script is needed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, userWithRoles, type TestUser } from '../helpers/factories.js';
import { launchBrowser } from '../helpers/browser.js';

describe('console pages in Chromium', { timeout: 120_000 }, () => {
  let t: TestContext;
  let browser: Browser;
  let base: string;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on', PUBLIC_URL: 'http://localhost:8000' } });
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = address.replace('127.0.0.1', 'localhost');
    // the CSRF check compares Origin with PUBLIC_URL's origin: serve under that origin
    t = await rebuildFor(base, t);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  /** the first app's port is only known once it listens: start a second context on PUBLIC_URL = that address */
  async function rebuildFor(url: string, first: TestContext): Promise<TestContext> {
    await first.close();
    const port = Number(new URL(url).port);
    const ctx = await buildTestContext({ env: { PRODUCTS: 'on', PUBLIC_URL: `http://localhost:${port}` } });
    await ctx.app.listen({ host: '127.0.0.1', port });
    return ctx;
  }

  async function signIn(page: Page, user: TestUser): Promise<void> {
    await page.goto(`${base}/login`);
    await page.fill('#f-login', user.email);
    await page.fill('#f-password', user.password);
    await Promise.all([page.waitForURL((url) => url.pathname !== '/login' || url.search !== '', { timeout: 15_000 }).catch(() => {}), page.click('form[action="/login"] button[type=submit]')]);
    if (!page.url().endsWith('/dashboard')) throw new Error(`sign-in: ${page.url()} ${(await page.content()).slice(0, 1500)}`);
  }

  it('dashboard: revokes another session of the user', async () => {
    const user = await userWithRoles(t.app, ['buyer'], 'browser-user');
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, user);
    const other = await login(t.app, user.email, user.password, { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1' });
    assert.equal(other.statusCode, 200);
    await page.reload();
    // userWithRoles signed in once through the API, then this browser, then the phone
    assert.equal(await page.locator('tr[data-session]').count(), 3);
    await expectText(page, 'tr[data-current]', 'this device');
    const row = page.locator('tr[data-session]:has-text("iOS")');
    await Promise.all([page.waitForURL(`${base}/dashboard?notice=revoked`), row.locator('button').click()]);
    await expectText(page, '.alert.ok', 'The session is signed out.');
    assert.equal(await page.locator('tr[data-session]').count(), 2);
    assert.equal(await page.locator('tr[data-session]:has-text("iOS")').count(), 0);
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${other.json().access_token}` } });
    assert.equal(api.statusCode, 401);
    await context.close();
  });

  it("admin disables a user: that user's open page is signed out on its next request", async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'browser-admin');
    const victim = await userWithRoles(t.app, ['buyer'], 'browser-victim');
    const adminContext = await browser.newContext();
    const userContext = await browser.newContext();
    const adminPage = await adminContext.newPage();
    const userPage = await userContext.newPage();
    await signIn(userPage, victim);
    await signIn(adminPage, admin);
    await adminPage.goto(`${base}/admin`);
    await adminPage.goto(`${base}/admin?q=${encodeURIComponent(victim.email)}`);
    await Promise.all([adminPage.waitForURL(`${base}/admin/users/${victim.id}`), adminPage.click(`tr[data-user="${victim.id}"] a`)]);
    await Promise.all([adminPage.waitForURL(`${base}/admin/users/${victim.id}?notice=disabled`), adminPage.click('button:has-text("Disable account")')]);
    await expectText(adminPage, '.badge.off', 'disabled');
    await adminPage.goto(`${base}/admin/audit`);
    // the user's page, still open, asks for anything: it lands on the sign-in page
    await userPage.click('a[href="/account"]');
    await userPage.waitForURL(/\/login\?next=%2Faccount$/);
    assert.equal(await userPage.locator('h1').textContent(), 'Sign in');
    await adminContext.close();
    await userContext.close();
  });

  it("admin edits a role's permissions", async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'browser-roles');
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, admin);
    await page.click('nav.main a[href="/admin"]');
    await page.click('a[href="/admin/roles"]');
    const seller = page.locator('section[data-role="seller"]');
    await seller.locator('input[name="description"]').fill('Sells and manages everyone’s products');
    await seller.locator('input[value="products:write:any"]').check();
    await Promise.all([page.waitForURL(`${base}/admin/roles?notice=role_saved`), seller.locator('button:has-text("Save seller")').click()]);
    await expectText(page, '.alert.ok', 'The role is saved');
    const role = (await t.services.roles.list()).find((r) => r.name === 'seller')!;
    assert.deepEqual([...role.permissions].sort(), ['products:read', 'products:write', 'products:write:any']);
    assert.equal(role.description, 'Sells and manages everyone’s products');
    assert.equal(await page.locator('section[data-role="seller"] input[value="products:write:any"]').isChecked(), true);
    for (const [title, price, description] of [['Trail running shoes', '129.00', 'Grippy soles, 280 g'], ['Rain jacket', '89.50', 'Taped seams'], ['Headlamp', '34.99', '400 lumens, USB-C']]) {
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/products', headers: { authorization: `Bearer ${admin.accessToken}` }, payload: { title, price, currency: 'EUR', description } });
      assert.equal(created.statusCode, 201, created.body);
    }
    await page.goto(`${base}/products`);
    await expectText(page, 'main', 'Trail running shoes');
    await context.close();
  });
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  const content = await page.locator(selector).first().textContent({ timeout: 5000 });
  assert.ok(content?.includes(text), `${selector}: "${content}" should contain "${text}"`);
}
