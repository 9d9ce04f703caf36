/**
 * Sign-in by emailed code (EMAIL_LOGIN=on): a verified, enabled account gets a code and a link
 * (202); the code signs in once (token response, refresh cookie, amr ["otp"], login.succeeded with
 * method "email", the new-device notice) and spends the link with it; unknown, unverified and
 * disabled addresses get the same 202 and no mail; a wrong code is 400 invalid_code (an unknown
 * address too, audited with no user), the fifth voids the code and its link (429 after); expired is
 * 400 code_expired; a new request voids the earlier code and link; wrong codes do not count towards
 * the password lockout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { cookieValue, expectProblem, login, me, register, sleep, uniqueEmail, userWithRoles, bearer, CHROME_MAC_UA } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { claimsOf } from '../mfa/mfa-helpers.js';
import { requestAndRead, requestCode, signInMail, signInWithCode, verifiedUser, withEmailLogin, wrongCode, SIGN_IN_SUBJECT, type MailEnv } from './email-login-helpers.js';

describe('sign-in by emailed code', () => {
  let env: MailEnv;
  const clock = new FakeClock();
  before(async () => {
    env = await withEmailLogin({ clock });
  });
  after(() => env.close());

  const linkPage = (token: string) => env.t.app.inject({ method: 'GET', url: `/login/email?token=${token}`, headers: { accept: 'text/html' } });

  async function failedEvents() {
    return (await env.t.services.audit.list({ userId: null, type: 'login.failed' }, { limit: 100, cursor: null })).items;
  }

  it('the code signs in: token response, refresh cookie, amr ["otp"], login.succeeded with method "email"; once', async () => {
    const u = await verifiedUser(env);
    const res = await requestCode(env.t.app, u.email.toUpperCase());
    assert.equal(res.statusCode, 202);
    assert.equal(res.body, '');
    const mail = await env.smtp.waitFor(u.email, SIGN_IN_SUBJECT);
    assert.match(mail.text, /valid for 15 minutes/);
    assert.match(mail.text, /http:\/\/localhost:8000\/login\/email\?token=[A-Za-z0-9_-]{43}/);
    const { code, token } = await signInMail(env.smtp, u.email);
    const done = await signInWithCode(env.t.app, u.email, code);
    assert.equal(done.statusCode, 200, done.body);
    const body = done.json() as { access_token: string; refresh_token: string; token_type: string; user: { id: string } };
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.user.id, u.id);
    assert.deepEqual(claimsOf(body.access_token).amr, ['otp']);
    assert.equal(cookieValue(done), body.refresh_token, 'the refresh cookie, as after POST /login');
    assert.equal((await me(env.t.app, body.access_token)).statusCode, 200);
    const succeeded = (await env.t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 5, cursor: null })).items;
    assert.equal(succeeded.length, 1);
    assert.equal(succeeded[0]!.data.method, 'email');
    // single use: the code again, and the link sent with it, are spent
    expectProblem(await signInWithCode(env.t.app, u.email, code), 400, 'invalid_code');
    assert.equal((await linkPage(token)).statusCode, 400, 'the link went with the code');
  });

  it('a sign-in from a device not seen before sends the new-device notice', async () => {
    const u = await verifiedUser(env);
    const { code } = await requestAndRead(env, u.email);
    const done = await signInWithCode(env.t.app, u.email, code, { 'user-agent': CHROME_MAC_UA });
    assert.equal(done.statusCode, 200, done.body);
    await env.smtp.waitFor(u.email, /New sign-in/);
  });

  it('unknown, unverified and disabled addresses: the same 202, and no mail', async () => {
    const unknown = uniqueEmail('nobody');
    const unverified = await register(env.t.app);
    const disabled = await verifiedUser(env);
    const admin = await userWithRoles(env.t.app, ['admin'], 'admin');
    const patched = await env.t.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${disabled.id}`, headers: bearer(admin.accessToken), payload: { disabled: true } });
    assert.equal(patched.statusCode, 200, patched.body);
    const known = await verifiedUser(env);
    const answers = new Set<string>();
    for (const email of [unknown, unverified.email, disabled.email, known.email]) {
      const res = await requestCode(env.t.app, email);
      answers.add(`${res.statusCode} ${res.body} ${res.headers['content-type'] ?? ''}`);
    }
    assert.equal(answers.size, 1, [...answers].join(' | '));
    // the known address's mail was sent after the others were asked for: theirs would be there by now
    await env.smtp.waitFor(known.email, SIGN_IN_SUBJECT);
    await sleep(200);
    for (const email of [unknown, unverified.email, disabled.email]) assert.equal(env.smtp.to(email).filter((m) => SIGN_IN_SUBJECT.test(m.subject)).length, 0, email);
  });

  it('a code for an unknown address: 400 invalid_code, audited as login.failed with no user and method "email"', async () => {
    const email = uniqueEmail('ghost');
    expectProblem(await signInWithCode(env.t.app, email, '12345678'), 400, 'invalid_code');
    const event = (await failedEvents()).find((e) => e.userId === null && e.data.method === 'email' && e.data.reason === 'unknown_login');
    assert.ok(event, 'login.failed with user_id null');
  });

  it('a wrong code: 400 invalid_code, audited with the user; the fifth voids the code and its link (429 after, the right code too)', async () => {
    const u = await verifiedUser(env);
    const { code, token } = await requestAndRead(env, u.email);
    for (let i = 0; i < 5; i++) expectProblem(await signInWithCode(env.t.app, u.email, wrongCode(code)), 400, 'invalid_code');
    expectProblem(await signInWithCode(env.t.app, u.email, code), 429, 'too_many_attempts');
    assert.equal((await linkPage(token)).statusCode, 400, 'the link is void with its code');
    const failed = (await env.t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 10, cursor: null })).items;
    assert.equal(failed.filter((e) => e.data.method === 'email' && e.data.reason === 'wrong_code').length, 5);
    assert.equal(failed.filter((e) => e.data.method === 'email' && e.data.reason === 'code_void').length, 1);
    // a new request starts a new code with its own five tries
    const fresh = await requestAndRead(env, u.email, 2);
    assert.equal((await signInWithCode(env.t.app, u.email, fresh.code)).statusCode, 200);
  });

  it('wrong codes do not count towards the password lockout', async () => {
    const u = await verifiedUser(env);
    const { code } = await requestAndRead(env, u.email);
    for (let i = 0; i < 5; i++) expectProblem(await signInWithCode(env.t.app, u.email, wrongCode(code)), 400, 'invalid_code');
    assert.equal((await login(env.t.app, u.email)).statusCode, 200, 'the password still signs in (LOCKOUT_THRESHOLD is 5)');
  });

  it('the code expires after 15 minutes: 400 code_expired (the link too)', async () => {
    const u = await verifiedUser(env);
    const { code, token } = await requestAndRead(env, u.email);
    clock.advance(15 * 60 * 1000 + 1000);
    expectProblem(await signInWithCode(env.t.app, u.email, code), 400, 'code_expired');
    const page = await linkPage(token);
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /expired/);
  });

  it('a new request voids the earlier code and its link', async () => {
    const u = await verifiedUser(env);
    const first = await requestAndRead(env, u.email);
    const second = await requestAndRead(env, u.email, 2);
    assert.equal((await linkPage(first.token)).statusCode, 400, 'the earlier link');
    expectProblem(await signInWithCode(env.t.app, u.email, first.code === second.code ? wrongCode(second.code) : first.code), 400, 'invalid_code');
    assert.equal((await signInWithCode(env.t.app, u.email, second.code)).statusCode, 200);
  });
});
