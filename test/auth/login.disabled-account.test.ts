/**
 * A disabled account (docs/api.md): 403 account_disabled, but only after the right password — a wrong
 * password stays 401 invalid_credentials, so disabling does not reveal the account.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, me, refresh, register, WRONG_PASSWORD } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

describe('POST /auth/login: disabled accounts', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('403 account_disabled only with the right password; 401 with a wrong one', async () => {
    const u = await register(t.app, { username: 'soon_disabled' });
    await t.services.users.updateByAdmin(systemContext, u.id, { disabled: true });
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, 'soon_disabled', WRONG_PASSWORD), 401, 'invalid_credentials');
    const right = await login(t.app, u.email);
    expectProblem(right, 403, 'account_disabled');
    assert.equal(right.cookies.length, 0, 'no session, no cookie');
    expectProblem(await login(t.app, 'soon_disabled'), 403, 'account_disabled');
    const events = await t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 10, cursor: null }).then((p) => p.items);
    assert.equal(events.filter((e) => e.data.reason === 'account_disabled').length, 2, 'each refusal is audited');
  });

  it("disabling ends the user's sessions; re-enabling lets them sign in again", async () => {
    const u = await register(t.app);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
    await t.services.users.updateByAdmin(systemContext, u.id, { disabled: true });
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    assert.equal((await refresh(t.app, { refresh_token: u.refreshToken })).statusCode, 401);
    await t.services.users.updateByAdmin(systemContext, u.id, { disabled: false });
    assert.equal((await login(t.app, u.email)).statusCode, 200);
  });
});
