/**
 * JWT_ALG=EdDSA and RS256 (docs/security.md) beside the ES256 default: the token's header and the JWKS key
 * match the algorithm, jose verifies the token from the JWKS alone, and Gatehouse accepts it.
 */
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { me, refresh, register } from '../helpers/factories.js';

const expected = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA', crv: undefined },
} as const;

for (const alg of ['EdDSA', 'RS256'] as const) {
  describe(`JWT_ALG=${alg}`, () => {
    let t: TestContext;
    before(async () => {
      t = await buildTestContext({ env: { JWT_ALG: alg } });
    });
    after(async () => {
      await t.close();
    });

    it('publishes a matching public key and signs tokens that verify from the JWKS alone', async () => {
      const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as JSONWebKeySet;
      assert.equal(jwks.keys.length, 1);
      const [k] = jwks.keys;
      assert.equal(k!.alg, alg);
      assert.equal(k!.kty, expected[alg].kty);
      assert.equal(k!.crv, expected[alg].crv);
      assert.equal('d' in k!, false, 'no private part');

      const u = await register(t.app);
      const { payload, protectedHeader } = await jwtVerify(u.accessToken, createLocalJWKSet(jwks), { issuer: 'http://localhost:8000', audience: 'gatehouse' });
      assert.equal(protectedHeader.alg, alg);
      assert.equal(protectedHeader.kid, k!.kid);
      assert.equal(payload.sub, u.id);
      assert.equal(payload.exp! - payload.iat!, 900);
      assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
      const refreshed = await refresh(t.app, { refresh_token: u.refreshToken });
      assert.equal((await me(t.app, refreshed.json().access_token)).statusCode, 200);
    });
  });
}
