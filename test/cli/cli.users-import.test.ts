/**
 * `gatehouse users import FILE` as an operator runs it (docs/operations.md, issue 21 item 5): good lines are
 * imported and bad ones reported by number with the reason (exit 1); re-running the file changes
 * nothing; imported bcrypt and argon2 hashes sign in with the old passwords and are rehashed to
 * argon2id then; imported identities belong to the account. On PostgreSQL, 100,000 lines.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hash as argon2Hash, type Algorithm } from '@node-rs/argon2';
import { hashSync as bcryptHash } from '@node-rs/bcrypt';
import { openDatabase } from '../../src/db/database.js';
import { CLI, root } from '../helpers/entry-points.js';
import { OTHER_PASSWORD, PASSWORD } from '../helpers/factories.js';
import { createInstallation, post, usingPostgres, type Installation } from '../helpers/installation.js';

describe('gatehouse users import', () => {
  let inst: Installation;
  before(async () => {
    inst = await createInstallation();
    // the import lines use the products module's roles (seller, buyer; the default role is buyer)
    inst.env.PRODUCTS = 'on';
    const migrated = inst.cli(['migrate']);
    assert.equal(migrated.status, 0, migrated.stderr);
  });
  after(async () => {
    await inst.remove();
  });

  /** runs `read` on the installation's database (no server or command may hold it: PGlite) */
  async function withDb<T>(read: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
    const handle = await openDatabase({ databaseUrl: inst.env.DATABASE_URL ?? null, dataDir: inst.dataDir, poolMax: 1, prepare: false });
    try {
      return await read(handle.db);
    } finally {
      await handle.close();
    }
  }
  const countUsers = () => withDb(async (db) => Number((await db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n));
  const hashOf = (email: string) => withDb(async (db) => (await db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow()).password_hash);

  const file = (name: string, lines: string[]) => {
    const path = join(inst.dataDir, name);
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  };

  it('imports the good lines, reports each bad one by number and reason, and re-running changes nothing', async () => {
    const path = file('mixed.jsonl', [
      JSON.stringify({ email: '  Good.One@Example.com ', username: 'Good_One', name: 'Good One', email_verified: true, roles: ['seller'] }),
      JSON.stringify({ email: 'not-an-email' }),
      JSON.stringify({ email: 'two@example.com', roles: ['buyer', 'no-such-role'] }),
      '',
      JSON.stringify({ email: 'three@example.com', password_hash: 'md5:5f4dcc3b5aa765d61d8327deb882cf99' }),
      JSON.stringify({ email: 'four@example.com', is_admin: true }),
      '{"email": "five@example.com",',
      JSON.stringify({ email: 'six@example.com' }),
      JSON.stringify({ email: 'seven@example.com', identities: [{ provider: 'github', subject: '7' }] }),
    ]);
    const before = await countUsers();
    const first = inst.cli(['users', 'import', path]);
    assert.equal(first.status, 1, first.stderr);
    assert.match(first.stderr, /^line 2: email: must be a valid email address$/m);
    assert.match(first.stderr, /^line 3: roles: unknown role "no-such-role"$/m);
    assert.match(first.stderr, /^line 5: password_hash: must be a bcrypt .* or argon2 hash$/m);
    assert.match(first.stderr, /^line 6: unknown field "is_admin"$/m);
    assert.match(first.stderr, /^line 7: invalid JSON/m);
    assert.equal(first.stderr.trim().split('\n').length, 5, first.stderr);
    assert.match(first.stdout, /imported 3, already present 0, refused 5/);
    assert.equal(await countUsers(), before + 3);
    const good = await withDb((db) =>
      db
        .selectFrom('users')
        .select(['email', 'username', 'name', 'email_verified', 'password_hash'])
        .select((eb) => eb.selectFrom('user_roles').select((e) => e.fn.agg<string[]>('array_agg', ['role_name']).as('r')).whereRef('user_roles.user_id', '=', 'users.id').as('roles'))
        .where('email', '=', 'good.one@example.com')
        .executeTakeFirstOrThrow(),
    );
    assert.deepEqual(good, { email: 'good.one@example.com', username: 'good_one', name: 'Good One', email_verified: true, password_hash: null, roles: ['seller'] });
    const six = await withDb((db) =>
      db.selectFrom('user_roles').innerJoin('users', 'users.id', 'user_roles.user_id').select('role_name').where('email', '=', 'six@example.com').execute(),
    );
    assert.deepEqual(six, [{ role_name: 'buyer' }], 'a line without roles gets the default role, as at registration');

    const again = inst.cli(['users', 'import', path]);
    assert.equal(again.status, 1, 'only the bad lines are refused again');
    assert.match(again.stdout, /imported 0, already present 3, refused 5/);
    assert.equal(await countUsers(), before + 3, 're-running the file creates nobody');

    const goodOnly = file('good.jsonl', [JSON.stringify({ email: 'six@example.com' }), JSON.stringify({ email: 'eight@example.com' })]);
    const clean = inst.cli(['users', 'import', goodOnly]);
    assert.equal(clean.status, 0, clean.stderr);
    assert.match(clean.stdout, /imported 1, already present 1, refused 0/);

    const audit = inst.cli(['audit', 'verify']);
    assert.equal(audit.status, 0, audit.stderr);
  });

  // guards sign-in against an imported line that stalls it: any bcrypt cost or argon2 parameter was
  // accepted, and one $2b$31$ hash or m=4294967295 would hold a hashing thread for everyone
  it('refuses hashes whose cost would stall sign-in, reporting each line with its number and reason', async () => {
    const b = bcryptHash(PASSWORD, 4);
    const a = await argon2Hash(PASSWORD, { algorithm: 2 as Algorithm /* Argon2id */, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    const path = file('costly.jsonl', [
      JSON.stringify({ email: 'cost.bcrypt@example.com', password_hash: b.replace(/^\$2b\$04\$/, '$2b$31$') }),
      JSON.stringify({ email: 'cost.memory@example.com', password_hash: a.replace('m=1024,', 'm=4294967295,') }),
      JSON.stringify({ email: 'cost.time@example.com', password_hash: a.replace(',t=1,', ',t=11,') }),
      JSON.stringify({ email: 'cost.lanes@example.com', password_hash: a.replace(',p=1$', ',p=9$') }),
      JSON.stringify({ email: 'cost.ok@example.com', password_hash: b.replace(/^\$2b\$04\$/, '$2b$14$') }),
    ]);
    const r = inst.cli(['users', 'import', path]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^line 1: password_hash: bcrypt cost 31 is above 14/m);
    assert.match(r.stderr, /^line 2: password_hash: argon2 memory 4294967295 KiB is above 262144 KiB/m);
    assert.match(r.stderr, /^line 3: password_hash: argon2 time cost 11 is above 10/m);
    assert.match(r.stderr, /^line 4: password_hash: argon2 parallelism 9 is above 8/m);
    assert.equal(r.stderr.trim().split('\n').length, 4, r.stderr);
    assert.match(r.stdout, /imported 1, already present 0, refused 4/);
    assert.equal(await withDb(async (db) => (await db.selectFrom('users').select('id').where('email', 'like', 'cost.%').execute()).length), 1);
  });

  it('answers usage errors and unreadable files with exit 2', () => {
    assert.equal(inst.cli(['users', 'import']).status, 2);
    const missing = inst.cli(['users', 'import', join(inst.dataDir, 'missing.jsonl')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read/);
    assert.equal(inst.cli(['users', 'import', inst.dataDir]).status, 2, 'a directory is not a file');
  });

  it('imported bcrypt and argon2 users sign in with their old passwords and are rehashed to argon2id; their identities are theirs', async () => {
    const bcrypt = bcryptHash(PASSWORD, 4).replace(/^\$2b\$/, '$2y$');
    const argon = await argon2Hash(OTHER_PASSWORD, { algorithm: 1 as Algorithm /* Argon2i */, memoryCost: 2048, timeCost: 2, parallelism: 1 });
    const path = file('hashes.jsonl', [
      JSON.stringify({ email: 'old.bcrypt@example.com', email_verified: true, password_hash: bcrypt, identities: [{ provider: 'github', subject: 'b-1' }, { provider: 'google', subject: 'b-2' }] }),
      JSON.stringify({ email: 'old.argon@example.com', username: 'oldargon', email_verified: true, password_hash: argon }),
    ]);
    const r = inst.cli(['users', 'import', path]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await hashOf('old.bcrypt@example.com'), bcrypt, 'the hash is stored as it was');
    const thief = inst.cli(['users', 'import', file('thief.jsonl', [JSON.stringify({ email: 'thief@example.com', identities: [{ provider: 'github', subject: 'b-1' }] })])]);
    assert.equal(thief.status, 1);
    assert.match(thief.stderr, /^line 1: identities: github\/b-1 is linked to another account$/m);

    const server = await inst.startServer();
    try {
      const login = await post(server.base, '/api/v1/auth/login', { login: 'old.bcrypt@example.com', password: PASSWORD });
      assert.equal(login.status, 200, await login.clone().text());
      const { access_token } = (await login.json()) as { access_token: string };
      const ids = await fetch(`${server.base}/api/v1/auth/identities`, { headers: { authorization: `Bearer ${access_token}` } });
      assert.equal(ids.status, 200);
      const items = ((await ids.json()) as { items: { provider: string; subject: string }[] }).items.map((i) => `${i.provider}/${i.subject}`).sort();
      assert.deepEqual(items, ['github/b-1', 'google/b-2']);
      assert.equal((await post(server.base, '/api/v1/auth/login', { login: 'oldargon', password: OTHER_PASSWORD })).status, 200);
      assert.equal((await post(server.base, '/api/v1/auth/login', { login: 'old.argon@example.com', password: PASSWORD })).status, 401);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.match((await hashOf('old.bcrypt@example.com')) ?? '', /^\$argon2id\$/);
    assert.match((await hashOf('old.argon@example.com')) ?? '', /^\$argon2id\$/);
  });

  it('imports 100,000 lines (PostgreSQL)', { skip: !usingPostgres && 'PostgreSQL only (TEST_DATABASE_URL)', timeout: 300_000 }, async () => {
    const bcrypt = bcryptHash(PASSWORD, 4);
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      lines.push(JSON.stringify({ email: `bulk${i}@example.com`, username: `bulk${i}`, name: `Bulk ${i}`, email_verified: true, password_hash: bcrypt, roles: ['buyer'], identities: i % 10 === 0 ? [{ provider: 'legacy', subject: String(i) }] : undefined }));
    }
    const path = file('bulk.jsonl', lines);
    const before = await countUsers();
    const started = performance.now();
    // no time limit asserted here (speed is the benchmark's business); a generous bound only
    const r = spawnSync(process.execPath, [CLI, 'users', 'import', path], { cwd: root, env: inst.env, encoding: 'utf8', timeout: 240_000 });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^10000 lines: /m, 'a progress line every 10,000 lines');
    assert.match(r.stdout, /imported 100000, already present 0, refused 0/);
    assert.equal(await countUsers(), before + 100_000);
    console.log(`# users import: 100,000 lines in ${seconds.toFixed(1)} s`);
  });
});
