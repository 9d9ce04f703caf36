/**
 * Short access-token lifetimes (#16, docs/operations.md): ACCESS_TOKEN_TTL accepts any value from 1 s (how
 * people test their refresh logic), and Gatehouse checks its own tokens' `exp` without leeway: a
 * one-second token works at once and is refused as soon as its second is over, while refreshing
 * still works.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { loadConfig } from '../../src/config/load-config.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { expectProblem, me, refresh, register } from '../helpers/factories.js';

describe('ACCESS_TOKEN_TTL=1', () => {
  // starts on a whole second, so "its second is over" is exact
  const clock = new FakeClock(Math.ceil(Date.now() / 1000) * 1000);
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { ACCESS_TOKEN_TTL: '1' } });
  });
  after(async () => {
    await t.close();
  });

  it('works during its second, is refused at exp (no leeway), and refreshing gives another', async () => {
    const u = await register(t.app);
    const claims = decodeJwt(u.accessToken);
    assert.equal(claims.exp! - claims.iat!, 1);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
    clock.advance(999);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'cached, and still inside its second');
    clock.advance(1);
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    const next = await refresh(t.app, { refresh_token: u.refreshToken });
    assert.equal(next.statusCode, 200);
    assert.equal(next.json().expires_in, 1);
    assert.equal((await me(t.app, next.json().access_token)).statusCode, 200);
  });

  it('0 is refused at start; 1 is accepted', () => {
    assert.throws(() => loadConfig({ ACCESS_TOKEN_TTL: '0' }), /ACCESS_TOKEN_TTL/);
    assert.equal(loadConfig({ ACCESS_TOKEN_TTL: '1' }).accessTokenTtl, 1);
  });
});
