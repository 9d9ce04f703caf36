/**
 * `gatehouse secrets rekey` as an operator runs it: a server ran with key A; restarted with
 * SECRETS_KEY=B and SECRETS_KEY_PREVIOUS=A it still verifies A's tokens; the command (carried out by
 * the running server on the embedded engine, directly on PostgreSQL) re-encrypts and re-keys, a
 * second run finds nothing; restarted with B alone the old token still verifies and `audit verify`
 * exits 0.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../helpers/factories.js';
import { createInstallation, post, type Installation } from '../helpers/installation.js';

describe('gatehouse secrets rekey', () => {
  let inst: Installation;
  before(async () => {
    inst = await createInstallation();
  });
  after(async () => {
    await inst.remove();
  });

  it('A → B with SECRETS_KEY_PREVIOUS=A, rekey (once), then B alone: old tokens verify, the audit chain verifies', async () => {
    const first = await inst.startServer();
    let token: string;
    try {
      assert.equal((await post(first.base, '/api/v1/auth/register', { email: 'rekeyed@example.com', password: PASSWORD })).status, 201);
      token = ((await (await post(first.base, '/api/v1/auth/login', { login: 'rekeyed@example.com', password: PASSWORD })).json()) as { access_token: string }).access_token;
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const keyA = inst.env.SECRETS_KEY ?? readFileSync(join(inst.dataDir, 'secrets.key'), 'utf8').trim();
    const keyB = randomBytes(32).toString('base64');
    const me = (base: string) => fetch(`${base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

    const both = { SECRETS_KEY: keyB, SECRETS_KEY_PREVIOUS: keyA };
    const during = await inst.startServer(both);
    try {
      assert.equal(await me(during.base), 200, 'both keys accepted');
      const rekey = inst.cli(['secrets', 'rekey'], undefined, both);
      assert.equal(rekey.status, 0, rekey.stderr);
      assert.match(rekey.stdout, /signing_keys 1, .*audit chain re-keyed/);
      const again = inst.cli(['secrets', 'rekey'], undefined, both);
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /Nothing to re-encrypt/);
    } finally {
      assert.equal(await during.stop(), 0);
    }

    const afterwards = await inst.startServer({ SECRETS_KEY: keyB });
    try {
      assert.equal(await me(afterwards.base), 200, 'the signing key opens under B alone');
    } finally {
      assert.equal(await afterwards.stop(), 0);
    }
    const verify = inst.cli(['audit', 'verify'], undefined, { SECRETS_KEY: keyB });
    assert.equal(verify.status, 0, verify.stderr);
    const withA = inst.cli(['audit', 'verify'], undefined, { SECRETS_KEY: keyA });
    assert.equal(withA.status, 1, 'the chain now needs B');
  });
});
