import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, login, PASSWORD, register, uniqueEmail } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

describe('POST /auth/login', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { LOCKOUT_THRESHOLD: '3', LOCKOUT_MINUTES: '0.05' } });
  });
  after(async () => {
    await t.close();
  });

  it("the refresh cookie's Max-Age is the whole REFRESH_TOKEN_TTL (default 604800), counted from the token's own start", async () => {
    const u = await register(t.app);
    for (let i = 0; i < 3; i++) {
      const res = await login(t.app, u.email);
      assert.equal(res.statusCode, 200);
      assert.equal(res.cookies.find((c) => c.name === 'refresh_token')?.maxAge, 604800);
    }
  });

  it('signs in by email (any case, spaces) or username, and accepts `email` as an alias of `login`', async () => {
    const u = await register(t.app, { username: 'Grace_H' });
    for (const id of [u.email, `  ${u.email.toUpperCase()} `, 'grace_h', 'GRACE_H']) {
      const res = await login(t.app, id);
      assert.equal(res.statusCode, 200, `${id}: ${res.body}`);
      assert.equal(res.json().user.id, u.id);
    }
    const alias = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: u.email, password: PASSWORD } });
    assert.equal(alias.statusCode, 200);
    const neither = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { password: PASSWORD } });
    assert.equal(neither.statusCode, 400);
    assert.equal(neither.json().errors[0].field, 'login');
  });

  it('unknown user, wrong password and a password-less account answer the same 401', async () => {
    const u = await register(t.app);
    const nopw = uniqueEmail('nopw');
    await t.services.users.createByAdmin(systemContext, { email: nopw, password: null });
    const bodies = [];
    for (const [id, pw] of [[uniqueEmail('ghost'), PASSWORD], [u.email, 'Wrong-Password-123'], [nopw, PASSWORD]] as const) {
      const res = await login(t.app, id, pw);
      assert.equal(res.statusCode, 401);
      bodies.push(res.body);
    }
    assert.equal(new Set(bodies).size, 1, 'indistinguishable bodies');
    assert.equal(JSON.parse(bodies[0]!).code, 'invalid_credentials');
  });

  it('a disabled account gets 403 account_disabled only after the right password', async () => {
    const u = await register(t.app);
    await t.services.users.updateByAdmin(systemContext, u.id, { disabled: true });
    assert.equal((await login(t.app, u.email, 'Wrong-Password-123')).json().code, 'invalid_credentials');
    const right = await login(t.app, u.email);
    assert.equal(right.statusCode, 403);
    assert.equal(right.json().code, 'account_disabled');
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u.accessToken) })).statusCode, 401, 'its tokens stopped working');
  });

  it('locks an identifier after LOCKOUT_THRESHOLD failures, even with the right password, until the window ends', async () => {
    const u = await register(t.app);
    for (let i = 1; i <= 3; i++) assert.equal((await login(t.app, u.email, 'Wrong-Password-123')).statusCode, 401, `attempt ${i}`);
    const locked = await login(t.app, u.email.toUpperCase());
    assert.equal(locked.statusCode, 423);
    assert.equal(locked.json().code, 'account_locked');
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 3, `Retry-After ${retryAfter}`);
    const deadline = Date.now() + 6000;
    let status = 423;
    while (status === 423 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await login(t.app, u.email)).statusCode;
    }
    assert.equal(status, 200, 'unlocked when the window ended');
  });

  it('counts failures for identifiers nobody has, and a success resets the count', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 0; i < 3; i++) await login(t.app, ghost, 'x');
    assert.equal((await login(t.app, ghost, 'x')).statusCode, 423);

    const u = await register(t.app);
    await login(t.app, u.email, 'Wrong-Password-123');
    await login(t.app, u.email, 'Wrong-Password-123');
    assert.equal((await login(t.app, u.email)).statusCode, 200);
    await login(t.app, u.email, 'Wrong-Password-123');
    await login(t.app, u.email, 'Wrong-Password-123');
    assert.equal((await login(t.app, u.email)).statusCode, 200, 'the earlier failures were forgotten');
  });
});

describe('login rate limits', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { RATE_LIMIT_LOGIN_IP: '4/60', LOCKOUT_THRESHOLD: '2' } });
  });
  after(async () => {
    await t.close();
  });

  it('429 rate_limited with Retry-After past the per-IP limit, and 429 wins over 423', async () => {
    const u = await register(t.app);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(t.app, u.email, 'Wrong-Password-123')).statusCode);
    assert.deepEqual(statuses, [401, 401, 423, 423, 429]);
    const limited = await login(t.app, u.email);
    assert.equal(limited.json().code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });
});

describe('per-identifier, register and API-wide limits', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { RATE_LIMIT_LOGIN_ID: '2/60', RATE_LIMIT_REGISTER_IP: '2/3600', RATE_LIMIT_API_IP: '30/60' } });
  });
  after(async () => {
    await t.close();
  });

  it('limits attempts per identifier, per registering IP, and every API call per IP', async () => {
    const id = uniqueEmail('target');
    assert.deepEqual([await login(t.app, id, 'x'), await login(t.app, id, 'x'), await login(t.app, id, 'x')].map((r) => r.statusCode), [401, 401, 429]);
    assert.equal((await login(t.app, uniqueEmail('other'), 'x')).statusCode, 401, 'another identifier is not limited');
    const reg = async () => (await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail(), password: PASSWORD } })).statusCode;
    assert.deepEqual([await reg(), await reg(), await reg()], [201, 201, 429]);
    let last = 0;
    for (let i = 0; i < 40 && last !== 429; i++) last = (await t.app.inject({ method: 'GET', url: '/api/v1/hello' })).statusCode;
    assert.equal(last, 429, 'the API-wide limit applies to every /api route');
    assert.equal((await t.app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'health checks are not API calls');
  });
});
