/**
 * The two-step sign-in (docs/security.md): the password step answers `mfa_required` and nothing else; the
 * second step with a TOTP or a recovery code answers the token response with `amr`; the
 * mfa_token's lifetime, single use and 5 tries; wrong codes audited and not counted towards the
 * password lockout; the password step unchanged for wrong passwords, unknown users and locks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, cookieOf, expectProblem, login, me, OTHER_PASSWORD, refresh, register, uniqueEmail, USER_FIELDS, WRONG_PASSWORD } from '../helpers/factories.js';
import { claimsOf, enableTotp, firstStep, post, type TotpUser } from './mfa-helpers.js';

describe('sign-in with a second factor', () => {
  const clock = new FakeClock();
  let t: TestContext;
  let u: TotpUser;
  before(async () => {
    t = await buildTestContext({ clock, env: { LOCKOUT_THRESHOLD: '3', RATE_LIMIT_CODE_ID: '100/600' } });
    u = await enableTotp(t.app, await register(t.app, { email: uniqueEmail('mfa') }), clock);
  });
  after(async () => {
    await t.close();
  });

  const second = (payload: object) => post(t.app, '/api/v1/auth/login/mfa', null, payload);
  const successes = async (userId: string) => (await t.services.audit.list({ userId, type: 'login.succeeded' }, { limit: 100, cursor: null })).items.length;

  it('the password step answers mfa_required, the token and the methods, and nothing else', async () => {
    const before = await successes(u.id);
    const res = await login(t.app, u.email);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['methods', 'mfa_required', 'mfa_token']);
    assert.equal(body.mfa_required, true);
    assert.deepEqual(body.methods, ['totp', 'recovery_code']);
    assert.equal(res.headers['set-cookie'], undefined, 'no cookie');
    assert.equal(await successes(u.id), before, 'login.succeeded only after the second step');
    // never a bearer token
    expectProblem(await me(t.app, body.mfa_token), 401, 'unauthorized');
  });

  it('a TOTP code completes it: token response, cookie, amr pwd+otp+mfa kept by refresh; the token is spent', async () => {
    const { mfa_token } = await firstStep(t.app, u.email);
    const res = await second({ mfa_token, code: totpCode(u.secret, clock.now()) });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body.user).sort(), USER_FIELDS);
    assert.equal(body.user.mfa, true);
    assert.equal(cookieOf(res)?.value, body.refresh_token);
    assert.deepEqual(claimsOf(body.access_token).amr, ['pwd', 'otp', 'mfa']);
    assert.equal((await me(t.app, body.access_token)).statusCode, 200);
    const refreshed = await refresh(t.app, { refresh_token: body.refresh_token });
    assert.equal(refreshed.statusCode, 200);
    assert.deepEqual(claimsOf(refreshed.json().access_token).amr, ['pwd', 'otp', 'mfa']);
    // spent
    clock.advance(30_000);
    expectProblem(await second({ mfa_token, code: totpCode(u.secret, clock.now()) }), 401, 'unauthorized');
    const events = (await t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 1, cursor: null })).items;
    assert.equal((events[0]?.data as { method?: string }).method, 'pwd+otp');
  });

  it('a password change from an MFA session keeps its amr in the fresh session', async () => {
    const { mfa_token } = await firstStep(t.app, u.email);
    const signedIn = (await second({ mfa_token, code: totpCode(u.secret, clock.now()) })).json();
    clock.advance(30_000);
    const changed = await post(t.app, '/api/v1/auth/password', signedIn.access_token, { current_password: u.password, new_password: OTHER_PASSWORD });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.deepEqual(claimsOf(changed.json().access_token).amr, ['pwd', 'otp', 'mfa']);
    const back = await post(t.app, '/api/v1/auth/password', changed.json().access_token, { current_password: OTHER_PASSWORD, new_password: u.password });
    assert.equal(back.statusCode, 200, back.body);
  });

  it('another instance finishes the second step (state in Redis, PostgreSQL + Redis only)', { skip: !process.env.TEST_DATABASE_URL || !process.env.TEST_REDIS_URL }, async () => {
    const other = await t.startInstance();
    const { mfa_token } = await firstStep(t.app, u.email);
    const res = await post(other, '/api/v1/auth/login/mfa', null, { mfa_token, code: totpCode(u.secret, clock.now()) });
    assert.equal(res.statusCode, 200, res.body);
    clock.advance(30_000);
  });

  it('the same TOTP code is not accepted twice (replay within its window)', async () => {
    clock.advance(30_000);
    const code = totpCode(u.secret, clock.now());
    assert.equal((await second({ mfa_token: (await firstStep(t.app, u.email)).mfa_token, code })).statusCode, 200);
    expectProblem(await second({ mfa_token: (await firstStep(t.app, u.email)).mfa_token, code }), 400, 'invalid_code');
    clock.advance(30_000);
  });

  it('a recovery code completes it once (amr otp); the methods drop recovery_code when none are left', async () => {
    const code = u.recoveryCodes[0]!;
    const res = await second({ mfa_token: (await firstStep(t.app, u.email)).mfa_token, recovery_code: code.replace('-', '') });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(claimsOf(res.json().access_token).amr, ['pwd', 'otp', 'mfa']);
    expectProblem(await second({ mfa_token: (await firstStep(t.app, u.email)).mfa_token, recovery_code: code }), 400, 'invalid_code');
    const overview = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/mfa', headers: bearer(res.json().access_token) })).json();
    assert.equal(overview.recovery_codes_left, 9);

    const v = await enableTotp(t.app, await register(t.app), clock);
    for (const c of v.recoveryCodes) assert.equal((await second({ mfa_token: (await firstStep(t.app, v.email)).mfa_token, recovery_code: c })).statusCode, 200);
    assert.deepEqual((await firstStep(t.app, v.email)).methods, ['totp']);
  });

  it('exactly one factor per request; bodies are strict', async () => {
    const { mfa_token } = await firstStep(t.app, u.email);
    expectProblem(await second({ mfa_token }), 400, 'validation_error');
    expectProblem(await second({ mfa_token, code: '123456', recovery_code: 'abcde-fghij' }), 400, 'validation_error');
    expectProblem(await second({ mfa_token, code: '123456', extra: true }), 400, 'validation_error');
    expectProblem(await second({ code: '123456' }), 400, 'validation_error');
  });

  it('5 wrong codes answer invalid_code, then the token is void (429) even for the right code; audited, no lockout', async () => {
    const { mfa_token } = await firstStep(t.app, u.email);
    for (let i = 0; i < 5; i++) expectProblem(await second({ mfa_token, code: '000000' === totpCode(u.secret, clock.now()) ? '999999' : '000000' }), 400, 'invalid_code');
    expectProblem(await second({ mfa_token, code: totpCode(u.secret, clock.now()) }), 429, 'too_many_attempts');
    expectProblem(await post(t.app, '/api/v1/auth/login/mfa/options', null, { mfa_token }), 429, 'too_many_attempts');
    const failed = (await t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 10, cursor: null })).items;
    assert.ok(failed.filter((e) => (e.data as { reason?: string }).reason === 'mfa').length >= 5);
    // LOCKOUT_THRESHOLD=3: five wrong codes locked nothing
    const next = await firstStep(t.app, u.email);
    assert.equal((await second({ mfa_token: next.mfa_token, code: totpCode(u.secret, clock.now()) })).statusCode, 200);
    clock.advance(30_000);
  });

  it('an unknown or expired mfa_token is 401 unauthorized', async () => {
    expectProblem(await second({ mfa_token: 'not-a-token', code: '123456' }), 401, 'unauthorized');
    const { mfa_token } = await firstStep(t.app, u.email);
    clock.advance(301_000);
    expectProblem(await second({ mfa_token, code: totpCode(u.secret, clock.now()) }), 401, 'unauthorized');
  });

  it('RATE_LIMIT_CODE_ID counts second-step codes per account', async () => {
    const limited = await buildTestContext({ clock, env: { RATE_LIMIT_CODE_ID: '2/600' } });
    try {
      const v = await enableTotp(limited.app, await register(limited.app), clock);
      const secondHere = (payload: object) => post(limited.app, '/api/v1/auth/login/mfa', null, payload);
      // the confirm used one; one more is allowed, then 429 for any token of this account
      expectProblem(await secondHere({ mfa_token: (await firstStep(limited.app, v.email)).mfa_token, code: '000000' }), 400, 'invalid_code');
      expectProblem(await secondHere({ mfa_token: (await firstStep(limited.app, v.email)).mfa_token, code: totpCode(v.secret, clock.now()) }), 429, 'rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('the password step answers exactly as before for wrong passwords, unknown users and locked accounts', async () => {
    const wrong = expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    const unknown = expectProblem(await login(t.app, uniqueEmail('nobody'), WRONG_PASSWORD), 401, 'invalid_credentials');
    assert.deepEqual(wrong, unknown);
    const plain = await register(t.app);
    const plainWrong = expectProblem(await login(t.app, plain.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    assert.deepEqual(wrong, plainWrong);
    // LOCKOUT_THRESHOLD=3: the third failure locks; then 423 even with the right password, as without MFA
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    const locked = await login(t.app, u.email);
    expectProblem(locked, 423, 'account_locked');
    const lockedPlain = await login(t.app, plain.email, WRONG_PASSWORD).then(() => login(t.app, plain.email, WRONG_PASSWORD)).then(() => login(t.app, plain.email));
    expectProblem(lockedPlain, 423, 'account_locked');
    assert.deepEqual(Object.keys(locked.json()).sort(), Object.keys(lockedPlain.json()).sort());
    clock.advance(16 * 60 * 1000);
  });

  it('a user without MFA signs in with amr ["pwd"]; a disabled user with MFA gets 403 account_disabled at the password step, as before', async () => {
    const plain = await register(t.app);
    assert.deepEqual(claimsOf(plain.accessToken).amr, ['pwd']);
    const res = await login(t.app, plain.email);
    assert.deepEqual(claimsOf(res.json().access_token).amr, ['pwd']);

    const v = await enableTotp(t.app, await register(t.app), clock);
    const { mfa_token } = await firstStep(t.app, v.email);
    await t.services.users.updateByAdmin(systemContext, v.id, { disabled: true });
    expectProblem(await login(t.app, v.email), 403, 'account_disabled');
    // disabled between the two steps: refused at the second
    expectProblem(await second({ mfa_token, code: totpCode(v.secret, clock.now()) }), 403, 'account_disabled');
  });
});
