/**
 * Key rotation (docs/security.md): `keys.rotate()` (what `gatehouse keys rotate` calls) publishes a second
 * key; tokens signed by the old one keep verifying until they expire, new tokens carry the new kid,
 * and the retired key leaves the JWKS once every token it signed has expired. FakeClock.
 */
import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { expectProblem, me, refresh, register, signIn } from '../helpers/factories.js';

describe('signing key rotation', () => {
  const clock = new FakeClock();
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ clock });
  });
  after(async () => {
    await t.close();
  });
  const jwks = async () => (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;

  it('publishes both keys; old tokens still verify; new tokens carry the new kid; the old key goes after its tokens expire', async () => {
    const u = await register(t.app);
    const oldKid = decodeProtectedHeader(u.accessToken).kid!;
    assert.deepEqual((await jwks()).keys.map((k) => k.kid), [oldKid]);

    const newKid = await t.services.keys.rotate();
    assert.notEqual(newKid, oldKid);
    const both = await jwks();
    assert.equal(both.keys.length, 2);
    assert.deepEqual(both.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());

    assert.equal((await me(t.app, u.accessToken)).statusCode, 200, 'signed by the retired key, still accepted');
    const verified = await jwtVerify(u.accessToken, createLocalJWKSet(both), { issuer: 'http://localhost:8000', audience: 'gatehouse' });
    assert.equal(verified.protectedHeader.kid, oldKid, 'third parties verify it from the new JWKS');

    const signedIn = await signIn(t.app, u.email);
    assert.equal(decodeProtectedHeader(signedIn.access_token).kid, newKid);
    const refreshed = (await refresh(t.app, { refresh_token: u.refreshToken })).json();
    assert.equal(decodeProtectedHeader(refreshed.access_token).kid, newKid);
    assert.equal((await me(t.app, refreshed.access_token)).statusCode, 200);

    clock.advance(899_000);
    await t.services.keys.reload();
    assert.equal((await jwks()).keys.length, 2, 'still published while its tokens may be valid');

    clock.advance(900_000 + 120_000);
    await t.services.keys.reload();
    assert.deepEqual((await jwks()).keys.map((k) => k.kid), [newKid], 'retired key dropped once its tokens have expired');
    expectProblem(await me(t.app, u.accessToken), 401, 'unauthorized');
    const later = await signIn(t.app, u.email);
    assert.equal((await me(t.app, later.access_token)).statusCode, 200);
  });

  it('rotating twice publishes three keys while all may have live tokens', async () => {
    const before = (await jwks()).keys.length;
    await t.services.keys.rotate();
    const newest = await t.services.keys.rotate();
    const after = await jwks();
    assert.equal(after.keys.length, before + 2);
    const u = await register(t.app);
    assert.equal(decodeProtectedHeader(u.accessToken).kid, newest, 'signed with the newest key');
  });
});
