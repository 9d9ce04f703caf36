/**
 * Accounts without an email (#16, docs/api.md register, ACCOUNT_EMAIL=optional): some deployments
 * identify people by a login name only. Such an account has `email: null`, signs in by username,
 * and stays unique by username; emails stay unique where present. With the default
 * ACCOUNT_EMAIL=required an email is still needed; ACCOUNT_EMAIL=optional cannot go with
 * REQUIRE_EMAIL_VERIFICATION=true.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, login, PASSWORD, uniqueEmail } from '../helpers/factories.js';

const registerRaw = (t: TestContext, payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });

describe('ACCOUNT_EMAIL=optional', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { ACCOUNT_EMAIL: 'optional' } });
  });
  after(async () => {
    await t.close();
  });

  it('registers with a username and no email: email null, signs in by username', async () => {
    const res = await registerRaw(t, { username: 'nomail_ann', password: PASSWORD });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.user.email, null);
    assert.equal(body.user.username, 'nomail_ann');
    const signedIn = await login(t.app, 'NoMail_Ann');
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(signedIn.json().access_token) });
    assert.equal(me.json().email, null);
  });

  it('several accounts without an email coexist; usernames stay unique', async () => {
    assert.equal((await registerRaw(t, { username: 'nomail_bob', password: PASSWORD })).statusCode, 201);
    assert.equal((await registerRaw(t, { username: 'nomail_cy', password: PASSWORD })).statusCode, 201);
    expectProblem(await registerRaw(t, { username: 'nomail_bob', password: PASSWORD }), 409, 'username_taken');
  });

  it('neither email nor username → 400 naming email; an email alone still works', async () => {
    const none = expectProblem(await registerRaw(t, { password: PASSWORD }), 400, 'validation_error');
    assert.deepEqual(none.errors, [{ field: 'email', message: 'is required' }]);
    assert.equal((await registerRaw(t, { email: uniqueEmail('withmail'), password: PASSWORD })).statusCode, 201);
  });

  it('an admin creates one too, and its password change and deletion re-authenticate by username', async () => {
    const admin = await t.services.users.createByAdmin({ actorId: null, ip: null, userAgent: null }, { username: 'nomail_dee', password: PASSWORD });
    assert.equal(admin.email, null);
    const token = (await login(t.app, 'nomail_dee')).json().access_token as string;
    const wrong = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(token), payload: { password: 'Not-The-Password-1' } });
    expectProblem(wrong, 403, 'invalid_password');
    const deleted = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(token), payload: { password: PASSWORD } });
    assert.equal(deleted.statusCode, 204);
    const events = await t.services.audit.list({ userId: admin.id, type: 'user.deleted' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events[0]!.data.email_domain, null);
  });
});

describe('ACCOUNT_EMAIL=required (the default)', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('a username without an email → 400 naming email', async () => {
    const res = expectProblem(await registerRaw(t, { username: 'needs_mail', password: PASSWORD }), 400, 'validation_error');
    assert.deepEqual(res.errors, [{ field: 'email', message: 'is required' }]);
  });

  it('register accepts username: null, as PATCH /me does', async () => {
    const res = await registerRaw(t, { email: uniqueEmail('nulluser'), username: null, name: null, password: PASSWORD });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().user.username, null);
  });

  it('ACCOUNT_EMAIL=optional with REQUIRE_EMAIL_VERIFICATION=true stops the start', () => {
    assert.throws(() => loadConfig({ ACCOUNT_EMAIL: 'optional', REQUIRE_EMAIL_VERIFICATION: 'true' }), /ACCOUNT_EMAIL/);
  });
});
