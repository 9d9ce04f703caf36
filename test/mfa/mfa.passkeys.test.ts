/**
 * Passkeys (docs/security.md) with a software authenticator that signs for real: registration (options,
 * verification, excludeCredentials, names, the list), a passkey as the second factor (amr hwk),
 * the passwordless sign-in (amr hwk + user) and its refusals, removal (the last factor voids the
 * recovery codes), the admin reset, and OpenAPI documenting every MFA operation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, cookieOf, expectProblem, me, refresh, register, signIn, uniqueEmail, type TestUser, USER_FIELDS } from '../helpers/factories.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { addPasskey, claimsOf, enableTotp, firstStep, post } from './mfa-helpers.js';

const ORIGIN = 'http://localhost:8000';

describe('passkeys', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { PUBLIC_URL: ORIGIN } });
  });
  after(async () => {
    await t.close();
  });

  const overview = async (token: string) => (await t.app.inject({ method: 'GET', url: '/api/v1/auth/mfa', headers: bearer(token) })).json();
  const passwordlessOptions = async () => {
    const res = await post(t.app, '/api/v1/auth/login/passkey/options', null);
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as { challenge_id: string; options: { challenge: string; rpId: string; userVerification: string; allowCredentials?: { id: string }[] } };
  };

  it('registers a passkey: RP ID without port, attestation none, UV preferred; the first turns MFA on with recovery codes', async () => {
    const u = await register(t.app, { email: uniqueEmail('pk') });
    const options = (await post(t.app, '/api/v1/auth/mfa/passkeys/options', u.accessToken, { password: u.password })).json();
    assert.equal(options.rp.id, 'localhost');
    assert.equal(options.attestation, 'none');
    assert.equal(options.authenticatorSelection.userVerification, 'preferred');
    assert.deepEqual(options.excludeCredentials, []);
    const authenticator = new SoftAuthenticator(ORIGIN);
    const added = await post(t.app, '/api/v1/auth/mfa/passkeys', u.accessToken, { name: 'Laptop', response: authenticator.register(options) });
    assert.equal(added.statusCode, 201, added.body);
    const body = added.json();
    assert.equal(body.name, 'Laptop');
    assert.equal(body.recovery_codes.length, 10);
    assert.equal((await me(t.app, u.accessToken)).json().mfa, true);

    // a second one: excludeCredentials lists the first, and no new recovery codes
    clock.advance(1000);
    const again = (await post(t.app, '/api/v1/auth/mfa/passkeys/options', u.accessToken, { password: u.password })).json();
    assert.equal(again.excludeCredentials.length, 1);
    const other = new SoftAuthenticator(ORIGIN);
    const second = await post(t.app, '/api/v1/auth/mfa/passkeys', u.accessToken, { response: other.register(again) });
    assert.equal(second.statusCode, 201, second.body);
    assert.equal(second.json().recovery_codes, null);
    assert.equal(second.json().name, 'Passkey');
    const listed = await overview(u.accessToken);
    assert.deepEqual(listed.passkeys.map((p: { name: string }) => p.name), ['Laptop', 'Passkey']);
    assert.deepEqual(Object.keys(listed.passkeys[0]).sort(), ['created_at', 'id', 'last_used_at', 'name']);
    assert.equal(listed.passkeys[0].last_used_at, null);
    assert.deepEqual((await firstStep(t.app, u.email)).methods, ['recovery_code', 'webauthn']);
  });

  it('a registration that does not verify is 400 validation_error naming response; the challenge is single use', async () => {
    const u = await register(t.app);
    const add = (response: unknown) => post(t.app, '/api/v1/auth/mfa/passkeys', u.accessToken, { response });
    const authenticator = new SoftAuthenticator(ORIGIN);
    // no options asked for
    let options = { challenge: 'AAAA', rp: { id: 'localhost', name: 'x' }, user: { id: 'dXNlcg', name: 'u', displayName: 'u' }, pubKeyCredParams: [{ alg: -7, type: 'public-key' }] };
    const body = expectProblem(await add(authenticator.register(options)), 400, 'validation_error');
    assert.equal(body.errors?.[0]?.field, 'response');
    // the wrong origin
    options = (await post(t.app, '/api/v1/auth/mfa/passkeys/options', u.accessToken, { password: u.password })).json();
    expectProblem(await add(authenticator.register(options, { origin: 'https://evil.example' })), 400, 'validation_error');
    // the challenge was spent by that attempt
    expectProblem(await add(authenticator.register(options)), 400, 'validation_error');
    // malformed
    expectProblem(await add({ id: 'x' }), 400, 'validation_error');
    assert.equal((await me(t.app, u.accessToken)).json().mfa, false);
  });

  describe('a passkey as the second factor', () => {
    let u: TestUser;
    const authenticator = new SoftAuthenticator(ORIGIN);
    before(async () => {
      u = await register(t.app);
      await addPasskey(t.app, u, authenticator, 'Key');
    });

    it('answers the token response with amr pwd+hwk+mfa, kept by refresh; last_used_at is set', async () => {
      const { mfa_token, methods } = await firstStep(t.app, u.email);
      assert.deepEqual(methods, ['recovery_code', 'webauthn']);
      const options = (await post(t.app, '/api/v1/auth/login/mfa/options', null, { mfa_token })).json();
      assert.equal(options.allowCredentials.length, 1);
      const res = await post(t.app, '/api/v1/auth/login/mfa', null, { mfa_token, webauthn: authenticator.authenticate(options, { userVerified: false }) });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(claimsOf(res.json().access_token).amr, ['pwd', 'hwk', 'mfa']);
      assert.equal(cookieOf(res)?.value, res.json().refresh_token);
      const refreshed = await refresh(t.app, { refresh_token: res.json().refresh_token });
      assert.deepEqual(claimsOf(refreshed.json().access_token).amr, ['pwd', 'hwk', 'mfa']);
      assert.notEqual((await overview(res.json().access_token)).passkeys[0].last_used_at, null);
    });

    it("a forged signature, another user's passkey or a replayed assertion is invalid_code", async () => {
      const { mfa_token } = await firstStep(t.app, u.email);
      const ask = async () => (await post(t.app, '/api/v1/auth/login/mfa/options', null, { mfa_token })).json();
      expectProblem(await post(t.app, '/api/v1/auth/login/mfa', null, { mfa_token, webauthn: authenticator.authenticate(await ask(), { badSignature: true }) }), 400, 'invalid_code');
      const stranger = new SoftAuthenticator(ORIGIN);
      await addPasskey(t.app, await register(t.app), stranger);
      const options = await ask();
      expectProblem(await post(t.app, '/api/v1/auth/login/mfa', null, { mfa_token, webauthn: stranger.authenticate({ ...options, allowCredentials: [] }) }), 400, 'invalid_code');
      const good = authenticator.authenticate(await ask());
      assert.equal((await post(t.app, '/api/v1/auth/login/mfa', null, { mfa_token, webauthn: good })).statusCode, 200);
      const next = await firstStep(t.app, u.email);
      await post(t.app, '/api/v1/auth/login/mfa/options', null, { mfa_token: next.mfa_token });
      expectProblem(await post(t.app, '/api/v1/auth/login/mfa', null, { mfa_token: next.mfa_token, webauthn: good }), 400, 'invalid_code');
    });
  });

  describe('passwordless sign-in', () => {
    let u: TestUser;
    const authenticator = new SoftAuthenticator(ORIGIN);
    before(async () => {
      u = await register(t.app);
      await addPasskey(t.app, u, authenticator);
    });

    it('a discoverable passkey with user verification signs in on its own: amr hwk+user', async () => {
      const { challenge_id, options } = await passwordlessOptions();
      assert.equal(options.rpId, 'localhost');
      assert.equal(options.userVerification, 'required');
      assert.deepEqual(options.allowCredentials ?? [], []);
      const res = await post(t.app, '/api/v1/auth/login/passkey', null, { challenge_id, response: authenticator.authenticate(options) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body.user).sort(), USER_FIELDS);
      assert.equal(body.user.id, u.id);
      assert.deepEqual(claimsOf(body.access_token).amr, ['hwk', 'user']);
      assert.equal(cookieOf(res)?.value, body.refresh_token);
      assert.deepEqual(claimsOf((await refresh(t.app, { refresh_token: body.refresh_token })).json().access_token).amr, ['hwk', 'user']);
      const events = (await t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 1, cursor: null })).items;
      assert.equal((events[0]?.data as { method?: string }).method, 'passkey');
    });

    it('no user verification, a bad signature, an unknown credential or a spent challenge: 401 invalid_credentials', async () => {
      let { challenge_id, options } = await passwordlessOptions();
      expectProblem(await post(t.app, '/api/v1/auth/login/passkey', null, { challenge_id, response: authenticator.authenticate(options, { userVerified: false }) }), 401, 'invalid_credentials');
      ({ challenge_id, options } = await passwordlessOptions());
      expectProblem(await post(t.app, '/api/v1/auth/login/passkey', null, { challenge_id, response: authenticator.authenticate(options, { badSignature: true }) }), 401, 'invalid_credentials');
      ({ challenge_id, options } = await passwordlessOptions());
      const unregistered = new SoftAuthenticator(ORIGIN);
      unregistered.register({ challenge: 'AAAA', rp: { id: 'localhost', name: 'x' }, user: { id: 'dXNlcg', name: 'u', displayName: 'u' }, pubKeyCredParams: [{ alg: -7, type: 'public-key' }] });
      expectProblem(await post(t.app, '/api/v1/auth/login/passkey', null, { challenge_id, response: unregistered.authenticate(options) }), 401, 'invalid_credentials');
      // spent by the failure above: a good assertion on it is refused too
      expectProblem(await post(t.app, '/api/v1/auth/login/passkey', null, { challenge_id, response: authenticator.authenticate(options) }), 401, 'invalid_credentials');
      // an expired one
      ({ challenge_id, options } = await passwordlessOptions());
      clock.advance(6 * 60 * 1000);
      expectProblem(await post(t.app, '/api/v1/auth/login/passkey', null, { challenge_id, response: authenticator.authenticate(options) }), 401, 'invalid_credentials');
      const failed = (await t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 10, cursor: null })).items;
      assert.ok(failed.some((e) => (e.data as { reason?: string }).reason === 'passkey'));
    });
  });

  it("removes a passkey (another user's id is 404); the last factor gone voids the recovery codes and turns MFA off", async () => {
    const u = await register(t.app);
    const authenticator = new SoftAuthenticator(ORIGIN);
    const added = await addPasskey(t.app, u, authenticator);
    const other = await register(t.app);
    const remove = (user: TestUser, id: string, payload: object | undefined) =>
      t.app.inject({ method: 'DELETE', url: `/api/v1/auth/mfa/passkeys/${id}`, headers: bearer(user.accessToken), ...(payload ? { payload } : {}) });
    expectProblem(await remove(other, added.id, { password: other.password }), 404, 'not_found');
    expectProblem(await remove(u, added.id, undefined), 400, 'validation_error');
    assert.equal((await remove(u, added.id, { password: u.password })).statusCode, 204);
    assert.deepEqual(await overview(u.accessToken), { totp: false, recovery_codes_left: 0, passkeys: [] });
    assert.equal((await me(t.app, u.accessToken)).json().mfa, false);
    const types = (await t.services.audit.list({ userId: u.id, type: null }, { limit: 50, cursor: null })).items.map((e) => e.type);
    assert.ok(types.includes('passkey.added') && types.includes('passkey.removed') && types.includes('mfa.disabled'), types.join(','));
  });

  it('an admin resets every factor (204); the user signs in with the password alone; others get 403', async () => {
    const u = await enableTotp(t.app, await register(t.app), clock);
    await addPasskey(t.app, u, new SoftAuthenticator(ORIGIN));
    const admin = await t.services.users.createByAdmin(systemContext, { email: uniqueEmail('admin'), password: u.password, roles: ['admin'] });
    const adminToken = (await signIn(t.app, admin.email!)).access_token;
    expectProblem(await post(t.app, `/api/v1/admin/users/${u.id}/mfa/reset`, u.accessToken), 403, 'forbidden');
    expectProblem(await post(t.app, `/api/v1/admin/users/${u.id}/mfa/reset`, null), 401, 'unauthorized');
    expectProblem(await post(t.app, `/api/v1/admin/users/00000000-0000-4000-8000-000000000000/mfa/reset`, adminToken), 404, 'not_found');
    assert.equal((await post(t.app, `/api/v1/admin/users/${u.id}/mfa/reset`, adminToken)).statusCode, 204);
    const signedIn = await signIn(t.app, u.email);
    assert.deepEqual(claimsOf(signedIn.access_token).amr, ['pwd']);
    assert.deepEqual(await overview(signedIn.access_token), { totp: false, recovery_codes_left: 0, passkeys: [] });
    const reset = (await t.services.audit.list({ userId: u.id, type: 'mfa.reset' }, { limit: 1, cursor: null })).items[0];
    assert.equal(reset?.actorId, admin.id);
  });

  it('OpenAPI documents every MFA operation with its request and response schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>> };
    const operations: [string, string, boolean][] = [
      ['/api/v1/auth/mfa', 'get', false],
      ['/api/v1/auth/mfa/totp/setup', 'post', true],
      ['/api/v1/auth/mfa/totp/confirm', 'post', true],
      ['/api/v1/auth/mfa/totp', 'delete', true],
      ['/api/v1/auth/mfa/recovery-codes', 'post', true],
      ['/api/v1/auth/mfa/passkeys/options', 'post', true],
      ['/api/v1/auth/mfa/passkeys', 'post', true],
      ['/api/v1/auth/mfa/passkeys/{id}', 'delete', true],
      ['/api/v1/auth/login/mfa', 'post', true],
      ['/api/v1/auth/login/mfa/options', 'post', true],
      ['/api/v1/auth/login/passkey/options', 'post', false],
      ['/api/v1/auth/login/passkey', 'post', true],
      ['/api/v1/admin/users/{id}/mfa/reset', 'post', false],
    ];
    for (const [path, method, hasBody] of operations) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path}`);
      if (hasBody) assert.ok(op.requestBody, `${method.toUpperCase()} ${path} request body`);
      assert.ok(Object.keys(op.responses ?? {}).some((s) => s.startsWith('2')), `${method.toUpperCase()} ${path} success response`);
    }
    const login = JSON.stringify(doc.paths['/api/v1/auth/login']?.post?.responses?.['200']);
    assert.ok(login.includes('mfa_token'), 'POST /login documents mfa_required');
  });
});
