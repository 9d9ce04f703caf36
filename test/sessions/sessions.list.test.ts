/**
 * GET /auth/sessions (docs/security.md, docs/api.md): the caller's live sessions — not revoked, not expired — newest
 * first, each with id, times, IP, raw user agent, the device parsed by ua-parser-js, location and
 * `current` true only for the caller's own. Time is a FakeClock, moved between sign-ins so
 * "newest first" is well defined.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, CHROME_MAC_UA, expectProblem, IPHONE_UA, refresh, register, sessionsOf, signIn } from '../helpers/factories.js';

const SESSION_FIELDS = ['created_at', 'current', 'device', 'expires_at', 'id', 'ip', 'last_used_at', 'location', 'user_agent'];

describe('GET /auth/sessions', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { REFRESH_TOKEN_TTL: '3600', SESSION_MAX_AGE: '86400' } });
  });
  after(async () => {
    await t.close();
  });

  it('lists live sessions newest first, with parsed devices, IP, user agent and current', async () => {
    const u = await register(t.app);
    clock.advance(1000);
    const mac = await signIn(t.app, u.email, u.password, { 'user-agent': CHROME_MAC_UA });
    clock.advance(1000);
    const phone = await signIn(t.app, u.email, u.password, { 'user-agent': IPHONE_UA });
    await register(t.app); // someone else's session is never listed

    const items = await sessionsOf(t.app, mac.access_token);
    assert.equal(items.length, 3);
    for (const s of items) assert.deepEqual(Object.keys(s).sort(), SESSION_FIELDS);
    const created = items.map((s) => Date.parse(s.created_at));
    assert.ok(created[0]! > created[1]! && created[1]! > created[2]!, `newest first: ${items.map((s) => s.created_at)}`);
    assert.deepEqual(items.map((s) => s.current), [false, true, false], 'current only for the caller');

    const [p, m] = items;
    assert.deepEqual(m!.device, { browser: 'Chrome', os: 'Mac OS', type: 'desktop' });
    assert.equal(m!.user_agent, CHROME_MAC_UA);
    assert.equal(m!.ip, '127.0.0.1');
    assert.equal(m!.location, null, 'no GEOIP_DB configured');
    assert.equal(p!.device.type, 'mobile');
    assert.equal(p!.device.os, 'iOS');
    assert.equal(p!.device.browser, 'Mobile Safari');
    assert.equal(p!.user_agent, IPHONE_UA);

    const fromPhone = await sessionsOf(t.app, phone.access_token);
    assert.deepEqual(fromPhone.map((s) => s.current), [true, false, false]);
    assert.deepEqual(fromPhone.map((s) => s.id), items.map((s) => s.id));
  });

  it('times are ISO 8601 UTC; expires_at is the refresh token lifetime from now; a refresh moves last_used_at and expires_at only', async () => {
    const u = await register(t.app);
    const [s] = await sessionsOf(t.app, u.accessToken);
    assert.ok(s);
    for (const field of ['created_at', 'last_used_at', 'expires_at'] as const) assert.match(s[field], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    assert.equal(Date.parse(s.expires_at) - Date.parse(s.created_at), 3_600_000);
    assert.equal(s.last_used_at, s.created_at);

    clock.advance(60_000);
    const r = (await refresh(t.app, { refresh_token: u.refreshToken })).json();
    const [after] = await sessionsOf(t.app, r.access_token);
    assert.ok(after);
    assert.equal(after.id, s.id);
    assert.equal(after.created_at, s.created_at);
    assert.equal(Date.parse(after.last_used_at) - Date.parse(s.last_used_at), 60_000);
    assert.equal(Date.parse(after.expires_at) - Date.parse(s.expires_at), 60_000);
  });

  it('without a user agent the device fields are null', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: u.email, password: u.password }, headers: { 'user-agent': '' } });
    assert.equal(res.statusCode, 200, res.body);
    const mine = (await sessionsOf(t.app, res.json().access_token)).find((s) => s.current);
    assert.deepEqual(mine?.device, { browser: null, os: null, type: null });
  });

  it('revoked sessions are not listed', async () => {
    const u = await register(t.app);
    clock.advance(1000);
    const b = await signIn(t.app, u.email);
    assert.equal((await sessionsOf(t.app, b.access_token)).length, 2);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) });
    const items = await sessionsOf(t.app, b.access_token);
    assert.equal(items.length, 1);
    assert.equal(items[0]!.current, true);
  });

  it('expired sessions are not listed', async () => {
    const u = await register(t.app);
    clock.advance(3_600_000 + 1000); // the first session's refresh token has expired
    const fresh = await signIn(t.app, u.email);
    const items = await sessionsOf(t.app, fresh.access_token);
    assert.equal(items.length, 1);
    assert.equal(items[0]!.current, true);
  });

  it('needs a bearer token', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions' }), 401, 'unauthorized');
  });
});

describe('a session ends with its refresh token, even when access tokens live longer', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { ACCESS_TOKEN_TTL: '7200', REFRESH_TOKEN_TTL: '3600', SESSION_MAX_AGE: '86400' } });
  });
  after(async () => {
    await t.close();
  });

  it('its access tokens are refused once the session is expired (it is no longer listed, nothing is left to revoke)', async () => {
    const u = await register(t.app);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u.accessToken) })).statusCode, 200);
    clock.advance(3_600_000 + 1000);
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u.accessToken) }), 401, 'unauthorized');
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(u.accessToken) }), 401, 'unauthorized');
  });

  it('a refresh renews the session: its tokens keep working past the first expiry', async () => {
    const u = await register(t.app);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u.accessToken) })).statusCode, 200);
    clock.advance(3_000_000);
    const renewed = (await refresh(t.app, { refresh_token: u.refreshToken })).json();
    clock.advance(700_000); // past the first refresh token's expiry, within the second's
    for (const token of [u.accessToken, renewed.access_token]) {
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) })).statusCode, 200);
    }
    assert.equal((await sessionsOf(t.app, renewed.access_token)).length, 1);
  });
});
