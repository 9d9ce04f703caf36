/**
 * Guards that both reset paths judge the new password by one rule (the account's email, username
 * and name are its own words: a password equal to the username is weak, by code and by link), and
 * that the code is checked before the new password is rated (a wrong code with a weak or hostile
 * password answers 400 invalid_code, not 422; the right code then still works). Real SMTP sink.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { expectProblem, login, OTHER_PASSWORD, register } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { codeIn, linkTokenIn } from '../helpers/smtp-sink.js';
import { withMail } from './email-helpers.js';

describe('password reset: the password rules', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { RATE_LIMIT_RESET_IP: 'off', RATE_LIMIT_RESET_ID: 'off' } });
  });
  after(() => env.close());

  const request = (email: string) => env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
  const confirm = (email: string, code: string, newPassword: string) =>
    env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email, code, new_password: newPassword } });
  // strong on its own (zxcvbn rates it 3+ without the account's words), weak as the username
  const username = () => `quartz.vexing-7plumb-${randomBytes(3).toString('hex')}`;

  it('by code: a new password equal to the username is 422 weak_password', async () => {
    const u = await register(env.t.app, { username: username() });
    await request(u.email);
    const code = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    expectProblem(await confirm(u.email, code, u.username!), 422, 'weak_password');
    assert.equal((await confirm(u.email, code, OTHER_PASSWORD)).statusCode, 204, 'the code still works');
  });

  it('by link: a new password equal to the username is refused (422)', async () => {
    const u = await register(env.t.app, { username: username() });
    await request(u.email);
    const token = linkTokenIn(await env.smtp.waitFor(u.email, /Reset your password/));
    const client = new PageClient(env.t.app);
    await client.get(`/reset-password?token=${token}`);
    const weak = await client.post('/reset-password', { token, new_password: u.username! });
    assert.equal(weak.statusCode, 422, weak.body);
    assert.equal((await client.post('/reset-password', { token, new_password: OTHER_PASSWORD })).statusCode, 303);
    assert.equal((await login(env.t.app, u.email, OTHER_PASSWORD)).statusCode, 200);
  });

  it('a wrong code is 400 invalid_code before the new password is rated (weak or hostile alike)', async () => {
    const u = await register(env.t.app);
    await request(u.email);
    const code = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    const wrong = code === '99999999' ? '88888888' : '99999999';
    expectProblem(await confirm(u.email, wrong, 'short'), 400, 'invalid_code');
    expectProblem(await confirm(u.email, wrong, 'a1!'.repeat(40)), 400, 'invalid_code');
    // an unknown address too
    expectProblem(await confirm(`nobody-${randomBytes(4).toString('hex')}@example.com`, wrong, 'short'), 400, 'invalid_code');
    assert.equal((await confirm(u.email, code, OTHER_PASSWORD)).statusCode, 204, 'two wrong tries leave the code usable');
  });
});
