/**
 * Signing keys live in the database (docs/security.md), private parts sealed with SECRETS_KEY: a second
 * KeyService over the same database — what a restarted or second instance builds — loads the same
 * kid instead of generating one, verifies tokens the first issued, and signs tokens the first
 * accepts. Without the right SECRETS_KEY the keys cannot be opened.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { after, before, describe, it } from 'node:test';
import { KeyService } from '../../src/keys/key-service.js';
import { SigningKeysRepository } from '../../src/keys/signing-keys-repository.js';
import { SecretBox } from '../../src/security/secret-box.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { me, register } from '../helpers/factories.js';
import { systemClock } from '../../src/clock.js';

describe('signing keys persist in the database', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  const keyService = (secretsKey: string) =>
    new KeyService({
      db: t.services.database.db,
      repo: new SigningKeysRepository(),
      box: new SecretBox(Buffer.from(secretsKey, 'base64'), 'signing-keys'),
      alg: t.config.jwtAlg,
      issuer: t.config.publicUrl,
      audience: t.config.tokenAudience,
      accessTokenTtl: t.config.accessTokenTtl,
      clock: systemClock,
      bus: t.services.bus,
      audit: t.services.audit,
    });
  const keyRows = () => t.services.database.db.selectFrom('signing_keys').selectAll().execute();

  it('a second KeyService over the same database loads the same kid and generates none', async () => {
    const u = await register(t.app);
    const kid = decodeProtectedHeader(u.accessToken).kid;
    assert.equal((await keyRows()).length, 1);

    const second = keyService(t.secretsKey);
    try {
      await second.init();
      assert.deepEqual(second.jwks().keys.map((k) => k.kid), [kid]);
      assert.deepEqual(second.jwks(), t.services.keys.jwks());
      assert.equal((await keyRows()).length, 1, 'no new key');

      const claims = await second.verify(u.accessToken);
      assert.equal(claims?.sub, u.id, 'verifies tokens the first instance issued');

      const { token } = await second.sign({ sub: u.id, sid: claims!.sid, roles: claims!.roles });
      assert.equal(decodeProtectedHeader(token).kid, kid);
      assert.equal((await me(t.app, token)).statusCode, 200, 'the first instance accepts its tokens');
    } finally {
      second.close();
    }
  });

  it('private keys are sealed at rest and need the right SECRETS_KEY', async () => {
    for (const row of await keyRows()) {
      assert.match(row.private_key_enc, /^v1\./);
      assert.equal(row.private_key_enc.includes('"d"'), false, 'no plaintext JWK');
      assert.equal(JSON.stringify(row.public_jwk).includes('"d"'), false);
    }
    const wrong = keyService(randomBytes(32).toString('base64'));
    try {
      await assert.rejects(wrong.init());
    } finally {
      wrong.close();
    }
  });
});
