/**
 * Two tabs refreshing at once (docs/security.md): a refresh token that was just rotated, presented again
 * within REFRESH_REUSE_GRACE (default 10 s), gets 200 with a fresh access token and the session's
 * CURRENT refresh token — no second rotation, no revocation. Time is a FakeClock.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { me, refresh, register } from '../helpers/factories.js';

describe('POST /auth/refresh: the reuse grace window', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock });
  });
  after(async () => {
    await t.close();
  });

  it('a stale token 9 s after its rotation gets the current token, not a third one, and nothing is revoked', async () => {
    const u = await register(t.app);
    const first = await refresh(t.app, { refresh_token: u.refreshToken });
    assert.equal(first.statusCode, 200);
    clock.advance(9_000);
    const stale = await refresh(t.app, { refresh_token: u.refreshToken });
    assert.equal(stale.statusCode, 200, stale.body);
    assert.equal(stale.json().refresh_token, first.json().refresh_token, "the session's current token");
    assert.equal(stale.cookies.find((c) => c.name === 'refresh_token')?.value, first.json().refresh_token);
    assert.equal(decodeJwt(stale.json().access_token).sid, decodeJwt(u.accessToken).sid);
    assert.equal((await me(t.app, stale.json().access_token)).statusCode, 200, 'a working access token');
    assert.equal((await me(t.app, first.json().access_token)).statusCode, 200, 'nothing was revoked');
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);

    const next = await refresh(t.app, { refresh_token: first.json().refresh_token });
    assert.equal(next.statusCode, 200, 'the current token still rotates (it was not rotated a second time)');
    assert.notEqual(next.json().refresh_token, first.json().refresh_token);
  });

  it('after two rotations, both older tokens (within grace) get the newest token', async () => {
    const u = await register(t.app);
    const t1 = (await refresh(t.app, { refresh_token: u.refreshToken })).json().refresh_token;
    clock.advance(1_000);
    const t2 = (await refresh(t.app, { refresh_token: t1 })).json().refresh_token;
    clock.advance(1_000);
    const fromT0 = await refresh(t.app, { refresh_token: u.refreshToken });
    const fromT1 = await refresh(t.app, { refresh_token: t1 });
    assert.equal(fromT0.statusCode, 200, fromT0.body);
    assert.equal(fromT1.statusCode, 200, fromT1.body);
    assert.equal(fromT0.json().refresh_token, t2);
    assert.equal(fromT1.json().refresh_token, t2);
    assert.equal((await t.services.sessions.listLive(u.id)).length, 1);
  });

  it('two concurrent refreshes with the same token both succeed with the same new token', async () => {
    const u = await register(t.app);
    const [a, b] = await Promise.all([refresh(t.app, { refresh_token: u.refreshToken }), refresh(t.app, { refresh_token: u.refreshToken })]);
    assert.equal(a.statusCode, 200, a.body);
    assert.equal(b.statusCode, 200, b.body);
    assert.equal(a.json().refresh_token, b.json().refresh_token, 'one rotation, one new token');
    assert.notEqual(a.json().refresh_token, u.refreshToken);
    assert.equal((await me(t.app, a.json().access_token)).statusCode, 200);
    assert.equal((await me(t.app, b.json().access_token)).statusCode, 200);
    assert.equal((await refresh(t.app, { refresh_token: a.json().refresh_token })).statusCode, 200, 'the shared token rotates next');
  });
});
