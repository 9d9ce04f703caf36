/**
 * Access tokens (SPEC §3) verify with nothing but the published JWKS: ES256 (P-256) by default, header
 * kid/alg, claims iss (= PUBLIC_URL without its trailing slash), sub, aud, iat, exp
 * (exp − iat = ACCESS_TOKEN_TTL), jti, sid, roles. JWKS is cacheable for 5 minutes.
 */
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, PASSWORD, register, sessionsOf, uniqueEmail } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

const ISSUER = 'http://auth.example.test:8000';

describe('access tokens and JWKS (ES256, the default)', () => {
  let t: TestContext;
  let jwks: JSONWebKeySet;
  before(async () => {
    t = await buildTestContext({ env: { PUBLIC_URL: `${ISSUER}/`, ACCESS_TOKEN_TTL: '600' } });
    jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
  });
  after(async () => {
    await t.close();
  });

  it('GET /.well-known/jwks.json: public P-256 keys only, with kid, alg and use; Cache-Control: public, max-age=300', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'public, max-age=300');
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const body = res.json() as JSONWebKeySet;
    assert.equal(body.keys.length, 1);
    const [k] = body.keys;
    assert.equal(k!.kty, 'EC');
    assert.equal(k!.crv, 'P-256');
    assert.equal(k!.alg, 'ES256');
    assert.equal(k!.use, 'sig');
    assert.ok(typeof k!.kid === 'string' && k!.kid.length > 0);
    for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(priv in k!, false, `no private part "${priv}"`);
  });

  it('verifies with jose against the JWKS and carries every claim', async () => {
    const email = uniqueEmail('claims');
    const reg = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    const body = reg.json();
    assert.equal(body.expires_in, 600, 'expires_in = ACCESS_TOKEN_TTL');
    const before = Math.floor(Date.now() / 1000);
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'gatehouse' });
    assert.equal(protectedHeader.alg, 'ES256');
    assert.equal(protectedHeader.kid, jwks.keys[0]!.kid);
    assert.equal(payload.iss, ISSUER, 'PUBLIC_URL without the trailing slash');
    assert.equal(payload.sub, body.user.id);
    assert.ok(payload.aud === 'gatehouse' || (Array.isArray(payload.aud) && payload.aud.includes('gatehouse')));
    assert.ok(Number.isInteger(payload.iat) && Math.abs(payload.iat! - before) <= 60, `iat ${payload.iat} is now`);
    assert.equal(payload.exp! - payload.iat!, 600);
    assert.ok(typeof payload.jti === 'string' && payload.jti.length >= 16);
    const [session] = await sessionsOf(t.app, body.access_token);
    assert.equal(payload.sid, session!.id, 'sid is the session id');
    assert.deepEqual(payload.roles, ['buyer']);
  });

  it('every token has its own jti; roles reflect the user’s roles', async () => {
    const u = await register(t.app);
    const again = (await login(t.app, u.email)).json();
    const verify = (token: string) => jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'gatehouse' });
    assert.notEqual((await verify(u.accessToken)).payload.jti, (await verify(again.access_token)).payload.jti);

    const email = uniqueEmail('seller');
    await t.services.users.createByAdmin(systemContext, { email, password: PASSWORD, roles: ['seller'] });
    const seller = (await login(t.app, email)).json();
    assert.deepEqual((await verify(seller.access_token)).payload.roles, ['seller']);
    assert.equal(decodeProtectedHeader(seller.access_token).kid, jwks.keys[0]!.kid);
  });
});
