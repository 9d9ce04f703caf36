/**
 * Secrets never reach the logs (docs/security.md): with the production log options at `trace` writing to
 * memory, a register, logins (good and bad), refreshes by cookie and by body, a password change,
 * bearer-authenticated, introspection and metrics calls and a URL carrying token/code parameters leave no
 * password, access token, refresh token, cookie value or introspection secret in the log text; and
 * email verification, a full password reset and an email change (with the outbox worker logging
 * its deliveries) leave none of the emailed codes or link tokens there.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, cookieValue, login, OTHER_PASSWORD, PASSWORD, refresh, register, WRONG_PASSWORD } from '../helpers/factories.js';
import { codeIn, linkTokenIn, SmtpSink } from '../helpers/smtp-sink.js';
import { oidcEnv, runFlow, startOidcPeer, type OidcPeer } from '../social/social-helpers.js';

const INTROSPECTION_SECRET = 'introspection-secret-for-the-log-test';
const METRICS_SECRET = 'metrics-secret-for-the-log-test';

describe('logs carry no secrets', () => {
  let t: TestContext;
  let peer: OidcPeer;
  let log = '';
  before(async () => {
    peer = await startOidcPeer();
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        log += chunk.toString();
        callback();
      },
    });
    t = await buildTestContext({ env: { LOG_LEVEL: 'trace', INTROSPECTION_TOKEN: INTROSPECTION_SECRET, METRICS_TOKEN: METRICS_SECRET, ...oidcEnv('acme', peer) }, log: { level: 'trace', stream } });
  });
  after(async () => {
    await t.close();
    await peer.stop();
  });

  it('after a full token lifecycle the log names the requests but none of the secrets', async () => {
    const u = await register(t.app);
    const failed = await login(t.app, u.email, WRONG_PASSWORD);
    assert.equal(failed.statusCode, 401);
    const signedIn = (await login(t.app, u.email)).json();
    const byCookie = await refresh(t.app, undefined, { cookie: `refresh_token=${signedIn.refresh_token}` });
    assert.equal(byCookie.statusCode, 200);
    const byBody = await refresh(t.app, { refresh_token: byCookie.json().refresh_token });
    assert.equal(byBody.statusCode, 200);
    const meRes = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(byBody.json().access_token) });
    assert.equal(meRes.statusCode, 200);
    const introspected = await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer(INTROSPECTION_SECRET), payload: { token: byBody.json().access_token } });
    assert.equal(introspected.json().active, true);
    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: bearer(byBody.json().access_token),
      payload: { current_password: PASSWORD, new_password: OTHER_PASSWORD },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const queryToken = changed.json().refresh_token;
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_SECRET) })).statusCode, 200);
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(`${METRICS_SECRET}-wrong`) })).statusCode, 401);
    await t.app.inject({ method: 'GET', url: `/verify-email?token=${queryToken}&code=73019264&refresh_token=${queryToken}` });
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: `refresh_token=${changed.json().refresh_token}` } });
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: `{"login":"${u.email}","password":"${PASSWORD}"` });

    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(log.includes('/api/v1/auth/login') && log.includes('/api/v1/auth/refresh'), 'the requests are logged (the check is not vacuous)');

    const secrets: [string, string][] = [
      ['password', PASSWORD],
      ['new password', OTHER_PASSWORD],
      ['wrong password', WRONG_PASSWORD],
      ['introspection secret', INTROSPECTION_SECRET],
      ['metrics token', METRICS_SECRET],
      ['emailed code', '73019264'],
    ];
    // a full social sign-in: authorize, callback (code, state), the token exchange, an admin-stored
    // client secret, and a failed callback
    peer.claims = { sub: 'log-test-subject', email: 'log-oauth@example.com', email_verified: true };
    const flow = await runFlow(t.app, 'acme');
    assert.equal(flow.callback!.headers.location, '/dashboard');
    const exchanged = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token', headers: { cookie: `refresh_token=${cookieValue(flow.callback!)}` } });
    assert.equal(exchanged.statusCode, 200);
    const failedFlow = await runFlow(t.app, 'acme', { tamper: (q, c) => (q.set('state', 'B'.repeat(43)), c) });
    assert.equal(failedFlow.callback!.headers.location, '/login?error=invalid_state');
    const STORED_SECRET = 'admin-stored-client-secret-4711';
    await t.services.oauthProviders.create(systemContext, { id: 'stored', clientId: 'storedclient', clientSecret: STORED_SECRET, issuer: peer.issuer });
    const viaStored = await runFlow(t.app, 'stored');
    assert.equal(viaStored.callback!.statusCode, 302);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(log.includes('/oauth/acme/callback') && log.includes('/oauth/stored/callback'), 'the OAuth requests are logged');
    for (const f of [flow, failedFlow, viaStored]) {
      const back = f.providerLocation!.searchParams;
      secrets.push(['authorization code', back.get('code')!], ['state', new URL(f.authorize.headers.location as string).searchParams.get('state')!], ['flow cookie', f.flowCookie!]);
      const nonce = new URL(f.authorize.headers.location as string).searchParams.get('nonce');
      if (nonce) secrets.push(['nonce', nonce]);
    }
    secrets.push(['OIDC client secret', 'acmesecretvalue5150'], ['stored client secret', STORED_SECRET], ['OAuth refresh cookie', cookieValue(flow.callback!)!]);
    const tokenResponses = [exchanged.json(), { access_token: u.accessToken, refresh_token: u.refreshToken }, signedIn, byCookie.json(), byBody.json(), changed.json()];
    for (const [i, r] of tokenResponses.entries()) {
      secrets.push([`access token #${i}`, r.access_token], [`access token signature #${i}`, r.access_token.split('.')[2]!], [`refresh token / cookie #${i}`, r.refresh_token]);
    }
    const leaked = secrets.filter(([, secret]) => log.includes(secret)).map(([what]) => what);
    assert.deepEqual(leaked, [], 'secrets found in the log');
  });

  it('MFA: TOTP secrets, codes, recovery codes and mfa_tokens stay out of the log (#19)', async () => {
    const u = await register(t.app);
    const setup = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/setup', headers: bearer(u.accessToken), payload: { password: PASSWORD } })).json();
    const confirmCode = totpCode(setup.secret, Date.now());
    const confirmed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/totp/confirm', headers: bearer(u.accessToken), payload: { code: confirmCode } });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const codes = confirmed.json().recovery_codes as string[];
    const first = (await login(t.app, u.email)).json();
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/mfa', payload: { mfa_token: first.mfa_token, recovery_code: 'aaaaa-aaaaa' } });
    assert.equal(wrong.statusCode, 400);
    const done = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/mfa', payload: { mfa_token: first.mfa_token, recovery_code: codes[0] } });
    assert.equal(done.statusCode, 200, done.body);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(log.includes('/api/v1/auth/login/mfa'), 'the requests are logged');
    const secrets: [string, string][] = [
      ['TOTP secret', setup.secret],
      ['TOTP code', confirmCode],
      ['mfa_token', first.mfa_token],
      ['access token', done.json().access_token],
      ['refresh token', done.json().refresh_token],
      ...codes.flatMap((c, i): [string, string][] => [[`recovery code #${i}`, c], [`recovery code #${i} without dash`, c.replace('-', '')]]),
    ];
    const leaked = secrets.filter(([, secret]) => log.includes(secret)).map(([what]) => what);
    assert.deepEqual(leaked, [], 'secrets found in the log');
  });
});

describe('logs carry no email codes, link tokens or address-change secrets', () => {
  let t: TestContext;
  let smtp: SmtpSink;
  let log = '';
  before(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        log += chunk.toString();
        callback();
      },
    });
    smtp = await SmtpSink.start();
    t = await buildTestContext({ env: { LOG_LEVEL: 'trace', SMTP_URL: smtp.url }, log: { level: 'trace', stream } });
    // the worker logs through the app's logger, as `serve` runs it
    await t.services.outboxWorker!.start(t.app.log);
  });
  after(async () => {
    await t.close();
    await smtp.down();
  });

  it('after verification, a full password reset and an email change, no code or token is in the log', async () => {
    const u = await register(t.app);
    const verifyMail = await smtp.waitFor(u.email, /Verify your email/);
    const secrets: [string, string][] = [['verification code', codeIn(verifyMail)], ['verification link token', linkTokenIn(verifyMail)]];
    assert.equal((await t.app.inject({ method: 'GET', url: `/verify-email?token=${linkTokenIn(verifyMail)}` })).statusCode, 200);

    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: u.email } })).statusCode, 202);
    const resetMail = await smtp.waitFor(u.email, /Reset your password/);
    secrets.push(['reset code', codeIn(resetMail)], ['reset link token', linkTokenIn(resetMail)]);
    const wrong = codeIn(resetMail) === '12345678' ? '87654321' : '12345678';
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email: u.email, code: wrong, new_password: OTHER_PASSWORD } });
    const reset = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email: u.email, code: codeIn(resetMail), new_password: OTHER_PASSWORD } });
    assert.equal(reset.statusCode, 204, reset.body);
    secrets.push(['new password', OTHER_PASSWORD]);

    const signedIn = (await login(t.app, u.email, OTHER_PASSWORD)).json();
    const newEmail = `changed-${u.email}`;
    const change = await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change', headers: bearer(signedIn.access_token), payload: { new_email: newEmail, password: OTHER_PASSWORD } });
    assert.equal(change.statusCode, 202, change.body);
    const changeMail = await smtp.waitFor(newEmail, /Confirm your new email/);
    secrets.push(['email change code', codeIn(changeMail)]);
    const confirmed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change/confirm', headers: bearer(signedIn.access_token), payload: { code: codeIn(changeMail) } });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    await smtp.waitFor(u.email, /email address was changed/);
    secrets.push(['access token', signedIn.access_token], ['refresh token', signedIn.refresh_token]);

    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(log.includes('/api/v1/auth/password-reset/confirm') && log.includes('mail outbox: delivered'), 'the requests and deliveries are logged (the check is not vacuous)');
    const leaked = secrets.filter(([, secret]) => log.includes(secret)).map(([what]) => what);
    assert.deepEqual(leaked, [], 'secrets found in the log');
  });
});
