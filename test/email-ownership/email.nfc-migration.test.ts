/**
 * Guards that accounts stored before emails were NFC-normalised stay reachable (migration
 * 0011-email-nfc): a decomposed address is rewritten to NFC, so sign-in and lookups by either
 * spelling find the account; two accounts holding one address in two spellings are left alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { after, before, describe, it } from 'node:test';
import { up } from '../../src/db/migrations/0011-email-nfc.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, register } from '../helpers/factories.js';

describe('migration 0011-email-nfc', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(() => t.close());

  const emailOf = async (id: string) => (await t.services.database.db.selectFrom('users').select('email').where('id', '=', id).executeTakeFirstOrThrow()).email;

  it('rewrites an address stored decomposed; leaves two spellings held by two accounts as they are', async () => {
    const db = t.services.database.db;
    const tag = randomBytes(4).toString('hex');
    // an account stored before addresses were normalised, with a combining accent
    const decomposed = `rene\u0301-${tag}@example.com`;
    const precomposed = `ren\u00e9-${tag}@example.com`;
    const rene = await register(t.app, { email: `rene-${tag}@example.com` });
    await db.updateTable('users').set({ email: decomposed }).where('id', '=', rene.id).execute();
    // one address, two accounts, two spellings
    const zoeNfc = `zo\u00eb-${tag}@example.com`;
    const zoeNfd = `zoe\u0308-${tag}@example.com`;
    const first = await register(t.app, { email: zoeNfc });
    const second = await register(t.app, { email: `zoe2-${tag}@example.com` });
    await db.updateTable('users').set({ email: zoeNfd }).where('id', '=', second.id).execute();

    await up(db as unknown as Kysely<unknown>);

    assert.equal(await emailOf(rene.id), precomposed);
    assert.equal((await login(t.app, decomposed)).statusCode, 200);
    assert.equal((await login(t.app, precomposed)).statusCode, 200);
    assert.equal((await t.services.users.findByEmail(decomposed))?.id, rene.id);
    assert.equal(await emailOf(first.id), zoeNfc);
    assert.equal(await emailOf(second.id), zoeNfd, 'a collision is left for an operator');
  });
});
