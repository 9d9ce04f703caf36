/**
 * Sign-in by emailed code for a user with MFA: the right code answers `mfa_required` (no token, no
 * cookie, no session, no login.succeeded yet) and the second step finishes it; the amr is the union
 * without repeats — ["otp", "mfa"] after a TOTP or a recovery code (the emailed code and the TOTP
 * are both otp: guards the core's union, which once gave ["otp", "otp", "mfa"]), ["otp", "hwk",
 * "mfa"] after a passkey. The password's second step keeps ["pwd", "otp", "mfa"].
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { cookieValue, expectProblem } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { addPasskey, claimsOf, enableTotp, firstStep, post, type TotpUser } from '../mfa/mfa-helpers.js';
import { requestAndRead, signInWithCode, verifiedUser, withEmailLogin, type MailEnv } from './email-login-helpers.js';

const ORIGIN = 'http://localhost:8000';

describe('sign-in by emailed code with MFA', () => {
  let env: MailEnv;
  const clock = new FakeClock();
  let u: TotpUser;
  before(async () => {
    env = await withEmailLogin({ clock });
    u = await enableTotp(env.t.app, await verifiedUser(env), clock);
  });
  after(() => env.close());

  async function emailStep(email: string): Promise<{ mfa_token: string; methods: string[] }> {
    const { code } = await requestAndRead(env, email, env.smtp.to(email).filter((m) => /sign-in code/.test(m.subject)).length + 1);
    const res = await signInWithCode(env.t.app, email, code);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json() as { mfa_required: boolean; mfa_token: string; methods: string[]; access_token?: string };
    assert.equal(body.mfa_required, true);
    assert.equal(body.access_token, undefined);
    assert.equal(cookieValue(res), null, 'no refresh cookie before the second step');
    return body;
  }

  it('the right code asks for the second step; nothing is issued or recorded as a success yet', async () => {
    const before = (await env.t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 20, cursor: null })).items.length;
    const { methods } = await emailStep(u.email);
    assert.deepEqual(methods, ['totp', 'recovery_code']);
    const afterwards = (await env.t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 20, cursor: null })).items.length;
    assert.equal(afterwards, before);
  });

  it('guards the amr union: emailed code + TOTP → ["otp", "mfa"], not ["otp", "otp", "mfa"]', async () => {
    const { mfa_token } = await emailStep(u.email);
    clock.advance(30_000);
    const res = await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code: totpCode(u.secret, clock.now()) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(claimsOf(res.json().access_token).amr, ['otp', 'mfa']);
    assert.equal(cookieValue(res), res.json().refresh_token);
  });

  it('emailed code + recovery code → ["otp", "mfa"]', async () => {
    const { mfa_token } = await emailStep(u.email);
    const res = await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, recovery_code: u.recoveryCodes[0] });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(claimsOf(res.json().access_token).amr, ['otp', 'mfa']);
  });

  it('a wrong second-step code is 400 invalid_code as after a password', async () => {
    const { mfa_token } = await emailStep(u.email);
    expectProblem(await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code: '000000' }), 400, 'invalid_code');
  });

  it('the password + TOTP keeps ["pwd", "otp", "mfa"]', async () => {
    const { mfa_token } = await firstStep(env.t.app, u.email);
    clock.advance(30_000);
    const res = await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code: totpCode(u.secret, clock.now()) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(claimsOf(res.json().access_token).amr, ['pwd', 'otp', 'mfa']);
  });

  it('emailed code + passkey → ["otp", "hwk", "mfa"]', async () => {
    const authenticator = new SoftAuthenticator(ORIGIN);
    const p = await verifiedUser(env);
    await addPasskey(env.t.app, p, authenticator);
    const { mfa_token, methods } = await emailStep(p.email);
    assert.ok(methods.includes('webauthn'));
    const options = (await post(env.t.app, '/api/v1/auth/login/mfa/options', null, { mfa_token })).json();
    const res = await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, webauthn: authenticator.authenticate(options, { userVerified: false }) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(claimsOf(res.json().access_token).amr, ['otp', 'hwk', 'mfa']);
  });
});
