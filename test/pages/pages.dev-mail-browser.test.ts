/**
 * The development outbox (/dev/mail) in Chromium: each message's subject, recipient and date, its
 * HTML body in a sandboxed srcdoc frame whose links open in the tab (a click on the verification
 * link lands on Gatehouse's page), and its text part. The page's own policy lets the frame's inline
 * styles apply, and the frame runs no script. Also axe-core and 390 px, like every main page.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import type { AxeResults } from 'axe-core';
import type { Browser, Page } from 'playwright-core';
import { DEV_MAIL_CSP, frameDocument } from '../../src/mail/dev-mail-routes.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { eventually, register } from '../helpers/factories.js';
import { freePort } from '../helpers/installation.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('/dev/mail shows each message’s HTML with working links', { timeout: 180_000 }, () => {
  let t: TestContext;
  let browser: Browser;
  let base: string;
  let email = '';

  before(async () => {
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await buildTestContext({ env: { PUBLIC_URL: base } });
    await t.services.outboxWorker!.start({ info() {}, warn() {}, error() {} });
    await t.app.listen({ port, host: '127.0.0.1' });
    email = (await register(t.app, { email: 'dev.mail.reader@example.com' })).email;
    await eventually(async () => (await t.services.mail.depth()).pending === 0, 'the worker took the message', 5000);
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  it('answers with its own policy: inline styles for the mail, no script, never framed; the frame is sandboxed without scripts', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/dev/mail' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-security-policy'], DEV_MAIL_CSP);
    assert.doesNotMatch(DEV_MAIL_CSP, /script-src|'unsafe-eval'/);
    assert.match(DEV_MAIL_CSP, /default-src 'none'/);
    assert.match(DEV_MAIL_CSP, /frame-ancestors 'none'/);
    assert.doesNotMatch(res.body, /<script/i);
    const sandbox = /<iframe[^>]* sandbox="([^"]*)"[^>]* srcdoc="/.exec(res.body)?.[1];
    assert.ok(sandbox !== undefined, 'each mail is shown in a sandboxed srcdoc frame');
    assert.doesNotMatch(sandbox, /allow-scripts|allow-same-origin|allow-forms/);
    // the mail's markup is inside the attribute, escaped: it cannot close the frame
    assert.doesNotMatch(res.body, /srcdoc="[^"]*<a /);
    // every other page keeps the strict policy
    const login = await t.app.inject({ method: 'GET', url: '/login' });
    assert.match(String(login.headers['content-security-policy']), /style-src 'self'; /);
  });

  it('a <base target="_top"> goes first into the mail document, whatever its shape', () => {
    assert.equal(frameDocument('<html><head><title>x</title></head><body>b</body></html>'), '<html><head><base target="_top"><title>x</title></head><body>b</body></html>');
    assert.equal(frameDocument('<!doctype html>\n<html lang="de"><body>b</body></html>'), '<!doctype html>\n<html lang="de"><head><base target="_top"></head><body>b</body></html>');
    assert.equal(frameDocument('<p>b</p>'), '<base target="_top"><p>b</p>');
  });

  async function openOutbox(width: number): Promise<{ page: Page; violations: string[] }> {
    const context = await browser.newContext({ baseURL: base, viewport: { width, height: 844 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Blocked script/i.test(m.text())) violations.push(m.text());
    });
    await page.goto('/dev/mail');
    return { page, violations };
  }

  it('shows subject, recipient, date, the HTML (styled) and the text; the link in the HTML opens the Gatehouse page in the tab', async () => {
    const { page, violations } = await openOutbox(1280);
    const article = page.locator('article[data-mail]').first();
    assert.equal(await article.locator('[data-to]').innerText(), email);
    assert.ok((await article.locator('h2').innerText()).length > 0);
    assert.match((await article.locator('time').getAttribute('datetime')) ?? '', /^\d{4}-\d\d-\d\dT/);
    // the text part, as sent
    assert.match(await article.locator('pre').textContent() ?? '', /\d{8}/);

    const frame = page.frameLocator('article[data-mail] iframe').first();
    const link = frame.locator('a[href]').first();
    const href = (await link.getAttribute('href'))!;
    assert.ok(href.startsWith(`${base}/`), href);
    assert.match(await frame.locator('body').innerText(), /\d{8}/);
    await screenshot(page, 'dev-mail-1280');

    await Promise.all([page.waitForURL((url) => url.pathname === new URL(href).pathname), link.click()]);
    assert.equal(new URL(page.url()).pathname, new URL(href).pathname);
    // the mail's inline styles were not refused (a blocked one is reported on the console)
    assert.deepEqual(violations, []);
    await page.context().close();
  });

  it('no serious or critical axe violation; no sideways scrolling at 390 px', async () => {
    const { page } = await openOutbox(390);
    await page.evaluate(AXE_SOURCE);
    const results = await page.evaluate(() => (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResults> } }).axe.run(document, { resultTypes: ['violations'] }));
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    assert.deepEqual(serious, []);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= 390);
    await page.context().close();
  });
});
