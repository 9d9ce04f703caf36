import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, register } from '../helpers/factories.js';

const ISSUER = 'http://localhost:8000';

for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
  describe(`access tokens verify with JWKS alone (${alg})`, () => {
    let t: TestContext;
    before(async () => {
      t = await buildTestContext({ env: { PRODUCTS: 'on', JWT_ALG: alg } });
    });
    after(async () => {
      await t.close();
    });

    it('carries iss, sub, aud, iat, exp, jti, sid, roles and a kid', async () => {
      const u = await register(t.app);
      const jwksRes = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
      assert.equal(jwksRes.headers['cache-control'], 'public, max-age=300');
      const jwks = jwksRes.json() as JSONWebKeySet;
      assert.ok(jwks.keys.every((k) => !('d' in k)), 'no private parts published');
      const { payload, protectedHeader } = await jwtVerify(u.accessToken, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'gatehouse' });
      assert.equal(protectedHeader.alg, alg);
      assert.ok(jwks.keys.some((k) => k.kid === protectedHeader.kid));
      assert.equal(payload.sub, u.id);
      assert.deepEqual(payload.roles, ['buyer']);
      assert.equal(payload.exp! - payload.iat!, 900);
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
      assert.match(String(payload.sid), /^[0-9a-f-]{36}$/);
    });
  });
}

describe('forged, foreign, expired and rotated tokens', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock, env: { INTROSPECTION_TOKEN: 'introspect-secret-123' } });
  });
  after(async () => {
    await t.close();
  });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(token) });

  it('refuses tampered, foreign-key, alg:none and garbage tokens with 401 and WWW-Authenticate', async () => {
    const u = await register(t.app);
    const [h, p, s] = u.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, roles: ['admin'] })).toString('base64url')}.${s}`;
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = decodeProtectedHeader(u.accessToken).kid!;
    void (await exportJWK(publicKey));
    const foreign = await new SignJWT({ sid: claims.sid, roles: ['admin'] }).setProtectedHeader({ alg: 'EdDSA', kid }).setIssuer(ISSUER).setAudience('gatehouse').setSubject(u.id).setJti('x').setIssuedAt().setExpirationTime('5m').sign(privateKey);
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}.${p}.`;
    for (const token of [tampered, foreign, none, 'garbage', `${u.accessToken}x`]) {
      const res = await me(token);
      assert.equal(res.statusCode, 401, token.slice(0, 20));
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    }
    assert.equal((await me(u.accessToken)).statusCode, 200);
  });

  it('an expired token is refused (and introspects inactive); rotated keys keep old tokens valid', async () => {
    const u = await register(t.app);
    const introspect = (token: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer('introspect-secret-123'), payload: { token } });
    const active = (await introspect(u.accessToken)).json();
    assert.deepEqual(Object.keys(active).sort(), ['active', 'exp', 'iat', 'permissions', 'roles', 'sid', 'sub', 'token_type']);
    assert.equal(active.active, true);
    assert.equal(active.sub, u.id);
    assert.equal(active.token_type, 'access_token');

    const oldKid = decodeProtectedHeader(u.accessToken).kid;
    const newKid = await t.services.keys.rotate();
    assert.notEqual(newKid, oldKid);
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    assert.deepEqual(jwks.keys.map((k: { kid: string }) => k.kid).sort(), [oldKid, newKid].sort());
    assert.equal((await me(u.accessToken)).statusCode, 200, 'signed by the retired key, still valid');
    const fresh = (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: u.refreshToken } })).json();
    assert.equal(decodeProtectedHeader(fresh.access_token).kid, newKid);

    clock.advance(901_000);
    assert.equal((await me(u.accessToken)).statusCode, 401);
    assert.deepEqual((await introspect(u.accessToken)).json(), { active: false });
  });

  it('introspection: JSON or form body, a wrong secret is 401, revoked and garbage are inactive', async () => {
    const u = await register(t.app);
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/introspect',
      headers: { ...bearer('introspect-secret-123'), 'content-type': 'application/x-www-form-urlencoded' },
      payload: `token=${encodeURIComponent(u.accessToken)}`,
    });
    assert.equal(form.json().active, true);
    const wrong = await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer('nope'), payload: { token: u.accessToken } });
    assert.equal(wrong.statusCode, 401);
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(u.accessToken) });
    const revoked = await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer('introspect-secret-123'), payload: { token: u.accessToken } });
    assert.deepEqual(revoked.json(), { active: false });
    const garbage = await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer('introspect-secret-123'), payload: { token: 'abc' } });
    assert.deepEqual(garbage.json(), { active: false });
  });
});

describe('introspection off', () => {
  it('answers 404 when INTROSPECTION_TOKEN is unset', async () => {
    const t = await buildTestContext();
    try {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/introspect', headers: bearer('x'), payload: { token: 'x' } });
      assert.equal(res.statusCode, 404);
      assert.equal(res.json().code, 'not_found');
    } finally {
      await t.close();
    }
  });
});
