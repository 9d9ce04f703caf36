/**
 * What voids a pending sign-in code and link besides a new request: a password reset, an email
 * change, and disabling the account (guards the disable: it once left them working, so an account
 * enabled again within 15 minutes could be signed in with a code sent before it was disabled).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, expectProblem, OTHER_PASSWORD, PASSWORD, uniqueEmail, userWithRoles, type TestUser } from '../helpers/factories.js';
import { codeIn } from '../helpers/smtp-sink.js';
import { requestAndRead, signInWithCode, verifiedUser, withEmailLogin, type MailEnv } from './email-login-helpers.js';

describe('pending sign-in codes are voided', () => {
  let env: MailEnv;
  let admin: TestUser;
  before(async () => {
    env = await withEmailLogin();
    admin = await userWithRoles(env.t.app, ['admin'], 'admin');
  });
  after(() => env.close());

  const linkPage = (token: string) => env.t.app.inject({ method: 'GET', url: `/login/email?token=${token}`, headers: { accept: 'text/html' } });
  const patch = (id: string, payload: object) => env.t.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${id}`, headers: bearer(admin.accessToken), payload });

  it('by disabling the account: enabled again, the earlier code and link no longer work', async () => {
    const u = await verifiedUser(env);
    const { code, token } = await requestAndRead(env, u.email);
    assert.equal((await patch(u.id, { disabled: true })).statusCode, 200);
    assert.equal((await patch(u.id, { disabled: false })).statusCode, 200);
    assert.equal((await linkPage(token)).statusCode, 400, 'the link');
    expectProblem(await signInWithCode(env.t.app, u.email, code), 400, 'invalid_code');
  });

  it('a disabled account: its code is refused while disabled (no tokens)', async () => {
    const u = await verifiedUser(env);
    const { code } = await requestAndRead(env, u.email);
    await patch(u.id, { disabled: true });
    const res = await signInWithCode(env.t.app, u.email, code);
    assert.ok(res.statusCode === 400 || res.statusCode === 403, res.body);
    assert.equal(res.json().access_token, undefined);
  });

  it('by a password reset', async () => {
    const u = await verifiedUser(env);
    const { code, token } = await requestAndRead(env, u.email);
    assert.equal((await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: u.email } })).statusCode, 202);
    const resetCode = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    const done = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email: u.email, code: resetCode, new_password: OTHER_PASSWORD } });
    assert.equal(done.statusCode, 204, done.body);
    assert.equal((await linkPage(token)).statusCode, 400, 'the link');
    expectProblem(await signInWithCode(env.t.app, u.email, code), 400, 'invalid_code');
  });

  it('by an email change: neither the old address nor the new one signs in with the earlier code', async () => {
    const u = await verifiedUser(env);
    const { code, token } = await requestAndRead(env, u.email);
    const newEmail = uniqueEmail('moved');
    const asked = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change', headers: bearer(u.accessToken), payload: { new_email: newEmail, password: PASSWORD } });
    assert.equal(asked.statusCode, 202, asked.body);
    const changeCode = codeIn(await env.smtp.waitFor(newEmail, /Confirm your new email/));
    const confirmed = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change/confirm', headers: bearer(u.accessToken), payload: { code: changeCode } });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal((await linkPage(token)).statusCode, 400, 'the link');
    expectProblem(await signInWithCode(env.t.app, u.email, code), 400, 'invalid_code');
    expectProblem(await signInWithCode(env.t.app, newEmail, code), 400, 'invalid_code');
  });
});
