/**
 * Password reset (docs/api.md): always 202 and no mail for an unknown address; the emailed code sets a
 * new password, ends every session (their tokens 401), is audited as password.reset and followed
 * by a "password was reset" notice; the code is single use and expires after 15 minutes; an
 * unknown address confirms like a wrong code; RATE_LIMIT_RESET_IP / RESET_ID apply.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectProblem, login, me, OTHER_PASSWORD, register, sleep, uniqueEmail } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { codeIn } from '../helpers/smtp-sink.js';
import { withMail } from './email-helpers.js';

describe('password reset', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  const clock = new FakeClock();
  before(async () => {
    env = await withMail({ clock, env: { RATE_LIMIT_RESET_IP: 'off', RATE_LIMIT_RESET_ID: 'off' } });
  });
  after(async () => {
    await env.close();
  });
  const request = (email: string, headers: Record<string, string> = {}) => env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', headers, payload: { email } });
  const confirm = (email: string, code: string, newPassword = OTHER_PASSWORD) =>
    env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email, code, new_password: newPassword } });

  it('code by mail → new password, every session revoked, audited, notice sent', async () => {
    const u = await register(env.t.app);
    const res = await request(u.email.toUpperCase());
    assert.equal(res.statusCode, 202);
    assert.equal(res.body, '');
    const code = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    const done = await confirm(u.email, code);
    assert.equal(done.statusCode, 204, done.body);
    assert.equal((await me(env.t.app, u.accessToken)).statusCode, 401, 'the old session is revoked');
    expectProblem(await login(env.t.app, u.email), 401, 'invalid_credentials');
    assert.equal((await login(env.t.app, u.email, OTHER_PASSWORD)).statusCode, 200);
    const notice = await env.smtp.waitFor(u.email, /password was reset/);
    assert.match(notice.text, /IP address: /);
    const events = await env.t.services.audit.list({ userId: u.id, type: 'password.reset' }, { limit: 5, cursor: null });
    assert.equal(events.items.length, 1);
    expectProblem(await confirm(u.email, code, 'Another-Strong-Pass-93'), 400, 'invalid_code');
  });

  it('unknown address: 202 and no mail; confirming it answers like a wrong code', async () => {
    const email = uniqueEmail('nobody');
    assert.equal((await request(email)).statusCode, 202);
    const marker = await register(env.t.app);
    await env.smtp.waitFor(marker.email, /Verify/);
    await sleep(200);
    assert.equal(env.smtp.to(email).length, 0);
    expectProblem(await confirm(email, '12345678'), 400, 'invalid_code');
  });

  it('weak new password: 422 weak_password, and the code still works', async () => {
    const u = await register(env.t.app);
    await request(u.email);
    const code = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    expectProblem(await confirm(u.email, code, 'password'), 422, 'weak_password');
    assert.equal((await confirm(u.email, code)).statusCode, 204);
  });

  it('the code expires after 15 minutes', async () => {
    const u = await register(env.t.app);
    await request(u.email);
    const code = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    clock.advance(15 * 60 * 1000 + 1000);
    expectProblem(await confirm(u.email, code), 400, 'code_expired');
  });

  it('five wrong codes void it', async () => {
    const u = await register(env.t.app);
    await request(u.email);
    const code = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    const wrong = code === '99999999' ? '88888888' : '99999999';
    for (let i = 0; i < 5; i++) expectProblem(await confirm(u.email, wrong), 400, 'invalid_code');
    expectProblem(await confirm(u.email, code), 429, 'too_many_attempts');
  });
});

describe('password reset rate limits', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { RATE_LIMIT_RESET_IP: '3/3600', RATE_LIMIT_RESET_ID: '2/3600', RATE_LIMIT_CODE_ID: '3/600', TRUSTED_PROXIES: '127.0.0.1' } });
  });
  after(async () => {
    await env.close();
  });
  const request = (email: string, ip: string) =>
    env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', headers: { 'x-forwarded-for': ip }, payload: { email } });

  it('per identifier (RATE_LIMIT_RESET_ID) and per IP (RATE_LIMIT_RESET_IP): 429 rate_limited with Retry-After', async () => {
    const email = uniqueEmail('limited');
    assert.equal((await request(email, '198.51.100.1')).statusCode, 202);
    assert.equal((await request(email, '198.51.100.2')).statusCode, 202);
    const byId = expectProblem(await request(email, '198.51.100.3'), 429, 'rate_limited');
    assert.ok(byId);
    for (let i = 0; i < 3; i++) assert.equal((await request(uniqueEmail('ip'), '198.51.100.9')).statusCode, 202);
    const byIp = await request(uniqueEmail('ip'), '198.51.100.9');
    expectProblem(byIp, 429, 'rate_limited');
    assert.ok(Number(byIp.headers['retry-after']) > 0);
  });

  it('code entries per account (RATE_LIMIT_CODE_ID)', async () => {
    const email = uniqueEmail('codes');
    for (let i = 0; i < 3; i++) expectProblem(await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email, code: '12345678', new_password: OTHER_PASSWORD } }), 400, 'invalid_code');
    expectProblem(await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email, code: '12345678', new_password: OTHER_PASSWORD } }), 429, 'rate_limited');
  });
});
