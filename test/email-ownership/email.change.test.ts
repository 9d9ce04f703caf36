/**
 * Email change (docs/api.md): a password account proves itself with its password (wrong → 403
 * invalid_password), a password-less one with a code sent to its current address; the code goes
 * to the new address; confirming sets it (verified), audits email.changed and tells the old
 * address. A taken address is 409 email_taken — also when two accounts race for one address.
 * An account without an email (ACCOUNT_EMAIL=optional) adds one through the same flow.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemContext } from '../../src/request-context.js';
import { bearer, expectProblem, login, me, PASSWORD, register, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { codeIn } from '../helpers/smtp-sink.js';
import { withMail } from './email-helpers.js';

describe('email change', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { ACCOUNT_EMAIL: 'optional' } });
  });
  after(async () => {
    await env.close();
  });
  const change = (token: string, payload: Record<string, unknown>) => env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change', headers: bearer(token), payload });
  const confirm = (token: string, code: string) => env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change/confirm', headers: bearer(token), payload: { code } });

  it('password account: code to the new address, change confirmed, old address told, audited', async () => {
    const u = await register(env.t.app);
    const newEmail = uniqueEmail('new');
    expectProblem(await change(u.accessToken, { new_email: newEmail, password: WRONG_PASSWORD }), 403, 'invalid_password');
    expectProblem(await change(u.accessToken, { new_email: newEmail }), 400, 'validation_error');
    const res = await change(u.accessToken, { new_email: newEmail.toUpperCase(), password: PASSWORD });
    assert.equal(res.statusCode, 202, res.body);
    const code = codeIn(await env.smtp.waitFor(newEmail, /Confirm your new email/));
    const done = await confirm(u.accessToken, code);
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().email, newEmail);
    assert.equal(done.json().email_verified, true);
    const notice = await env.smtp.waitFor(u.email, /email address was changed/);
    assert.ok(notice.text.includes(newEmail));
    assert.equal((await login(env.t.app, newEmail)).statusCode, 200);
    expectProblem(await login(env.t.app, u.email), 401, 'invalid_credentials');
    const events = await env.t.services.audit.list({ userId: u.id, type: 'email.changed' }, { limit: 5, cursor: null });
    assert.equal(events.items.length, 1);
    expectProblem(await confirm(u.accessToken, code), 400, 'invalid_code');
  });

  it('password-less account: proves its current address with a code first', async () => {
    const email = uniqueEmail('nopw');
    const created = await env.t.services.users.createByAdmin(systemContext, { email, password: null });
    const session = await env.t.services.database.db.transaction().execute((tx) => env.t.services.sessions.create(tx, { userId: created.id, ip: null, userAgent: null }));
    const { token } = await env.t.services.keys.sign({ sub: created.id, sid: session.sessionId, roles: created.roles });
    const newEmail = uniqueEmail('nopw-new');
    expectProblem(await change(token, { new_email: newEmail }), 400, 'validation_error');
    assert.equal((await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/change/request-code', headers: bearer(token) })).statusCode, 202);
    const current = codeIn(await env.smtp.waitFor(email, /change your email/));
    expectProblem(await change(token, { new_email: newEmail, current_email_code: current === '00000000' ? '00000001' : '00000000' }), 400, 'invalid_code');
    assert.equal((await change(token, { new_email: newEmail, current_email_code: current })).statusCode, 202);
    const code = codeIn(await env.smtp.waitFor(newEmail, /Confirm your new email/));
    const done = await confirm(token, code);
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().email, newEmail);
  });

  it('an account without an email adds one through the same flow', async () => {
    const res = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: `nomail${Date.now() % 100000}`, password: PASSWORD } });
    assert.equal(res.statusCode, 201, res.body);
    const token = res.json().access_token as string;
    const newEmail = uniqueEmail('added');
    assert.equal((await change(token, { new_email: newEmail, password: PASSWORD })).statusCode, 202);
    const done = await confirm(token, codeIn(await env.smtp.waitFor(newEmail, /Confirm your new email/)));
    assert.equal(done.statusCode, 200);
    assert.equal((await me(env.t.app, token)).json().email, newEmail);
  });

  it('a taken address: 409 email_taken at the request, and for the loser of a race at confirmation', async () => {
    const a = await register(env.t.app);
    const b = await register(env.t.app);
    expectProblem(await change(a.accessToken, { new_email: b.email, password: PASSWORD }), 409, 'email_taken');
    const contested = uniqueEmail('contested');
    assert.equal((await change(a.accessToken, { new_email: contested, password: PASSWORD })).statusCode, 202);
    assert.equal((await change(b.accessToken, { new_email: contested, password: PASSWORD })).statusCode, 202);
    const mails = [await env.smtp.waitFor(contested, /Confirm your new email/, 5000, 1), await env.smtp.waitFor(contested, /Confirm your new email/, 5000, 2)];
    // whose mail is whose: the Message-ID is the outbox row's id
    const codeOf = async (userId: string) => {
      for (const m of mails) {
        const id = /<([0-9a-f-]{36})@gatehouse>/.exec(m.messageId)?.[1];
        const row = await env.t.services.database.db.selectFrom('outbox').select('user_id').where('id', '=', id!).executeTakeFirstOrThrow();
        if (row.user_id === userId) return codeIn(m);
      }
      throw new Error('no mail for this user');
    };
    const [codeA, codeB] = [await codeOf(a.id), await codeOf(b.id)];
    const results = await Promise.all([confirm(a.accessToken, codeA), confirm(b.accessToken, codeB)]);
    const loser = results.find((r) => r.statusCode !== 200);
    if (loser) expectProblem(loser, 409, 'email_taken');
    const statuses = results.map((r) => r.statusCode);
    assert.deepEqual(statuses.sort(), [200, 409]);
  });
});
