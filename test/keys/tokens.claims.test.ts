/**
 * Access tokens (docs/security.md) verify with nothing but the published JWKS: ES256 (P-256) by default, header
 * kid/alg, claims iss (= PUBLIC_URL without its trailing slash), sub, aud, iat, exp
 * (exp − iat = ACCESS_TOKEN_TTL), jti, sid, roles, and permissions — the union of the roles'
 * permissions when the token was issued, the operator's own permissions included. JWKS is cacheable
 * for 5 minutes.
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
    assert.deepEqual(payload.roles, ['user'], 'DEFAULT_ROLE is user');
    assert.deepEqual(payload.permissions, [], 'the user role grants no permission');
  });

  it('every token has its own jti; roles and permissions reflect the user’s roles, the operator’s own permissions included', async () => {
    const u = await register(t.app);
    const again = (await login(t.app, u.email)).json();
    const verify = (token: string) => jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'gatehouse' });
    assert.notEqual((await verify(u.accessToken)).payload.jti, (await verify(again.access_token)).payload.jti);

    await t.services.roles.createPermission(systemContext, { name: 'invoices:read', description: null });
    await t.services.roles.createPermission(systemContext, { name: 'invoices:approve', description: 'Approve invoices' });
    await t.services.roles.create(systemContext, { name: 'accountant', description: null, permissions: ['invoices:read', 'invoices:approve'] });
    await t.services.roles.create(systemContext, { name: 'auditor', description: null, permissions: ['invoices:read'] });
    const email = uniqueEmail('accountant');
    await t.services.users.createByAdmin(systemContext, { email, password: PASSWORD, roles: ['accountant', 'auditor'] });
    const accountant = (await login(t.app, email)).json();
    const { payload } = await verify(accountant.access_token);
    assert.deepEqual(payload.roles, ['accountant', 'auditor']);
    assert.deepEqual(payload.permissions, ['invoices:approve', 'invoices:read'], 'the union, each once');
    assert.equal(decodeProtectedHeader(accountant.access_token).kid, jwks.keys[0]!.kid);

    const adminEmail = uniqueEmail('admin');
    await t.services.users.createByAdmin(systemContext, { email: adminEmail, password: PASSWORD, roles: ['admin'] });
    const admin = await verify((await login(t.app, adminEmail)).json().access_token);
    assert.deepEqual(admin.payload.permissions, ['invoices:approve', 'invoices:read', 'users:admin'], 'admin: every permission of the catalogue');
  });
});

describe('access tokens with PRODUCTS=on', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  it('a new account gets buyer (the default role with the module) and its products:read; a seller both products permissions', async () => {
    const u = await register(t.app);
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
    const verify = (token: string) => jwtVerify(token, createLocalJWKSet(jwks), { audience: 'gatehouse' });
    const buyer = (await verify(u.accessToken)).payload;
    assert.deepEqual(buyer.roles, ['buyer']);
    assert.deepEqual(buyer.permissions, ['products:read']);
    const email = uniqueEmail('seller');
    await t.services.users.createByAdmin(systemContext, { email, password: PASSWORD, roles: ['seller'] });
    const seller = (await verify((await login(t.app, email)).json().access_token)).payload;
    assert.deepEqual(seller.roles, ['seller']);
    assert.deepEqual(seller.permissions, ['products:read', 'products:write']);
  });
});
