/**
 * Guards: the admin actions that hand over an account or the console — setting another user's
 * password, resetting their MFA, granting users:admin — need the admin's session to be younger
 * than 10 minutes (else 403 forbidden, saying to sign in again), on the API and on the console's
 * forms; other changes do not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, OTHER_PASSWORD, userWithRoles, type TestUser } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { PageClient } from '../helpers/page-client.js';
import { api } from './admin-helpers.js';

const ELEVEN_MINUTES = 11 * 60 * 1000;

describe('sensitive admin actions need a fresh session', () => {
  let t: TestContext;
  const clock = new FakeClock(Date.now());
  before(async () => {
    t = await buildTestContext({ clock, env: { ACCESS_TOKEN_TTL: '3600', PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  it('API: password, MFA reset and granting users:admin answer 403 from a session older than 10 minutes; a fresh sign-in passes', async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const target = await userWithRoles(t.app, ['buyer'], 'target');
    clock.advance(ELEVEN_MINUTES);
    const stale = api(t.app, admin.accessToken);

    for (const [method, url, payload] of [
      ['PATCH', `/admin/users/${target.id}`, { password: OTHER_PASSWORD }],
      ['POST', `/admin/users/${target.id}/mfa/reset`, undefined],
      ['PATCH', `/admin/users/${target.id}`, { roles: ['buyer', 'admin'] }],
    ] as const) {
      const res = await stale(method, url, payload);
      const problem = expectProblem(res, 403, 'forbidden');
      assert.match(problem.detail ?? '', /Sign in again/, `${method} ${url}: ${res.body}`);
    }
    const unchanged = await t.services.users.get(target.id);
    assert.deepEqual(unchanged.roles, ['buyer']);

    // what is not sensitive still works from the old session: another role, disabling
    assert.equal((await stale('PATCH', `/admin/users/${target.id}`, { roles: ['buyer', 'seller'] })).statusCode, 200);
    assert.equal((await stale('PATCH', `/admin/users/${target.id}`, { disabled: true })).statusCode, 200);
    assert.equal((await stale('PATCH', `/admin/users/${target.id}`, { disabled: false })).statusCode, 200);

    // signed in again: all three pass
    const fresh = api(t.app, (await userWithFreshSession(admin)).accessToken);
    assert.equal((await fresh('PATCH', `/admin/users/${target.id}`, { password: OTHER_PASSWORD })).statusCode, 200);
    assert.equal((await fresh('POST', `/admin/users/${target.id}/mfa/reset`)).statusCode, 204);
    assert.equal((await fresh('PATCH', `/admin/users/${target.id}`, { roles: ['buyer', 'admin'] })).statusCode, 200);
  });

  it("console: granting admin and resetting MFA from an old page session show the 403's message on the form", async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'console-admin');
    const target = await userWithRoles(t.app, ['buyer'], 'console-target');
    const root = new PageClient(t.app);
    await root.signIn(admin.email);
    await root.get(`/admin/users/${target.id}`);
    clock.advance(ELEVEN_MINUTES);

    const grant = await root.post(`/admin/users/${target.id}/roles`, { roles: ['buyer', 'admin'] });
    assert.equal(grant.statusCode, 403);
    assert.match(grant.body, /role="alert"/);
    assert.match(grant.body, /Sign in again \(within the last 10 minutes\) to grant users:admin/);
    const reset = await root.post(`/admin/users/${target.id}/mfa/reset`, {});
    assert.equal(reset.statusCode, 403);
    assert.match(reset.body, /Sign in again \(within the last 10 minutes\) to reset a user/);
    assert.deepEqual((await t.services.users.get(target.id)).roles, ['buyer']);

    // another role is not sensitive
    assert.equal((await root.post(`/admin/users/${target.id}/roles`, { roles: ['buyer', 'seller'] })).statusCode, 303);
  });

  async function userWithFreshSession(user: TestUser): Promise<{ accessToken: string }> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: user.email, password: user.password } });
    assert.equal(res.statusCode, 200, res.body);
    return { accessToken: res.json().access_token as string };
  }
});
