import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, login, OTHER_PASSWORD, register } from '../helpers/factories.js';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const me = (t: TestContext, token: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });

describe('sessions, logout and password change', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on', TRUSTED_PROXIES: '10.0.0.0/8,127.0.0.1' } });
  });
  after(async () => {
    await t.close();
  });

  it('lists live sessions newest first with device, IP and the current one marked', async () => {
    const u = await register(t.app);
    const mac = (await login(t.app, u.email, u.password, { 'user-agent': CHROME_MAC, 'x-forwarded-for': '203.0.113.7' })).json();
    const phone = (await login(t.app, u.email, u.password, { 'user-agent': IPHONE })).json();
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(mac.access_token) });
    const items = res.json().items;
    assert.equal(items.length, 3);
    assert.equal(items[0].device.type, 'mobile');
    assert.equal(items[0].device.os, 'iOS');
    assert.deepEqual(items[1].device, { browser: 'Chrome', os: 'Mac OS', type: 'desktop' });
    assert.equal(items[1].ip, '203.0.113.7', 'X-Forwarded-For from a trusted proxy');
    assert.equal(items[1].user_agent, CHROME_MAC);
    assert.deepEqual(items.map((s: { current: boolean }) => s.current), [false, true, false]);
    assert.equal(items[1].location, null);
    void phone;
  });

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    const t2 = await buildTestContext();
    try {
      const u = await register(t2.app);
      const res = await login(t2.app, u.email, u.password, { 'x-forwarded-for': '203.0.113.9' });
      const items = (await t2.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(res.json().access_token) })).json().items;
      assert.ok(items.every((s: { ip: string }) => s.ip === '127.0.0.1'));
    } finally {
      await t2.close();
    }
  });

  it("revokes one session (its token stops at once); another user's session is 404; malformed id 400", async () => {
    const u = await register(t.app);
    const other = await register(t.app);
    const second = (await login(t.app, u.email)).json();
    const items = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(second.access_token) })).json().items;
    const firstId = items.find((s: { current: boolean }) => !s.current).id;
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${firstId}`, headers: bearer(other.accessToken) })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${firstId}`, headers: bearer(second.access_token) })).statusCode, 204);
    assert.equal((await me(t, u.accessToken)).statusCode, 401);
    assert.equal((await me(t, second.access_token)).statusCode, 200);
    const after = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(second.access_token) })).json().items;
    assert.equal(after.length, 1, 'revoked sessions are not listed');
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/sessions/123', headers: bearer(second.access_token) })).statusCode, 400);
  });

  it('logout by bearer or by cookie ends that session; unknown or no cookie is still 204; logout-all ends all', async () => {
    const u = await register(t.app);
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) });
    assert.equal(out.statusCode, 204);
    const cleared = out.cookies.find((c) => c.name === 'refresh_token');
    assert.ok(cleared && (cleared.maxAge === 0 || (cleared.expires && cleared.expires.getTime() < Date.now())), 'cookie cleared');
    assert.equal((await me(t, u.accessToken)).statusCode, 401);

    const s = (await login(t.app, u.email)).json();
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: `refresh_token=${s.refresh_token}` } })).statusCode, 204);
    assert.equal((await me(t, s.access_token)).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie: 'refresh_token=unknown' } })).statusCode, 204);
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode, 204);

    const a = (await login(t.app, u.email)).json();
    const b = (await login(t.app, u.email)).json();
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: bearer(a.access_token) })).statusCode, 204);
    assert.equal((await me(t, a.access_token)).statusCode, 401);
    assert.equal((await me(t, b.access_token)).statusCode, 401);
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: b.refresh_token } })).statusCode, 401);
  });

  it('password change: wrong current → 403 (never 401), weak → 422, success ends every other session', async () => {
    const u = await register(t.app);
    const other = (await login(t.app, u.email)).json();
    const change = (payload: object, token = u.accessToken) => t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token), payload });
    const wrong = await change({ current_password: 'Not-It-At-All-1', new_password: OTHER_PASSWORD });
    assert.equal(wrong.statusCode, 403);
    assert.equal(wrong.json().code, 'invalid_password');
    assert.equal((await change({ current_password: u.password, new_password: 'password' })).json().code, 'weak_password');
    const ok = await change({ current_password: u.password, new_password: OTHER_PASSWORD });
    assert.equal(ok.statusCode, 200);
    assert.ok(ok.json().access_token);
    assert.equal((await me(t, u.accessToken)).statusCode, 401);
    assert.equal((await me(t, other.access_token)).statusCode, 401);
    assert.equal((await me(t, ok.json().access_token)).statusCode, 200);
    assert.equal((await login(t.app, u.email, u.password)).statusCode, 401);
    assert.equal((await login(t.app, u.email, OTHER_PASSWORD)).statusCode, 200);
  });

  it('/me, PATCH /me and /hello', async () => {
    const u = await register(t.app);
    const other = await register(t.app, { username: 'taken_name' });
    void other;
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: bearer(u.accessToken), payload });
    const ok = await patch({ name: 'Ada', username: 'Ada.L', avatar_url: 'https://img.example.com/a.png' });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().username, 'ada.l');
    assert.equal(ok.json().avatar_url, 'https://img.example.com/a.png');
    assert.equal((await patch({ name: null })).json().name, null);
    assert.equal((await patch({ username: 'TAKEN_NAME' })).json().code, 'username_taken');
    assert.equal((await patch({ username: 'x' })).statusCode, 400);
    assert.equal((await patch({ avatar_url: 'javascript:alert(1)' })).statusCode, 400);
    assert.equal((await patch({ roles: ['admin'] })).statusCode, 400);
    const meBody = (await me(t, u.accessToken)).json();
    assert.deepEqual(meBody.permissions, ['products:read']);
    assert.deepEqual(meBody.roles, ['buyer']);
    const hello = await t.app.inject({ method: 'GET', url: '/api/v1/hello', headers: bearer(u.accessToken) });
    assert.deepEqual(hello.json(), { message: 'hello world', user_id: u.id });
  });
});
