/**
 * Guards #16's fourth finding: a refresh token rotated out more than REFRESH_REUSE_GRACE seconds
 * ago, presented to /logout, was accepted as a plain logout. It is reuse — whoever holds it may
 * have stolen it — so the session is revoked as on /refresh and `refresh.reused` is audited. The
 * answer stays 204 (logout always is).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { expectProblem, me, refresh, register } from '../helpers/factories.js';

describe('POST /auth/logout with a rotated-out refresh token', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { REFRESH_REUSE_GRACE: '10' } });
  });
  after(async () => {
    await t.close();
  });
  const logout = (token: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', payload: { refresh_token: token } });

  it('after the grace window: 204, the whole session revoked, refresh.reused audited', async () => {
    const u = await register(t.app);
    const rotated = (await refresh(t.app, { refresh_token: u.refreshToken })).json();
    clock.advance(11_000);
    assert.equal((await logout(u.refreshToken)).statusCode, 204);
    expectProblem(await refresh(t.app, { refresh_token: rotated.refresh_token }), 401, 'invalid_refresh_token');
    expectProblem(await me(t.app, rotated.access_token), 401, 'unauthorized');
    const events = await t.services.audit.list({ userId: u.id, type: 'refresh.reused' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.data.via, 'logout');
  });

  it('within the grace window it is an ordinary logout of that session', async () => {
    const u = await register(t.app);
    await refresh(t.app, { refresh_token: u.refreshToken });
    clock.advance(5_000);
    assert.equal((await logout(u.refreshToken)).statusCode, 204);
    const events = await t.services.audit.list({ userId: u.id, type: null }, { limit: 10, cursor: null }).then((p) => p.items);
    assert.deepEqual(events.map((e) => e.type).filter((x) => x === 'logout' || x === 'refresh.reused'), ['logout']);
  });
});
