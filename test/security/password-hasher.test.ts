import assert from 'node:assert/strict';
import { hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { after, before, describe, it } from 'node:test';
import { PasswordHasher } from '../../src/auth/password-hasher.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, PASSWORD, register } from '../helpers/factories.js';

const ARGON2I = 1;

describe('password hasher', () => {
  it('verifies argon2id, argon2i and bcrypt ($2a/$2b/$2y) hashes and flags them for rehash', async () => {
    const h = new PasswordHasher({ memoryKib: 1024, timeCost: 1, parallelism: 1, concurrency: 2, queueMax: 8 });
    try {
      const own = await h.hash(PASSWORD);
      assert.match(own, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
      assert.equal(h.needsRehash(own), false);
      const b = await bcryptHash(PASSWORD, 4);
      for (const variant of [b, b.replace(/^\$2b\$/, '$2a$'), b.replace(/^\$2b\$/, '$2y$')]) {
        assert.equal(await h.verify(variant, PASSWORD), true, variant.slice(0, 4));
        assert.equal(await h.verify(variant, 'wrong'), false);
        assert.equal(h.needsRehash(variant), true);
      }
      const weaker = await argon2Hash(PASSWORD, { algorithm: ARGON2I, memoryCost: 2048, timeCost: 1, parallelism: 1 });
      assert.equal(await h.verify(weaker, PASSWORD), true);
      assert.equal(h.needsRehash(weaker), true);
      assert.equal(await h.verify('$argon2id$garbage', PASSWORD), false);
      assert.equal(await h.verify('plaintext', PASSWORD), false);
    } finally {
      await h.close();
    }
  });

  it('admits at most `concurrency` running and `queueMax` waiting; beyond that 503 server_busy', async () => {
    const h = new PasswordHasher({ memoryKib: 8192, timeCost: 3, parallelism: 1, concurrency: 1, queueMax: 1 });
    try {
      const results = await Promise.allSettled([h.hash('one-one-one'), h.hash('two-two-two'), h.hash('three-three')]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0]!.reason.code, 'server_busy');
      assert.equal(rejected[0]!.reason.status, 503);
      assert.deepEqual(h.load, { running: 0, waiting: 0 });
    } finally {
      await h.close();
    }
  });
});

describe('imported hashes are upgraded at the next login', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('a bcrypt hash signs in and is replaced by argon2id at the configured cost', async () => {
    const u = await register(t.app);
    const db = t.app.services.database.db;
    await db.updateTable('users').set({ password_hash: await bcryptHash(PASSWORD, 4) }).where('id', '=', u.id).execute();
    assert.equal((await login(t.app, u.email)).statusCode, 200);
    const row = await db.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
    assert.match(row.password_hash!, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    assert.equal((await login(t.app, u.email)).statusCode, 200, 'and the new hash works');
  });
});

describe('a sign-in storm beyond the hash queue', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { HASH_CONCURRENCY: '1', HASH_QUEUE_MAX: '0', ARGON2_MEMORY_KIB: '8192', ARGON2_TIME_COST: '2' } });
  });
  after(async () => {
    await t.close();
  });

  it('answers 503 server_busy with Retry-After instead of queueing without bound', async () => {
    const u = await register(t.app);
    const results = await Promise.all(Array.from({ length: 8 }, () => login(t.app, u.email)));
    const busy = results.filter((r) => r.statusCode === 503);
    assert.ok(busy.length > 0, `statuses ${results.map((r) => r.statusCode)}`);
    assert.ok(results.some((r) => r.statusCode === 200));
    assert.equal(busy[0]!.json().code, 'server_busy');
    assert.ok(Number(busy[0]!.headers['retry-after']) >= 1);
  });
});
