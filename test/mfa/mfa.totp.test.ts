/**
 * TOTP and recovery codes over HTTP (docs/security.md): set-up, confirmation, the overview, turning TOTP
 * off with a TOTP or a recovery code, regenerating codes, `mfa` on the user object, and the
 * re-authentication every change needs (docs/security.md: a wrong password counts towards the lockout).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, expectProblem, me, register, signIn, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { enableTotp, post } from './mfa-helpers.js';

describe('TOTP and recovery codes', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { LOCKOUT_THRESHOLD: '3' } });
  });
  after(async () => {
    await t.close();
  });

  const overview = async (token: string) => (await t.app.inject({ method: 'GET', url: '/api/v1/auth/mfa', headers: bearer(token) })).json();

  it('set-up answers a base32 secret and the otpauth URI; nothing is on until a code confirms it', async () => {
    const u = await register(t.app, { email: uniqueEmail('totp') });
    const res = await post(t.app, '/api/v1/auth/mfa/totp/setup', u.accessToken, { password: u.password });
    assert.equal(res.statusCode, 200, res.body);
    const { secret, otpauth_uri } = res.json();
    assert.match(secret, /^[A-Z2-7]+$/);
    assert.equal(otpauth_uri, `otpauth://totp/localhost:${encodeURIComponent(u.email)}?secret=${secret}&issuer=localhost`);
    assert.deepEqual(await overview(u.accessToken), { totp: false, recovery_codes_left: 0, passkeys: [] });
    assert.equal((await me(t.app, u.accessToken)).json().mfa, false);

    // a wrong code, then a second set-up replaces the first: the first secret's codes no longer confirm
    expectProblem(await post(t.app, '/api/v1/auth/mfa/totp/confirm', u.accessToken, { code: '000000' === totpCode(secret, clock.now()) ? '111111' : '000000' }), 400, 'invalid_code');
    const second = (await post(t.app, '/api/v1/auth/mfa/totp/setup', u.accessToken, { password: u.password })).json();
    expectProblem(await post(t.app, '/api/v1/auth/mfa/totp/confirm', u.accessToken, { code: totpCode(secret, clock.now()) }), 400, 'invalid_code');

    const confirmed = await post(t.app, '/api/v1/auth/mfa/totp/confirm', u.accessToken, { code: totpCode(second.secret, clock.now()) });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const codes = confirmed.json().recovery_codes as string[];
    assert.equal(codes.length, 10);
    for (const c of codes) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
    assert.deepEqual(await overview(u.accessToken), { totp: true, recovery_codes_left: 10, passkeys: [] });
    assert.equal((await me(t.app, u.accessToken)).json().mfa, true);

    const events = await t.services.audit.list({ userId: u.id, type: null }, { limit: 50, cursor: null });
    const types = events.items.map((e) => e.type);
    assert.ok(types.includes('mfa.enabled') && types.includes('mfa.recovery_codes_generated'), types.join(','));
  });

  it('confirm without a pending set-up is invalid_code; the confirming code counts as used', async () => {
    const u = await register(t.app);
    expectProblem(await post(t.app, '/api/v1/auth/mfa/totp/confirm', u.accessToken, { code: '123456' }), 400, 'invalid_code');
    const { secret } = (await post(t.app, '/api/v1/auth/mfa/totp/setup', u.accessToken, { password: u.password })).json();
    const code = totpCode(secret, clock.now());
    assert.equal((await post(t.app, '/api/v1/auth/mfa/totp/confirm', u.accessToken, { code })).statusCode, 200);
    // the same code cannot turn TOTP off (replay within its window)
    expectProblem(await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', headers: bearer(u.accessToken), payload: { password: u.password, code } }), 400, 'invalid_code');
  });

  it('turns TOTP off with a current code (replay refused) or a recovery code; 409 when off; codes go with the last factor', async () => {
    const u = await enableTotp(t.app, await register(t.app), clock);
    const del = (payload: object) => t.app.inject({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', headers: bearer(u.accessToken), payload });
    expectProblem(await del({ password: u.password, code: '12345' }), 400, 'invalid_code');
    assert.equal((await del({ password: u.password, code: totpCode(u.secret, clock.now()) })).statusCode, 204);
    assert.deepEqual(await overview(u.accessToken), { totp: false, recovery_codes_left: 0, passkeys: [] });
    assert.equal((await me(t.app, u.accessToken)).json().mfa, false);
    expectProblem(await del({ password: u.password, code: totpCode(u.secret, clock.now()) }), 409, 'mfa_not_enabled');

    const v = await enableTotp(t.app, await register(t.app), clock);
    const delV = (payload: object) => t.app.inject({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', headers: bearer(v.accessToken), payload });
    assert.equal((await delV({ password: v.password, code: v.recoveryCodes[0]!.toUpperCase().replace('-', '') })).statusCode, 204);
    const types = (await t.services.audit.list({ userId: v.id, type: null }, { limit: 50, cursor: null })).items.map((e) => e.type);
    assert.ok(types.includes('mfa.recovery_code_used') && types.includes('mfa.disabled'), types.join(','));
  });

  it('regenerates recovery codes (the old set void); 409 without MFA', async () => {
    const u = await register(t.app);
    expectProblem(await post(t.app, '/api/v1/auth/mfa/recovery-codes', u.accessToken, { password: u.password }), 409, 'mfa_not_enabled');
    const v = await enableTotp(t.app, u, clock);
    const res = await post(t.app, '/api/v1/auth/mfa/recovery-codes', v.accessToken, { password: v.password });
    assert.equal(res.statusCode, 200, res.body);
    const fresh = res.json().recovery_codes as string[];
    assert.equal(fresh.length, 10);
    assert.equal(fresh.filter((c) => v.recoveryCodes.includes(c)).length, 0);
    // an old code no longer turns TOTP off; a new one does
    const del = (code: string) => t.app.inject({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', headers: bearer(v.accessToken), payload: { password: v.password, code } });
    expectProblem(await del(v.recoveryCodes[1]!), 400, 'invalid_code');
    assert.equal((await del(fresh[0]!)).statusCode, 204);
  });

  it('re-authentication: password required (400), wrong (403 invalid_password) counts towards the lockout (then 423)', async () => {
    const u = await register(t.app);
    const body = expectProblem(await post(t.app, '/api/v1/auth/mfa/totp/setup', u.accessToken, {}), 400, 'validation_error');
    assert.equal(body.errors?.[0]?.field, 'password');
    expectProblem(await post(t.app, '/api/v1/auth/mfa/totp/setup', u.accessToken, { password: WRONG_PASSWORD }), 403, 'invalid_password');
    expectProblem(await post(t.app, '/api/v1/auth/mfa/passkeys/options', u.accessToken, { password: WRONG_PASSWORD }), 403, 'invalid_password');
    expectProblem(await post(t.app, '/api/v1/auth/mfa/recovery-codes', u.accessToken, { password: WRONG_PASSWORD }), 403, 'invalid_password');
    // LOCKOUT_THRESHOLD=3: locked now, even with the right password, and for sign-in too
    expectProblem(await post(t.app, '/api/v1/auth/mfa/totp/setup', u.accessToken, { password: u.password }), 423, 'account_locked');
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: u.email, password: u.password } }), 423, 'account_locked');
    const failed = (await t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 10, cursor: null })).items;
    assert.ok(failed.some((e) => (e.data as { reason?: string }).reason === 'reauthentication'));
    clock.advance(16 * 60 * 1000);
  });

  it('a password-less account changes factors from a session younger than 10 minutes, else 403', async () => {
    const created = await t.services.users.createByAdmin(systemContext, { email: uniqueEmail('nopw'), password: null });
    const session = await t.services.database.db.transaction().execute((tx) => t.services.sessions.create(tx, { userId: created.id, ip: null, userAgent: null, amr: ['hwk', 'user'] }));
    const { token } = await t.services.keys.sign({ sub: created.id, sid: session.sessionId, roles: created.roles, amr: session.amr });
    const setup = await post(t.app, '/api/v1/auth/mfa/totp/setup', token);
    assert.equal(setup.statusCode, 200, setup.body);
    clock.advance(11 * 60 * 1000);
    const { token: later } = await t.services.keys.sign({ sub: created.id, sid: session.sessionId, roles: created.roles });
    expectProblem(await post(t.app, '/api/v1/auth/mfa/totp/setup', later), 403, 'forbidden');
  });

  it('the user object says mfa everywhere it is shaped (token response, admin API)', async () => {
    const u = await enableTotp(t.app, await register(t.app), clock);
    const admin = await t.services.users.createByAdmin(systemContext, { email: uniqueEmail('admin'), password: u.password, roles: ['admin'] });
    const adminToken = (await signIn(t.app, admin.email!)).access_token;
    const viewed = await t.app.inject({ method: 'GET', url: `/api/v1/admin/users/${u.id}`, headers: bearer(adminToken) });
    assert.equal(viewed.json().mfa, true);
  });
});
