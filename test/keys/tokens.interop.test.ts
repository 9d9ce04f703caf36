/**
 * Tokens every verifier accepts (#16): an access token of each JWT_ALG is verified, from the
 * published JWKS alone over real HTTP, by the verifier stacks people use in Node — jose,
 * jsonwebtoken + jwks-rsa, and fast-jwt + get-jwks (what @fastify/jwt builds on). EdDSA (Ed25519)
 * is checked only with jose: jwks-rsa and get-jwks convert JWKs to PEM through libraries without
 * OKP keys, which is why ES256 is the default (docs/security.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createVerifier } from 'fast-jwt';
import buildGetJwks from 'get-jwks';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import jsonwebtoken from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { register } from '../helpers/factories.js';

const ISSUER = 'https://auth.interop.example';
const AUDIENCE = 'interop-api';

for (const alg of ['ES256', 'RS256', 'EdDSA'] as const) {
  describe(`JWT_ALG=${alg}: third-party verifiers`, () => {
    let t: TestContext;
    let base: string;
    let token: string;
    let userId: string;

    before(async () => {
      t = await buildTestContext({ env: { JWT_ALG: alg, PUBLIC_URL: ISSUER, TOKEN_AUDIENCE: AUDIENCE } });
      base = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const u = await register(t.app);
      token = u.accessToken;
      userId = u.id;
    });
    after(async () => {
      await t.close();
    });

    it('jose (createRemoteJWKSet + jwtVerify)', async () => {
      const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)), { issuer: ISSUER, audience: AUDIENCE });
      assert.equal(protectedHeader.alg, alg);
      assert.equal(payload.sub, userId);
    });

    it('jsonwebtoken + jwks-rsa', { skip: alg === 'EdDSA' ? 'jsonwebtoken and jwks-rsa have no Ed25519 support' : false }, async () => {
      const { kid } = jsonwebtoken.decode(token, { complete: true })!.header;
      const key = await new JwksClient({ jwksUri: `${base}/.well-known/jwks.json` }).getSigningKey(kid);
      const payload = jsonwebtoken.verify(token, key.getPublicKey(), { algorithms: [alg as jsonwebtoken.Algorithm], issuer: ISSUER, audience: AUDIENCE }) as jsonwebtoken.JwtPayload;
      assert.equal(payload.sub, userId);
    });

    it('fast-jwt + get-jwks (as @fastify/jwt uses them)', { skip: alg === 'EdDSA' ? 'get-jwks converts keys with jwk-to-pem, which has no OKP keys' : false }, async () => {
      const jwks = buildGetJwks({ providerDiscovery: false });
      const verify = createVerifier({
        key: async (decoded: { header: Record<string, string> }) => jwks.getPublicKey({ kid: decoded.header.kid, alg: decoded.header.alg, domain: base }),
        algorithms: [alg],
        allowedIss: ISSUER,
        allowedAud: AUDIENCE,
      });
      const payload = (await verify(token)) as { sub: string };
      assert.equal(payload.sub, userId);
    });
  });
}
