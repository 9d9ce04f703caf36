/**
 * The password hasher (docs/security.md): argon2id at the configured cost; imported bcrypt ($2a$/$2b$/$2y$)
 * and argon2 hashes of any variant or cost verify and are flagged for rehash; malformed hashes
 * never verify and never throw. At most `concurrency` hashes run and `queueMax` wait (one per thread
 * of those at the thread itself, when the queue allows); beyond that the caller gets 503 server_busy.
 */
import assert from 'node:assert/strict';
import { hash as argon2Hash } from '@node-rs/argon2';
import { hash as bcryptHash } from '@node-rs/bcrypt';
import { after, before, describe, it } from 'node:test';
import { hashRefusal } from '../../src/passwords/hash-format.js';
import { PasswordHasher } from '../../src/passwords/password-hasher.js';
import { PASSWORD } from '../helpers/factories.js';

const ARGON2D = 0;
const ARGON2I = 1;
const ARGON2ID = 2;

describe('PasswordHasher: formats', () => {
  let h: PasswordHasher;
  before(() => {
    h = new PasswordHasher({ memoryKib: 1024, timeCost: 1, parallelism: 1, concurrency: 2, queueMax: 16 });
  });
  after(async () => {
    await h.close();
  });

  it('hashes with argon2id at the configured cost, which needs no rehash', async () => {
    const own = await h.hash(PASSWORD);
    assert.match(own, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    assert.equal(h.needsRehash(own), false);
    assert.equal(await h.verify(own, PASSWORD), true);
    assert.equal(await h.verify(own, `${PASSWORD}x`), false);
    assert.notEqual(await h.hash(PASSWORD), own, 'salted');
  });

  it('verifies bcrypt $2b$ (and the $2a$/$2y$ spellings) and flags them for rehash', async () => {
    const b = await bcryptHash(PASSWORD, 4);
    assert.match(b, /^\$2b\$04\$/);
    for (const variant of [b, b.replace(/^\$2b\$/, '$2a$'), b.replace(/^\$2b\$/, '$2y$')]) {
      assert.equal(await h.verify(variant, PASSWORD), true, variant.slice(0, 4));
      assert.equal(await h.verify(variant, 'Wrong-Password-1'), false, variant.slice(0, 4));
      assert.equal(h.needsRehash(variant), true);
    }
  });

  it('verifies argon2i, argon2d and argon2id at other costs, and flags them for rehash', async () => {
    const imports = [
      await argon2Hash(PASSWORD, { algorithm: ARGON2I, memoryCost: 2048, timeCost: 1, parallelism: 1 }),
      await argon2Hash(PASSWORD, { algorithm: ARGON2D, memoryCost: 1024, timeCost: 1, parallelism: 1 }),
      await argon2Hash(PASSWORD, { algorithm: ARGON2ID, memoryCost: 2048, timeCost: 1, parallelism: 1 }),
      await argon2Hash(PASSWORD, { algorithm: ARGON2ID, memoryCost: 1024, timeCost: 2, parallelism: 1 }),
      await argon2Hash(PASSWORD, { algorithm: ARGON2ID, memoryCost: 1024, timeCost: 1, parallelism: 2 }),
    ];
    for (const stored of imports) {
      assert.equal(await h.verify(stored, PASSWORD), true, stored.slice(0, 30));
      assert.equal(await h.verify(stored, 'Wrong-Password-1'), false, stored.slice(0, 30));
      assert.equal(h.needsRehash(stored), true, stored.slice(0, 30));
    }
  });

  it('malformed or unknown stored hashes never verify and never throw', async () => {
    for (const stored of ['', 'plaintext', PASSWORD, '$argon2id$garbage', '$argon2id$v=19$m=1024,t=1,p=1$$', '$2b$04$short', '$1$md5$crypt', '$2x$04$abcdefghijklmnopqrstuu']) {
      assert.equal(await h.verify(stored, PASSWORD), false, JSON.stringify(stored));
    }
  });
});

describe('PasswordHasher: cost bounds', () => {
  let h: PasswordHasher;
  before(() => {
    h = new PasswordHasher({ memoryKib: 1024, timeCost: 1, parallelism: 1, concurrency: 2, queueMax: 16 });
  });
  after(async () => {
    await h.close();
  });

  // guards sign-in against an imported hash whose cost stalls it: $2b$31$ (days of CPU) or argon2
  // with m=4294967295 was verified as it came; now such a hash answers as a wrong password at once
  it('a hash above the cost bounds never verifies, even with the right password, and never hangs', async () => {
    const b = await bcryptHash(PASSWORD, 4);
    const a = await argon2Hash(PASSWORD, { algorithm: ARGON2ID, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const tooCostly = [
      b.replace(/^\$2b\$04\$/, '$2b$31$'),
      b.replace(/^\$2b\$04\$/, '$2a$15$'),
      a.replace('m=1024,', 'm=4294967295,'),
      a.replace('m=1024,', 'm=262145,'),
      a.replace(',t=1,', ',t=11,'),
      a.replace(',p=1$', ',p=9$'),
    ];
    for (const stored of tooCostly) {
      assert.equal(await h.verify(stored, PASSWORD), false, stored.slice(0, 40));
      assert.equal(h.needsRehash(stored), true);
    }
  });

  it('the bounds themselves are accepted: bcrypt cost 14, argon2 m=262144, t=10, p=8 parse as within them', () => {
    const b = '$2b$14$' + 'a'.repeat(53);
    assert.equal(hashRefusal(b), null);
    assert.equal(hashRefusal('$argon2id$v=19$m=262144,t=10,p=8$c2FsdHNhbHQ$aGFzaGhhc2g'), null);
    assert.match(hashRefusal('$2y$15$' + 'a'.repeat(53)) ?? '', /bcrypt cost 15 is above 14/);
    assert.match(hashRefusal('$argon2i$m=300000,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g') ?? '', /argon2 memory 300000 KiB is above 262144 KiB/);
    assert.match(hashRefusal('md5:5f4dcc3b') ?? '', /must be a bcrypt/);
  });
});

describe('PasswordHasher: admission queue', () => {
  it('concurrency 1, queueMax 1: of three simultaneous hashes one is refused with 503 server_busy', async () => {
    const h = new PasswordHasher({ memoryKib: 8192, timeCost: 2, parallelism: 1, concurrency: 1, queueMax: 1 });
    try {
      const results = await Promise.allSettled([h.hash('first-password-1'), h.hash('second-password-2'), h.hash('third-password-3')]);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      const fulfilled = results.filter((r): r is PromiseFulfilledResult<string> => r.status === 'fulfilled');
      assert.equal(rejected.length, 1);
      assert.equal(fulfilled.length, 2);
      const error = rejected[0]!.reason as { code: string; status: number; headers: Record<string, string> };
      assert.equal(error.code, 'server_busy');
      assert.equal(error.status, 503);
      assert.ok(Number(error.headers['retry-after']) >= 1, 'Retry-After');
      for (const f of fulfilled) assert.match(f.value, /^\$argon2id\$/);
      assert.deepEqual(h.load, { running: 0, waiting: 0 }, 'every slot was released');
      assert.match(await h.hash('after-the-burst-4'), /^\$argon2id\$/, 'admits again afterwards');
    } finally {
      await h.close();
    }
  });

  it('one hash per thread waits at the thread (it starts there without the event loop), counted in queueMax', async () => {
    const h = new PasswordHasher({ memoryKib: 8192, timeCost: 2, parallelism: 1, concurrency: 1, queueMax: 2 });
    try {
      const pending = [h.hash('first-password-1'), h.hash('second-password-2'), h.hash('third-password-3'), h.hash('fourth-password-4')];
      assert.equal(h.dispatched, 2, 'the running hash and the next one are at the thread');
      assert.deepEqual(h.load, { running: 1, waiting: 2 }, 'the one at the thread counts as waiting');
      assert.equal(h.saturated, true);
      const results = await Promise.allSettled(pending);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected'], 'still 1 running + 2 waiting, then 503');
      assert.deepEqual(h.load, { running: 0, waiting: 0 });
      assert.equal(h.dispatched, 0);
    } finally {
      await h.close();
    }
  });

  it('with a queue shorter than the threads, nothing waits at a thread', async () => {
    const h = new PasswordHasher({ memoryKib: 8192, timeCost: 2, parallelism: 1, concurrency: 2, queueMax: 1 });
    try {
      const pending = [h.hash('first-password-1'), h.hash('second-password-2'), h.hash('third-password-3'), h.hash('fourth-password-4')];
      assert.equal(h.dispatched, 2);
      assert.deepEqual(h.load, { running: 2, waiting: 1 });
      const results = await Promise.allSettled(pending);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    } finally {
      await h.close();
    }
  });

  it('verifications share the same queue', async () => {
    const h = new PasswordHasher({ memoryKib: 8192, timeCost: 2, parallelism: 1, concurrency: 1, queueMax: 1 });
    try {
      const stored = await h.hash(PASSWORD);
      const results = await Promise.allSettled([h.verify(stored, PASSWORD), h.verify(stored, PASSWORD), h.verify(stored, PASSWORD)]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'fulfilled', 'rejected']);
      assert.deepEqual(h.load, { running: 0, waiting: 0 });
    } finally {
      await h.close();
    }
  });
});
