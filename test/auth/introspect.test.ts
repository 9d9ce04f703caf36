/**
 * POST /auth/introspect (docs/security.md, RFC 7662): off (404) without INTROSPECTION_TOKEN; otherwise
 * authenticated with that bearer secret, takes `token` as JSON or form field and answers
 * { active: true, sub, sid, exp, iat, roles, token_type } or exactly { active: false }.
 */
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, expectProblem, register } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

const SECRET = 'introspection-secret-0123456789';

describe('POST /auth/introspect with INTROSPECTION_TOKEN set', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { PRODUCTS: 'on', INTROSPECTION_TOKEN: SECRET } });
  });
  after(async () => {
    await t.close();
  });
  const introspect = (token: string, headers: Record<string, string> = bearer(SECRET)) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers, payload: { token } });

  it('a missing or wrong bearer → 401 unauthorized', async () => {
    const u = await register(t.app);
    expectProblem(await introspect(u.accessToken, {}), 401, 'unauthorized');
    expectProblem(await introspect(u.accessToken, bearer(`${SECRET}x`)), 401, 'unauthorized');
    expectProblem(await introspect(u.accessToken, bearer(u.accessToken)), 401, 'unauthorized');
    expectProblem(await introspect(u.accessToken, { authorization: SECRET }), 401, 'unauthorized');
  });

  it('JSON body: an active token → exactly { active, sub, sid, exp, iat, roles, permissions, token_type }', async () => {
    const u = await register(t.app);
    const res = await introspect(u.accessToken);
    assert.equal(res.statusCode, 200, res.body);
    const claims = decodeJwt(u.accessToken);
    assert.deepEqual(res.json(), {
      active: true,
      sub: u.id,
      sid: claims.sid,
      exp: claims.exp,
      iat: claims.iat,
      roles: ['buyer'],
      permissions: ['products:read'],
      token_type: 'access_token',
    });
  });

  it('form-encoded body gives the same answer', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/introspect',
      headers: { ...bearer(SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${encodeURIComponent(u.accessToken)}&token_type_hint=access_token`,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().active, true);
    assert.equal(res.json().sub, u.id);
    assert.equal(res.json().token_type, 'access_token');
  });

  it('revoked, garbage, refresh tokens and a disabled user → exactly { active: false }', async () => {
    const u = await register(t.app);
    assert.deepEqual((await introspect(u.refreshToken)).json(), { active: false }, 'a refresh token is not an access token');
    for (const garbage of ['abc', 'a.b.c', '', `${u.accessToken}x`]) {
      assert.deepEqual((await introspect(garbage)).json(), { active: false }, `garbage "${garbage.slice(0, 10)}"`);
    }
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) });
    assert.deepEqual((await introspect(u.accessToken)).json(), { active: false }, 'revoked');

    const v = await register(t.app);
    await t.services.users.updateByAdmin(systemContext, v.id, { disabled: true });
    assert.deepEqual((await introspect(v.accessToken)).json(), { active: false }, 'disabled user');
  });

  it('an expired token → { active: false }', async () => {
    const u = await register(t.app);
    assert.equal((await introspect(u.accessToken)).json().active, true);
    clock.advance(901_000);
    assert.deepEqual((await introspect(u.accessToken)).json(), { active: false });
  });

  it('a missing token field → 400 validation_error', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer(SECRET), payload: {} });
    expectProblem(res, 400, 'validation_error');
  });
});

describe('POST /auth/introspect without INTROSPECTION_TOKEN', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('is off: 404 not_found, whatever the request', async () => {
    const u = await register(t.app);
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer('anything'), payload: { token: u.accessToken } }), 404, 'not_found');
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', payload: { token: u.accessToken } }), 404, 'not_found');
  });
});
