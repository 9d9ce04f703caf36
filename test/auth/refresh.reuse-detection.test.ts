/**
 * Refresh-token theft detection (docs/security.md): a rotated refresh token presented later than
 * REFRESH_REUSE_GRACE (default 10 s) after its rotation revokes the whole session — the access
 * tokens and the newest refresh token stop working at once — and answers 401 refresh_token_reused.
 * Time is a FakeClock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { expectProblem, me, refresh, register, signIn } from '../helpers/factories.js';

describe('POST /auth/refresh: reuse after the grace window', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock });
  });
  after(async () => {
    await t.close();
  });

  it('401 refresh_token_reused; the session is revoked: its access tokens and newest refresh token → 401', async () => {
    const u = await register(t.app);
    const rotated = (await refresh(t.app, { refresh_token: u.refreshToken })).json();
    assert.equal((await me(t.app, rotated.access_token)).statusCode, 200, 'cached as live before the theft');
    clock.advance(10_001);
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'refresh_token_reused');
    expectProblem(await me(t.app, rotated.access_token), 401, 'unauthorized');
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    expectProblem(await refresh(t.app, { refresh_token: rotated.refresh_token }), 401, 'invalid_refresh_token');
    assert.equal((await t.services.sessions.listLive(u.id)).length, 0);
  });

  it("revokes only that session: the user's other sessions keep working", async () => {
    const u = await register(t.app);
    const other = await signIn(t.app, u.email);
    await refresh(t.app, { refresh_token: u.refreshToken });
    clock.advance(10_001);
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'refresh_token_reused');
    assert.equal((await me(t.app, other.access_token)).statusCode, 200);
    assert.equal((await refresh(t.app, { refresh_token: other.refresh_token })).statusCode, 200);
  });

  it('is detected when the stale token comes from the cookie too, and is audited', async () => {
    const u = await register(t.app);
    const rotated = (await refresh(t.app, { refresh_token: u.refreshToken })).json();
    clock.advance(60_000);
    expectProblem(await refresh(t.app, undefined, { cookie: `refresh_token=${u.refreshToken}` }), 401, 'refresh_token_reused');
    expectProblem(await me(t.app, rotated.access_token), 401, 'unauthorized');
    const events = await t.services.audit.list({ userId: u.id, type: 'refresh.reused' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 1);
  });

  it('presenting the stale token again later still fails (and never resurrects the session)', async () => {
    const u = await register(t.app);
    const rotated = (await refresh(t.app, { refresh_token: u.refreshToken })).json();
    clock.advance(10_001);
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'refresh_token_reused');
    const again = await refresh(t.app, { refresh_token: u.refreshToken });
    assert.equal(again.statusCode, 401);
    assert.ok(['refresh_token_reused', 'invalid_refresh_token'].includes(again.json().code), again.body);
    expectProblem(await me(t.app, rotated.access_token), 401, 'unauthorized');
  });
});
