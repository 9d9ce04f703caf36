/**
 * Guards #16's third finding: the current password could be guessed without limit through POST
 * /auth/password and DELETE /account (a stolen 15-minute token was enough to take the account
 * over). A wrong current password now counts towards the account's lockout like a failed sign-in
 * (docs/security.md: the identifier is its email), is audited as login.failed with reason
 * "reauthentication", and once locked these calls — and sign-in — answer 423 account_locked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, login, OTHER_PASSWORD, PASSWORD, register, WRONG_PASSWORD } from '../helpers/factories.js';

describe('re-authentication counts towards the lockout', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { LOCKOUT_THRESHOLD: '3', LOCKOUT_MINUTES: '0.05' } });
  });
  after(async () => {
    await t.close();
  });
  const changePassword = (token: string, current: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token), payload: { current_password: current, new_password: OTHER_PASSWORD } });
  const deleteAccount = (token: string, password: string) => t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(token), payload: { password } });

  it('POST /password: 3 wrong current passwords → 403 each, then 423 even with the right one; sign-in is locked too', async () => {
    const u = await register(t.app);
    for (let i = 0; i < 3; i++) expectProblem(await changePassword(u.accessToken, WRONG_PASSWORD), 403, 'invalid_password');
    const locked = expectProblem(await changePassword(u.accessToken, PASSWORD), 423, 'account_locked');
    assert.match(locked.detail ?? '', /Try again in \d+ seconds?\./, 'LOCKOUT_MINUTES=0.05: the wait in seconds');
    expectProblem(await login(t.app, u.email, PASSWORD), 423, 'account_locked');
    const events = await t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 10, cursor: null }).then((p) => p.items);
    assert.equal(events.filter((e) => e.data.reason === 'reauthentication').length, 3);
    assert.ok(events.every((e) => e.actorId === u.id || e.data.reason !== 'reauthentication'), 'the account holder acted');
  });

  it('DELETE /account: wrong passwords count the same way; the account survives', async () => {
    const u = await register(t.app);
    for (let i = 0; i < 3; i++) expectProblem(await deleteAccount(u.accessToken, WRONG_PASSWORD), 403, 'invalid_password');
    expectProblem(await deleteAccount(u.accessToken, PASSWORD), 423, 'account_locked');
    assert.notEqual(await t.services.users.findById(t.services.database.db, u.id), null);
  });

  it('failed sign-ins and wrong current passwords add up on one count', async () => {
    const u = await register(t.app);
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await changePassword(u.accessToken, WRONG_PASSWORD), 403, 'invalid_password');
    expectProblem(await changePassword(u.accessToken, PASSWORD), 423, 'account_locked');
  });

  it('a right current password resets the count, as a successful sign-in does', async () => {
    const u = await register(t.app);
    expectProblem(await changePassword(u.accessToken, WRONG_PASSWORD), 403, 'invalid_password');
    expectProblem(await changePassword(u.accessToken, WRONG_PASSWORD), 403, 'invalid_password');
    const changed = await changePassword(u.accessToken, PASSWORD);
    assert.equal(changed.statusCode, 200, changed.body);
    const token = changed.json().access_token as string;
    expectProblem(await deleteAccount(token, WRONG_PASSWORD), 403, 'invalid_password');
    expectProblem(await deleteAccount(token, WRONG_PASSWORD), 403, 'invalid_password');
    assert.equal((await deleteAccount(token, OTHER_PASSWORD)).statusCode, 204);
  });
});
