/**
 * The pages in a real browser (Chromium through playwright-core) against a real HTTP server:
 * register → verify the email with the code from a real SMTP sink → sign out → sign in →
 * dashboard → sign out; a sign-in with a TOTP second step; a passkey registered on /account and
 * then used alone to sign in, with Chromium's virtual authenticator (DevTools protocol). The
 * server runs on `localhost` because browsers refuse an IP address as the WebAuthn RP ID.
 * The CSP is live here: an inline script or style would be blocked and reported below.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { totpCode } from '../../src/mfa/totp.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { freePort } from '../helpers/installation.js';
import { codeIn, SmtpSink } from '../helpers/smtp-sink.js';
import { launchBrowser } from '../helpers/browser.js';

describe('pages in Chromium', () => {
  let t: TestContext;
  let smtp: SmtpSink;
  let browser: Browser;
  let base: string;
  const clock = new FakeClock();
  const contexts: BrowserContext[] = [];
  const cspViolations: string[] = [];

  before(async () => {
    smtp = await SmtpSink.start();
    const port = await freePort();
    base = `http://localhost:${port}`;
    t = await buildTestContext({ clock, env: { PUBLIC_URL: base, SMTP_URL: smtp.url, MAIL_RETRY_MAX_SECONDS: '1' } });
    await t.services.outboxWorker!.start({ info() {}, warn() {}, error() {} });
    await t.app.listen({ port, host: '127.0.0.1' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
    await smtp?.down();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ baseURL: base, viewport: { width: 1100, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    page.setDefaultTimeout(15_000);
    return page;
  }

  async function signIn(page: Page, login: string, password = PASSWORD): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('Email or username').fill(login);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForLoadState();
    if (process.env.DEBUG_PAGES) console.log(page.url(), await page.locator('main').innerText());
  }

  async function signOut(page: Page): Promise<void> {
    await page.locator('header').getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login\?notice=signed_out$/);
    assert.deepEqual((await page.context().cookies()).map((c) => c.name).filter((n) => n !== 'gatehouse_csrf').sort(), []);
  }

  it('register, verify the email with its code, sign out, sign in, dashboard, sign out', async () => {
    const page = await newPage();
    const email = uniqueEmail('browser');
    await page.goto('/register');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Name (optional)', { exact: true }).fill('Ada Browser');
    await page.getByLabel('Password').fill('weak');
    await page.getByRole('button', { name: 'Create account' }).click();
    assert.match(await page.locator('#f-password-error').innerText(), /at least 8 characters/);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/dashboard`);
    assert.match(await page.locator('h1').innerText(), /Welcome, Ada Browser/);

    const code = codeIn(await smtp.waitFor(email, /Verify your email/));
    await page.getByRole('link', { name: 'verify' }).click();
    await page.getByLabel('Verification code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/verify-email\?verified=1$/);
    assert.match(await page.locator('main').innerText(), /Your email address is verified/);

    await page.goto('/dashboard');
    await signOut(page);
    await page.goto('/dashboard');
    await page.waitForURL(/\/login\?next=%2Fdashboard$/);
    await page.getByLabel('Email or username').fill(email);
    await page.getByLabel('Password').fill('Wrong-Password-Nope-123');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    assert.match(await page.getByRole('alert').first().innerText(), /not correct|Invalid/i);
    assert.equal(await page.getByLabel('Email or username').inputValue(), email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${base}/dashboard`);
    assert.match(await page.locator('main').innerText(), /verified/);
    await signOut(page);
  });

  it('sign-in with a TOTP second step, set up on the account page', async () => {
    const page = await newPage();
    const email = uniqueEmail('totp');
    await t.services.auth.register({ actorId: null, ip: null, userAgent: null }, { email, password: PASSWORD });
    await signIn(page, email);
    await page.waitForURL(`${base}/dashboard`);
    await page.goto('/account');
    await page.locator('#totp-setup-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const secret = (await page.locator('[data-totp-secret]').innerText()).trim();
    assert.ok(await page.locator('img.qr').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the QR code image renders');
    await page.getByLabel('Code from the app').fill(totpCode(secret, clock.now()));
    await page.getByRole('button', { name: 'Turn on' }).click();
    assert.equal(await page.locator('[data-recovery-codes] li').count(), 10);
    clock.advance(30_000);
    await signOut(page);

    await signIn(page, email);
    await page.waitForURL(/\/login\/mfa$/);
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${base}/dashboard`);
    assert.match(await page.locator('main').innerText(), /Two-step sign-in\s+on/);
  });

  it('a passkey added on /account with the virtual authenticator signs in alone', async () => {
    const page = await newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    const email = uniqueEmail('passkey');
    await t.services.auth.register({ actorId: null, ip: null, userAgent: null }, { email, password: PASSWORD });
    await signIn(page, email);
    await page.waitForURL(`${base}/dashboard`);
    await page.goto('/account');
    await page.getByLabel('Name of the new passkey').fill('Virtual key');
    await page.locator('#passkey-add-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByText('Passkey “Virtual key” added').waitFor();
    assert.equal(await page.locator('[data-recovery-codes] li').count(), 10);
    await page.goto('/account');
    await signOut(page);

    await page.goto('/login');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(`${base}/dashboard`);
    assert.match(await page.locator('main').innerText(), /Signed in/);
    const sessions = await t.services.sessions.listLive((await t.services.users.findByEmail(email))!.id);
    assert.ok(sessions.length >= 1);
    assert.deepEqual(cspViolations, []);
  });
});
