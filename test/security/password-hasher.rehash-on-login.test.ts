/**
 * Imported hashes are upgraded at the next successful login (docs/security.md): bcrypt and argon2 hashes at
 * other costs are replaced by `$argon2id$v=19$m=<ARGON2_MEMORY_KIB>,t=<ARGON2_TIME_COST>,p=1`;
 * a failed login leaves the stored hash alone; a hash already at the current cost is not rewritten.
 */
import assert from 'node:assert/strict';
import { hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, PASSWORD, register, WRONG_PASSWORD } from '../helpers/factories.js';

const CURRENT = /^\$argon2id\$v=19\$m=2048,t=2,p=1\$/;

describe('imported password hashes are upgraded at login', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { ARGON2_MEMORY_KIB: '2048', ARGON2_TIME_COST: '2' } });
  });
  after(async () => {
    await t.close();
  });
  const storedHash = async (id: string) =>
    (await t.services.database.db.selectFrom('users').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;
  const setHash = (id: string, passwordHash: string) =>
    t.services.database.db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();

  it('registration stores argon2id at the configured cost', async () => {
    const u = await register(t.app);
    assert.match((await storedHash(u.id))!, CURRENT);
  });

  const imports: [string, () => Promise<string>][] = [
    ['bcrypt $2b$', () => bcryptHash(PASSWORD, 4)],
    ['bcrypt $2y$', async () => (await bcryptHash(PASSWORD, 4)).replace(/^\$2b\$/, '$2y$')],
    ['argon2i', () => argon2Hash(PASSWORD, { algorithm: 1, memoryCost: 1024, timeCost: 1, parallelism: 1 })],
    ['weaker argon2id', () => argon2Hash(PASSWORD, { algorithm: 2, memoryCost: 1024, timeCost: 1, parallelism: 1 })],
    ['argon2id with p=2', () => argon2Hash(PASSWORD, { algorithm: 2, memoryCost: 2048, timeCost: 2, parallelism: 2 })],
  ];
  for (const [label, make] of imports) {
    it(`${label}: a wrong password leaves it; the right one signs in and upgrades it`, async () => {
      const u = await register(t.app);
      const imported = await make();
      await setHash(u.id, imported);
      expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
      assert.equal(await storedHash(u.id), imported, 'untouched after a failed login');
      assert.equal((await login(t.app, u.email)).statusCode, 200);
      const upgraded = await storedHash(u.id);
      assert.match(upgraded!, CURRENT);
      assert.equal((await login(t.app, u.email)).statusCode, 200, 'the new hash works');
      expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    });
  }

  it('a hash at the current cost is not rewritten by a login', async () => {
    const u = await register(t.app);
    const before = await storedHash(u.id);
    assert.equal((await login(t.app, u.email)).statusCode, 200);
    assert.equal(await storedHash(u.id), before);
  });
});
