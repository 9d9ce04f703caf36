/**
 * Guards: sign-ins are counted from the typed method and reason the sign-in core hands metrics —
 * the second step as `mfa`, a re-authentication as `reauthentication`, an account rule by the method
 * that met it — not by reading audit rows back (an audit row on its own counts nothing).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, expectProblem, login, OTHER_PASSWORD, register, WRONG_PASSWORD } from '../helpers/factories.js';
import { parseScrape, sampleValue } from '../helpers/metrics-text.js';
import { enableTotp, firstStep, post } from '../mfa/mfa-helpers.js';

describe('sign-in metrics from typed outcomes', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock });
  });
  after(async () => {
    await t.close();
  });

  const count = async (labels: Record<string, string>) =>
    sampleValue(parseScrape((await t.app.inject({ method: 'GET', url: '/metrics' })).body), 'gatehouse_sign_ins_total', labels) ?? 0;

  it('an audit row alone counts nothing: the core tells metrics, once committed', async () => {
    const before = await count({ method: 'password', outcome: 'success' });
    await t.services.audit.recordAlone(systemContext, { type: 'login.succeeded', userId: null, data: { method: 'password' } });
    assert.equal(await count({ method: 'password', outcome: 'success' }), before);
  });

  it('the second step counts as mfa (success, and a wrong code as failure reason mfa); a password sign-in of a user with MFA is not yet a success', async () => {
    const u = await enableTotp(t.app, await register(t.app), clock);
    const [passwordBefore, mfaBefore, wrongBefore] = await Promise.all([
      count({ method: 'password', outcome: 'success' }),
      count({ method: 'mfa', outcome: 'success' }),
      count({ method: 'mfa', outcome: 'failure', reason: 'mfa' }),
    ]);
    const { mfa_token } = await firstStep(t.app, u.email);
    expectProblem(await post(t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code: totpCode(u.secret, clock.now() + 10 * 30_000) }), 400, 'invalid_code');
    const done = await post(t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code: totpCode(u.secret, clock.now()) });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(await count({ method: 'password', outcome: 'success' }), passwordBefore);
    assert.equal(await count({ method: 'mfa', outcome: 'success' }), mfaBefore + 1);
    assert.equal(await count({ method: 'mfa', outcome: 'failure', reason: 'mfa' }), wrongBefore + 1);
  });

  it('a wrong current password counts as a reauthentication failure; a disabled account as the password method refused for account_disabled', async () => {
    const u = await register(t.app);
    const reauth = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(u.accessToken), payload: { current_password: WRONG_PASSWORD, new_password: OTHER_PASSWORD } });
    expectProblem(reauth, 403, 'invalid_password');
    assert.equal(await count({ method: 'reauthentication', outcome: 'failure', reason: 'reauthentication' }), 1);

    await t.services.users.updateByAdmin(systemContext, u.id, { disabled: true });
    expectProblem(await login(t.app, u.email), 403, 'account_disabled');
    assert.equal(await count({ method: 'password', outcome: 'failure', reason: 'account_disabled' }), 1);
  });
});
