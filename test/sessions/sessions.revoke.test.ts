/**
 * DELETE /auth/sessions/{id} (docs/api.md): revokes one of the caller's own sessions — its tokens stop
 * at once; someone else's, unknown or already revoked → 404; a malformed id → 400 (after the 401
 * check for anonymous callers).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, me, refresh, register, sessionsOf, signIn } from '../helpers/factories.js';

describe('DELETE /auth/sessions/{id}', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });
  const revoke = (token: string | null, id: string) =>
    t.app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${id}`, headers: token ? bearer(token) : {} });

  it("204; that session's access token (even if cached) and refresh token stop at once; the caller's lives", async () => {
    const u = await register(t.app);
    const second = await signIn(t.app, u.email);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
    const target = (await sessionsOf(t.app, second.access_token)).find((s) => !s.current)!;
    const res = await revoke(second.access_token, target.id);
    assert.equal(res.statusCode, 204);
    assert.equal(res.body, '');
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    expectProblem(await refresh(t.app, { refresh_token: u.refreshToken }), 401, 'invalid_refresh_token');
    assert.equal((await me(t.app, second.access_token)).statusCode, 200);
    const left = await sessionsOf(t.app, second.access_token);
    assert.equal(left.length, 1, 'the revoked session is no longer listed');
    assert.equal(left[0]!.current, true);
  });

  it('the current session can be revoked too', async () => {
    const u = await register(t.app);
    const [current] = await sessionsOf(t.app, u.accessToken);
    assert.equal((await revoke(u.accessToken, current!.id)).statusCode, 204);
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
  });

  it("another user's session → 404 not_found, and it keeps working", async () => {
    const owner = await register(t.app);
    const other = await register(t.app);
    const [s] = await sessionsOf(t.app, owner.accessToken);
    expectProblem(await revoke(other.accessToken, s!.id), 404, 'not_found');
    assert.equal((await me(t.app, owner.accessToken)).statusCode, 200);
  });

  it('an unknown or already revoked session → 404 not_found', async () => {
    const u = await register(t.app);
    const second = await signIn(t.app, u.email);
    expectProblem(await revoke(u.accessToken, randomUUID()), 404, 'not_found');
    const target = (await sessionsOf(t.app, second.access_token)).find((s) => !s.current)!;
    assert.equal((await revoke(second.access_token, target.id)).statusCode, 204);
    expectProblem(await revoke(second.access_token, target.id), 404, 'not_found');
  });

  it('a malformed id → 400 validation_error on id; anonymous → 401 before that', async () => {
    const u = await register(t.app);
    for (const id of ['123', 'not-a-uuid', `${randomUUID()}x`]) {
      const body = expectProblem(await revoke(u.accessToken, id), 400, 'validation_error');
      assert.ok(body.errors?.some((e) => e.field === 'id'), JSON.stringify(body.errors));
    }
    expectProblem(await revoke(null, '123'), 401, 'unauthorized');
    expectProblem(await revoke(null, randomUUID()), 401, 'unauthorized');
  });

  it('is audited as session.revoked', async () => {
    const u = await register(t.app);
    const [s] = await sessionsOf(t.app, u.accessToken);
    await revoke(u.accessToken, s!.id);
    const events = await t.services.audit.list({ userId: u.id, type: 'session.revoked' }, { limit: 5, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 1);
  });
});
