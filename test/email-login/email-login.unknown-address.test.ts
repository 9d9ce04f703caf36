/**
 * Guards: a sign-in code request must not tell, by the work it does, whether an address gets mail.
 * For an address without an eligible account (none, unverified, disabled) the same work runs as
 * for one that gets a code (EmailedCodes.sendOrRehearse): a code and link made and hashed the same
 * way, and the sign-in message itself written and taken back (MailService.rehearse) — nothing is
 * kept or sent. Checked by what each request asked of the real code hasher and mail service (their
 * calls recorded and passed through), never by timing: a busy machine makes times say nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CodeHasher, type FreshCode } from '../../src/email-ownership/email-codes.js';
import type { MailMessage } from '../../src/mail/mail-service.js';
import { systemContext } from '../../src/request-context.js';
import type { TestContext } from '../helpers/build-test-app.js';
import { register, uniqueEmail, type TestUser } from '../helpers/factories.js';
import { requestCode, withEmailLogin, type MailEnv } from './email-login-helpers.js';
import { mailShapeOf } from '../helpers/mail-shape.js';

type CodeCall = { kind: 'code'; purpose: string; fresh: FreshCode };
type MailCall = { kind: 'enqueue' | 'rehearse'; message: MailMessage };
type Call = CodeCall | MailCall;


describe('sign-in code request: an address that gets no mail does the same work as one that does', () => {
  let env: MailEnv;
  let t: TestContext;
  const calls: Call[] = [];
  const realFresh = CodeHasher.prototype.fresh;

  before(async () => {
    env = await withEmailLogin();
    t = env.t;
    // record what the request asks of the real code hasher and mail service, and let them do it
    CodeHasher.prototype.fresh = function fresh(this: CodeHasher, userId, purpose) {
      const made = realFresh.call(this, userId, purpose);
      calls.push({ kind: 'code', purpose, fresh: made });
      return made;
    };
    const mail = t.services.mail;
    const enqueue = mail.enqueue.bind(mail);
    const rehearse = mail.rehearse.bind(mail);
    mail.enqueue = (tx, message) => (calls.push({ kind: 'enqueue', message }), enqueue(tx, message));
    mail.rehearse = (tx, message) => (calls.push({ kind: 'rehearse', message }), rehearse(tx, message));
  });
  after(async () => {
    CodeHasher.prototype.fresh = realFresh;
    await env.close();
  });

  /** the code and mail calls of one request, for sign-in only */
  async function requestCalls(email: string): Promise<Call[]> {
    calls.length = 0;
    const res = await requestCode(t.app, email);
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.body, '');
    return calls.filter((c) => (c.kind === 'code' ? c.purpose === 'email_login' : c.message.template === 'email_login'));
  }

  const verified = async (): Promise<TestUser> => {
    const u = await register(t.app);
    await t.services.users.updateByAdmin(systemContext, u.id, { emailVerified: true });
    return u;
  };

  /** the stand-in's calls match the account's: one code made and hashed, then the same message rehearsed */
  function assertSameWork(standIn: Call[], real: Call[], asked: string) {
    assert.deepEqual(standIn.map((c) => c.kind), ['code', 'rehearse'], `${asked}: a code made, the message written and taken back`);
    const [code, message] = standIn as [CodeCall, MailCall];
    assert.match(code.fresh.codeHash, /^[0-9a-f]{64}$/, 'the code is hashed as a real one is');
    assert.equal(message.message.data.code, code.fresh.code, 'the rehearsed message carries the code made for it');
    assert.ok(message.message.to.endsWith('.invalid'), 'to a reserved address, never the one asked about');
    assert.notEqual(message.message.to, asked);
    assert.equal(message.message.userId, null);
    const realMessage = real[1] as MailCall;
    assert.deepEqual(mailShapeOf(message.message), mailShapeOf(realMessage.message), 'the same message, made the same way');
  }

  it('a verified account gets its code queued; an unknown address has the same code made and the same message rehearsed', async () => {
    const u = await verified();
    const real = await requestCalls(u.email);
    assert.deepEqual(real.map((c) => c.kind), ['code', 'enqueue']);
    assert.equal((real[1] as MailCall).message.to, u.email);
    assert.equal((real[1] as MailCall).message.data.code, (real[0] as CodeCall).fresh.code);

    const nobody = uniqueEmail('nobody');
    assertSameWork(await requestCalls(nobody), real, nobody);

    // nothing of the stand-in stays to be sent
    const kept = await t.services.mail.recent(500);
    assert.ok(kept.every((m) => !m.to.endsWith('.invalid') && m.to !== nobody), 'no stand-in message kept');
  });

  it('an unverified or a disabled account is answered like an unknown address: the same work, nothing sent', async () => {
    const real = await requestCalls((await verified()).email);
    const unverified = await register(t.app);
    assertSameWork(await requestCalls(unverified.email), real, unverified.email);
    const disabled = await verified();
    await t.services.users.updateByAdmin(systemContext, disabled.id, { disabled: true });
    assertSameWork(await requestCalls(disabled.email), real, disabled.email);
    const kept = await t.services.mail.recent(500);
    assert.ok(!kept.some((m) => m.template === 'email_login' && (m.to === unverified.email || m.to === disabled.email)), 'no sign-in message for either');
  });
});
