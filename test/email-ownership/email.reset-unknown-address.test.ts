/**
 * Guards: a password reset request for an address without an account (or a disabled one) did less
 * work than one for an account — no message written, a commit that waited for no disk — and
 * answered ~2 ms sooner on PostgreSQL. It now does what sign-in by email does for an unknown address
 * (MailService.rehearse): the reset's own message, with a code and link made the same way, is written
 * and taken back in the transaction, so both paths run the same statements and nothing is sent.
 * Checked by what each request queued or rehearsed (the real MailService, its calls recorded and
 * passed through), not by timing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MailMessage } from '../../src/mail/mail-service.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, register, uniqueEmail, userWithRoles } from '../helpers/factories.js';
import { mailShapeOf } from '../helpers/mail-shape.js';

interface MailCall {
  kind: 'enqueue' | 'rehearse';
  message: MailMessage;
}


describe('password reset request: an unknown address does the same work as an account', () => {
  let t: TestContext;
  const calls: MailCall[] = [];
  before(async () => {
    t = await buildTestContext({ env: { RATE_LIMIT_RESET_IP: 'off', RATE_LIMIT_RESET_ID: 'off' } });
    // record what the reset asks of the real mail service, and let it do it
    const mail = t.services.mail;
    const enqueue = mail.enqueue.bind(mail);
    const rehearse = mail.rehearse.bind(mail);
    mail.enqueue = (tx, message) => (calls.push({ kind: 'enqueue', message }), enqueue(tx, message));
    mail.rehearse = (tx, message) => (calls.push({ kind: 'rehearse', message }), rehearse(tx, message));
  });
  after(() => t.close());

  /** the mail calls of one reset request (the reset's own template only) */
  async function resetCalls(email: string): Promise<MailCall[]> {
    calls.length = 0;
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    assert.equal(res.statusCode, 202);
    assert.equal(res.body, '');
    return calls.filter((c) => c.message.template === 'password_reset');
  }

  it('an account gets its message queued; an unknown address has the same message written and taken back', async () => {
    const u = await register(t.app);
    const known = await resetCalls(u.email);
    assert.deepEqual(known.map((c) => c.kind), ['enqueue']);
    assert.equal(known[0]!.message.to, u.email);

    const unknownAddress = uniqueEmail('nobody');
    const unknown = await resetCalls(unknownAddress);
    assert.deepEqual(unknown.map((c) => c.kind), ['rehearse'], 'the stand-in message is written and taken back');
    assert.ok(unknown[0]!.message.to.endsWith('.invalid'), 'to a reserved address, never the one asked about');
    assert.equal(unknown[0]!.message.userId, null);
    assert.deepEqual(mailShapeOf(unknown[0]!.message), mailShapeOf(known[0]!.message), 'the same message, made the same way');

    // nothing of the stand-in stays to be sent
    const kept = await t.services.mail.recent(500);
    assert.ok(kept.every((m) => !m.to.endsWith('.invalid') && m.to !== unknownAddress), 'no stand-in message kept');
  });

  it('a disabled account is answered like an unknown address: rehearsed, nothing sent', async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const u = await register(t.app);
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/admin/users/${u.id}`, headers: bearer(admin.accessToken), payload: { disabled: true } });
    assert.equal(patched.statusCode, 200, patched.body);
    const disabled = await resetCalls(u.email);
    assert.deepEqual(disabled.map((c) => c.kind), ['rehearse']);
    assert.ok(disabled[0]!.message.to.endsWith('.invalid'));
    const kept = await t.services.mail.recent(500);
    assert.ok(!kept.some((m) => m.to === u.email && m.template === 'password_reset'), 'no reset message for the disabled account');
  });
});
