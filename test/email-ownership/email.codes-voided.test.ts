/**
 * Guards that an email change voids the reset codes and links sent to the old address (docs/security.md,
 * account takeover): after the change, the reset code (with either
 * address) and the reset link are refused with 400 invalid_code / the invalid-link page, and the
 * password stays as it was. Real SMTP sink.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bearer, expectProblem, login, OTHER_PASSWORD, PASSWORD, register, uniqueEmail } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { codeIn, linkTokenIn } from '../helpers/smtp-sink.js';
import { EmailCodesRepository, type CodePurpose } from '../../src/email-ownership/email-codes-repository.js';
import { withMail } from './email-helpers.js';

describe('an email change voids pending reset codes and links', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { RATE_LIMIT_RESET_IP: 'off', RATE_LIMIT_RESET_ID: 'off' } });
  });
  after(() => env.close());

  it('a reset code and link sent to the old address are refused after the change', async () => {
    const u = await register(env.t.app);
    assert.equal((await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: u.email } })).statusCode, 202);
    const resetMail = await env.smtp.waitFor(u.email, /Reset your password/);
    const code = codeIn(resetMail);
    const token = linkTokenIn(resetMail);

    const newEmail = uniqueEmail('moved');
    const asked = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change', headers: bearer(u.accessToken), payload: { new_email: newEmail, password: PASSWORD } });
    assert.equal(asked.statusCode, 202, asked.body);
    const changeCode = codeIn(await env.smtp.waitFor(newEmail, /Confirm your new email/));
    const changed = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change/confirm', headers: bearer(u.accessToken), payload: { code: changeCode } });
    assert.equal(changed.statusCode, 200, changed.body);

    const confirm = (email: string) => env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email, code, new_password: OTHER_PASSWORD } });
    expectProblem(await confirm(newEmail), 400, 'invalid_code');
    expectProblem(await confirm(u.email), 400, 'invalid_code');

    const client = new PageClient(env.t.app);
    await client.get(`/reset-password?token=${token}`);
    const byLink = await client.post('/reset-password', { token, new_password: OTHER_PASSWORD });
    assert.equal(byLink.statusCode, 400, byLink.body);
    assert.match(textOf(byLink.body), /not valid/);

    assert.equal((await login(env.t.app, newEmail, PASSWORD)).statusCode, 200, 'the password is unchanged');
    assert.equal((await login(env.t.app, newEmail, OTHER_PASSWORD)).statusCode, 401);
  });

  it('the voiding covers every purpose of the code store (a sign-in code, a purpose added later, too)', async () => {
    const u = await register(env.t.app);
    const codes = new EmailCodesRepository();
    const db = env.t.services.database.db;
    const later = 'email_login' as CodePurpose;
    const now = Date.now();
    await codes.replace(db, { id: randomUUID(), userId: u.id, purpose: later, codeHash: 'x'.repeat(64), linkHash: null, email: u.email, createdAt: new Date(now), expiresAt: new Date(now + 900_000) });
    const newEmail = uniqueEmail('moved-again');
    await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change', headers: bearer(u.accessToken), payload: { new_email: newEmail, password: PASSWORD } });
    const changeCode = codeIn(await env.smtp.waitFor(newEmail, /Confirm your new email/));
    assert.equal((await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change/confirm', headers: bearer(u.accessToken), payload: { code: changeCode } })).statusCode, 200);
    assert.equal(await db.transaction().execute((tx) => codes.lockFor(tx, u.id, later)), null);
  });
});
