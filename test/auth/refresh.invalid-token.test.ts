/**
 * POST /auth/refresh with a token that does not work (docs/api.md): unknown, malformed, revoked or
 * expired → 401 invalid_refresh_token; no token at all (empty body with or without Content-Type,
 * no cookie) → 400 validation_error. Time is a FakeClock.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, expectProblem, refresh, register } from '../helpers/factories.js';

describe('POST /auth/refresh: tokens that do not work', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { REFRESH_TOKEN_TTL: '3600' } });
  });
  after(async () => {
    await t.close();
  });

  it('unknown or garbage tokens → 401 invalid_refresh_token (body or cookie)', async () => {
    const u = await register(t.app);
    const garbage = [randomBytes(32).toString('base64url'), 'x'.repeat(43), 'short', 'a.b.c', '%%%', ' ', u.accessToken, `${u.refreshToken}x`, 'z'.repeat(500)];
    for (const token of garbage) {
      expectProblem(await refresh(t.app, { refresh_token: token }), 401, 'invalid_refresh_token');
    }
    expectProblem(await refresh(t.app, undefined, { cookie: `refresh_token=${randomBytes(32).toString('base64url')}` }), 401, 'invalid_refresh_token');
    assert.equal((await refresh(t.app, { refresh_token: u.refreshToken })).statusCode, 200, 'the real one was not disturbed');
  });

  it("a logged-out session's token → 401 invalid_refresh_token", async () => {
    const u = await register(t.app);
    assert.equal((await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) })).statusCode, 204);
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'invalid_refresh_token');
  });

  it('an expired token (past REFRESH_TOKEN_TTL) → 401 invalid_refresh_token', async () => {
    const u = await register(t.app);
    clock.advance(3_600_000 + 1_000);
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'invalid_refresh_token');
  });

  it('no token at all → 401 invalid_refresh_token: no body, empty body with or without Content-Type, {}, null, ""', async () => {
    expectProblem(await refresh(t.app), 401, 'invalid_refresh_token');
    expectProblem(await refresh(t.app, '', { 'content-type': 'application/json' }), 401, 'invalid_refresh_token');
    expectProblem(await refresh(t.app, '', { 'content-type': 'application/x-www-form-urlencoded' }), 401, 'invalid_refresh_token');
    expectProblem(await refresh(t.app, {}), 401, 'invalid_refresh_token');
    expectProblem(await refresh(t.app, 'null', { 'content-type': 'application/json' }), 401, 'invalid_refresh_token');
    expectProblem(await refresh(t.app, { refresh_token: '' }), 401, 'invalid_refresh_token');
    expectProblem(await refresh(t.app, { refresh_token: 'x'.repeat(2000) }), 401, 'invalid_refresh_token');
  });

  it('an empty form-typed body with the cookie is accepted (curl -d "")', async () => {
    const u = await register(t.app);
    const res = await refresh(t.app, '', { 'content-type': 'application/x-www-form-urlencoded', cookie: `refresh_token=${u.refreshToken}` });
    assert.equal(res.statusCode, 200, res.body);
  });

  it('wrong types and unknown fields → 400 validation_error', async () => {
    const typed = expectProblem(await refresh(t.app, { refresh_token: 42 }), 400, 'validation_error');
    assert.ok(typed.errors?.some((e) => e.field === 'refresh_token'), JSON.stringify(typed.errors));
    const extra = expectProblem(await refresh(t.app, { refresh_token: 'x', sid: 'y' }), 400, 'validation_error');
    assert.ok(extra.errors?.some((e) => e.field === 'sid'), JSON.stringify(extra.errors));
  });
});
