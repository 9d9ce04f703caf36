/**
 * REQUIRE_EMAIL_VERIFICATION=true (docs/api.md): registration answers 201 with `{ user }` only — no
 * tokens, no cookie — and sign-in is refused with 403 email_not_verified (only after the right
 * password; a wrong one stays 401) until the address is verified.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, PASSWORD, uniqueEmail, USER_FIELDS, WRONG_PASSWORD } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

describe('registration with REQUIRE_EMAIL_VERIFICATION=true', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
  });
  after(async () => {
    await t.close();
  });

  it('201 with { user } only: no access or refresh token, no cookie', async () => {
    const email = uniqueEmail('verify');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body), ['user']);
    assert.deepEqual(Object.keys(body.user).sort(), USER_FIELDS);
    assert.equal(body.user.email, email);
    assert.equal(body.user.email_verified, false);
    assert.equal(res.cookies.length, 0, 'no refresh cookie');
    assert.deepEqual(await t.services.sessions.listLive(body.user.id), [], 'no session was started');
  });

  it('login → 403 email_not_verified with the right password, 401 with a wrong one; 200 once verified', async () => {
    const email = uniqueEmail('verify');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    const id = res.json().user.id;
    expectProblem(await login(t.app, email, WRONG_PASSWORD), 401, 'invalid_credentials');
    const refused = await login(t.app, email);
    expectProblem(refused, 403, 'email_not_verified');
    assert.equal(refused.cookies.length, 0);

    await t.services.users.updateByAdmin(systemContext, id, { emailVerified: true });
    const ok = await login(t.app, email);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().user.email_verified, true);
  });
});
