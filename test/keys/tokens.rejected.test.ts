/**
 * Tokens Gatehouse must refuse (docs/api.md, docs/security.md) with 401 unauthorized and `WWW-Authenticate: Bearer`:
 * signed by a foreign key, tampered, `alg: none`, HMAC with the public key, wrong issuer or
 * audience, unknown kid, unknown session, expired (FakeClock) and plain garbage. The wrong-issuer /
 * wrong-audience cases are signed with Gatehouse's own private key (opened from the database with
 * the test SECRETS_KEY), and a correctly-claimed token signed the same way is accepted, so each
 * refusal is about the one thing that is wrong.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { after, before, describe, it } from 'node:test';
import { SecretBox } from '../../src/security/secret-box.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { expectProblem, me, register, type TestUser } from '../helpers/factories.js';

const ISSUER = 'http://localhost:8000';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('refused access tokens', () => {
  const clock = new FakeClock();
  let t: TestContext;
  let u: TestUser;
  let kid: string;
  let ownKey: Awaited<ReturnType<typeof importJWK>>;

  before(async () => {
    t = await buildTestContext({ clock });
    u = await register(t.app);
    kid = decodeProtectedHeader(u.accessToken).kid!;
    const row = await t.services.database.db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirstOrThrow();
    const privateJwk = JSON.parse(new SecretBox(Buffer.from(t.secretsKey, 'base64'), 'signing-keys').open(row.private_key_enc)) as JWK;
    ownKey = await importJWK(privateJwk, 'ES256');
  });
  after(async () => {
    await t.close();
  });

  /** a token like Gatehouse's, signed with Gatehouse's own key, with `changes` applied */
  async function ownSigned(changes: { iss?: string; aud?: string; kid?: string; payload?: JWTPayload } = {}): Promise<string> {
    const claims = decodeJwt(u.accessToken);
    const now = Math.floor(clock.now() / 1000);
    return new SignJWT({ sid: claims.sid, roles: claims.roles, ...changes.payload })
      .setProtectedHeader({ alg: 'ES256', kid: changes.kid ?? kid, typ: 'JWT' })
      .setIssuer(changes.iss ?? ISSUER)
      .setAudience(changes.aud ?? 'gatehouse')
      .setSubject(u.id)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(ownKey);
  }

  async function assertRefused(token: string, label: string) {
    const res = await me(t.app, token);
    expectProblem(res, 401, 'unauthorized');
    assert.equal(res.headers['www-authenticate'], 'Bearer', `${label}: WWW-Authenticate`);
  }

  it('control: a token signed with our own key and correct claims is accepted', async () => {
    assert.equal((await me(t.app, await ownSigned())).statusCode, 200);
    assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
  });

  it('a token signed by a foreign key (same kid and claims) → 401', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const claims = decodeJwt(u.accessToken);
    const foreign = await new SignJWT({ sid: claims.sid, roles: ['admin'] })
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .setIssuer(ISSUER)
      .setAudience('gatehouse')
      .setSubject(u.id)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await assertRefused(foreign, 'foreign key');
  });

  it('a tampered payload or signature → 401', async () => {
    const [h, p, s] = u.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as JWTPayload;
    await assertRefused(`${h}.${b64({ ...claims, roles: ['admin'] })}.${s}`, 'payload');
    await assertRefused(`${h}.${b64({ ...claims, exp: (claims.exp ?? 0) + 86_400 })}.${s}`, 'exp');
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    await assertRefused(`${h}.${p}.${flipped}`, 'signature');
    await assertRefused(`${h}.${p}.`, 'no signature');
  });

  it('alg: none and HS256 keyed with the public key → 401', async () => {
    const [, p] = u.accessToken.split('.') as [string, string];
    await assertRefused(`${b64({ alg: 'none', kid, typ: 'JWT' })}.${p}.`, 'alg none');
    await assertRefused(`${b64({ alg: 'none' })}.${p}.`, 'alg none, no kid');
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: JWK[] };
    const publicX = new TextEncoder().encode(String(jwks.keys[0]!.x));
    const claims = decodeJwt(u.accessToken);
    const hmac = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', kid }).sign(publicX);
    await assertRefused(hmac, 'HS256 with the public key');
  });

  it('the wrong issuer, the wrong audience or an unknown kid (with our own key) → 401', async () => {
    await assertRefused(await ownSigned({ iss: 'http://evil.example' }), 'issuer');
    await assertRefused(await ownSigned({ iss: `${ISSUER}/` }), 'issuer with a slash');
    await assertRefused(await ownSigned({ aud: 'another-service' }), 'audience');
    await assertRefused(await ownSigned({ kid: 'some-other-kid' }), 'unknown kid');
  });

  it('a valid signature for a session that does not exist → 401', async () => {
    await assertRefused(await ownSigned({ payload: { sid: randomUUID() } }), 'unknown sid');
  });

  it('garbage → 401', async () => {
    for (const token of ['garbage', 'a.b.c', `${u.accessToken}x`, u.refreshToken]) await assertRefused(token, token.slice(0, 12));
    const spaced = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${u.accessToken} ${u.accessToken}` } });
    expectProblem(spaced, 401, 'unauthorized');
  });

  it('an expired token → 401 (it worked a moment before)', async () => {
    const fresh = await register(t.app);
    assert.equal((await me(t.app, fresh.accessToken)).statusCode, 200);
    clock.advance(900_000 + 1_000);
    await assertRefused(fresh.accessToken, 'expired');
  });
});
