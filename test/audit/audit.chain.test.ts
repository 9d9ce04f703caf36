/**
 * The audit trail's hash chain: concurrent writers do not fork it, verify() passes on an untouched
 * chain and names the first broken row after an edit or a deletion made directly in SQL, and the
 * real CLI (`gatehouse audit verify`) exits 0 / 1 accordingly — against the test's PostgreSQL
 * database, or on PGlite against a DATA_DIR the CLI itself created.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { chainHash, chainHashParts, GENESIS_HASH, legacySeal } from '../../src/audit/audit-chain.js';
import type { Database } from '../../src/db/database-types.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, PASSWORD, register, uniqueEmail } from '../helpers/factories.js';
import { createTestDatabase, usingPostgres } from '../helpers/test-database.js';
import { AuditRepository } from '../../src/audit/audit-repository.js';
import { AuditService } from '../../src/audit/audit-service.js';
import { migrateTo, migrateToLatest } from '../../src/db/migrate.js';
import { auditChainKey } from '../../src/services.js';
import { assertBuilt, CLI } from '../helpers/entry-points.js';

const root = new URL('../../', import.meta.url).pathname;

function cli(args: string[], env: Record<string, string>, input?: string) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1', ...env },
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
}

async function chainRows(db: Kysely<Database>) {
  return db.selectFrom('audit_events').select(['seq', 'id', 'prev_hash', 'hash', 'data']).orderBy('seq', 'asc').execute();
}

assertBuilt();

describe('audit hash chain', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('20 concurrent registrations and sign-ins do not fork the chain', async () => {
    const existing = await Promise.all(Array.from({ length: 5 }, () => register(t.app)));
    const work = Array.from({ length: 20 }, (_, i) => {
      if (i % 4 === 0) return login(t.app, existing[i % 5]!.email);
      if (i % 4 === 1) return login(t.app, existing[i % 5]!.email, 'Wrong-Password-123');
      return t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('burst'), password: PASSWORD } });
    });
    const results = await Promise.all(work);
    assert.deepEqual(results.map((r) => r.statusCode).sort(), [...Array(5).fill(200), ...Array(10).fill(201), ...Array(5).fill(401)].sort());

    const rows = await chainRows(t.services.database.db);
    assert.equal(rows.length, 5 + 20, 'one event per registration, sign-in and failure');
    assert.equal(rows[0]!.prev_hash, GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) {
      assert.equal(rows[i]!.prev_hash, rows[i - 1]!.hash, `row seq=${rows[i]!.seq} links to its predecessor`);
    }
    assert.equal(new Set(rows.map((r) => r.prev_hash)).size, rows.length, 'no two rows share a predecessor (no fork)');
    assert.deepEqual(await t.services.audit.verify(), { ok: true, checked: rows.length });
  });

  it('the hash the database computes on append is the one verify() recomputes, whatever the text', async () => {
    const tricky = { note: 'ünïcödé ✓ 🙂 "quoted" back\\slash\nnew line', nested: { b: 2, a: [1, 'x', null] } };
    await t.services.audit.recordAlone({ actorId: null, ip: '2001:db8::1', userAgent: 'Agent "ü" ✓' }, { type: 'user.updated', userId: null, data: tricky });
    const rows = await chainRows(t.services.database.db);
    const last = rows.at(-1)!;
    assert.deepEqual(last.data, tricky);
    const probe = { id: last.id, type: 'user.updated', userId: null, actorId: null, ip: null, userAgent: null, data: tricky, createdAt: new Date(0) };
    const split = chainHashParts(probe);
    assert.equal(createHash('sha256').update(split.before + last.prev_hash + split.after).digest('hex'), chainHash(last.prev_hash, probe), 'before + prev + after is the canonical content');
    assert.ok(split.before.endsWith('"prev":"') && split.after.startsWith('","type":'));
    assert.deepEqual(await t.services.audit.verify(), { ok: true, checked: rows.length });
    // leave the chain as the tampering tests below expect it (25 events)
    await t.services.database.db.deleteFrom('audit_events').where('seq', '=', last.seq).execute();
    await t.services.database.db.updateTable('audit_chain_head').set({ hash: last.prev_hash, prev_hash: rows.at(-2)!.prev_hash }).execute();
    assert.deepEqual(await t.services.audit.verify(), { ok: true, checked: rows.length - 1 });
  });

  describe('tampering', () => {
    let cliEnv: Record<string, string> | null = null;
    let dataDir: string;
    before(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-cli-'));
      // the CLI can reach the test database only on PostgreSQL (PGlite's is in this process's memory)
      if (t.db.url) cliEnv = { DATABASE_URL: t.db.url, SECRETS_KEY: t.secretsKey, DATA_DIR: dataDir };
    });
    after(() => rmSync(dataDir, { recursive: true, force: true }));

    it('the CLI verifies the untouched chain (exit 0)', { skip: usingPostgres ? false : 'PGlite: see the DATA_DIR suite below' }, () => {
      const r = cli(['audit', 'verify'], cliEnv!);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Audit chain intact: 25 events verified/);
    });

    it('an edited row is reported by verify() and the CLI (exit 1, its seq on stderr); restoring it heals the chain', async (ctx) => {
      const db = t.services.database.db;
      const victim = (await chainRows(db))[10]!;
      await sql`update audit_events set data = '{"tampered":true}' where seq = ${victim.seq}`.execute(db);
      const result = await t.services.audit.verify();
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.equal(result.brokenAt.seq, String(victim.seq));
      assert.equal(result.brokenAt.id, victim.id);
      assert.match(result.brokenAt.reason, /edited/);
      assert.equal(result.checked, 10, 'the ten rows before it verified');

      if (cliEnv) {
        const r = cli(['audit', 'verify'], cliEnv);
        assert.equal(r.status, 1, r.stdout);
        assert.match(r.stderr, new RegExp(`BROKEN at event seq=${victim.seq} `));
      } else ctx.diagnostic('CLI on PGlite: covered by the DATA_DIR suite');

      await db.updateTable('audit_events').set({ data: JSON.stringify(victim.data) }).where('seq', '=', victim.seq).execute();
      assert.deepEqual(await t.services.audit.verify(), { ok: true, checked: 25 });
    });

    it('deleting the newest events is reported: the chain ends before the recorded head', async () => {
      const db = t.services.database.db;
      const rows = await chainRows(db);
      const newest = rows.slice(-2);
      await db.deleteFrom('audit_events').where('seq', 'in', newest.map((r) => r.seq)).execute();
      const result = await t.services.audit.verify();
      assert.ok(!result.ok);
      assert.match(result.brokenAt.reason, /newest events were removed/);
      assert.equal(result.checked, rows.length - 2);
    });

    it('a deleted row breaks the link of the row after it', async () => {
      const db = t.services.database.db;
      const rows = await chainRows(db);
      await db.deleteFrom('audit_events').where('seq', '=', rows[5]!.seq).execute();
      const result = await t.services.audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt.seq, String(rows[6]!.seq));
      assert.match(result.brokenAt.reason, /prev_hash/);
      if (cliEnv) {
        const r = cli(['audit', 'verify'], cliEnv);
        assert.equal(r.status, 1);
        assert.match(r.stderr, new RegExp(`seq=${rows[6]!.seq} `));
      }
    });
  });
});

describe('upgrading a database that already has audit events (migrations 0003 and 0004)', () => {
  it('old events keep verifying below a sealed boundary, new ones chain on with keyed links, and a rewrite without the key is caught', async () => {
    const database = await createTestDatabase();
    const handle = await database.open();
    try {
      const db = handle.db;
      // back to the 0002 state: an empty schema migrated that far, and three events chained the
      // way 0002's code did (plain SHA-256, no head table)
      await sql`drop schema public cascade`.execute(db);
      await sql`create schema public`.execute(db);
      await migrateTo(db, '0002-products-audit');
      let prev = GENESIS_HASH;
      for (let i = 0; i < 3; i++) {
        const content = { id: randomUUID(), type: 'user.updated', userId: null, actorId: null, ip: null, userAgent: null, data: { i }, createdAt: new Date() };
        const hash = chainHash(prev, content);
        await db
          .insertInto('audit_events')
          .values({ id: content.id, type: content.type, user_id: null, actor_id: null, ip: null, user_agent: null, data: JSON.stringify(content.data), created_at: content.createdAt, prev_hash: prev, hash })
          .execute();
        prev = hash;
      }
      await assert.rejects(migrateToLatest(db), /SECRETS_KEY/, 'sealing the existing chain needs the key');
      const chainKey = auditChainKey(randomBytes(32));
      // later migrations (0005…) follow; these two are the ones under test
      assert.deepEqual((await migrateToLatest(db, { sealAuditChain: (seq, hash) => legacySeal(chainKey, seq, hash) })).slice(0, 2), ['0003-audit-chain-head', '0004-hardening']);
      const audit = new AuditService(db, new AuditRepository(), { now: () => Date.now() }, chainKey);
      assert.deepEqual(await audit.verify(), { ok: true, checked: 3 });
      await audit.recordAlone({ actorId: null, ip: null, userAgent: null }, { type: 'user.updated', userId: null, data: { after: 'upgrade' } });
      const rows = await db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc').execute();
      assert.equal(rows.at(-1)!.prev_hash, prev, 'the first new event links to the newest old one');
      assert.deepEqual(rows.map((r) => r.link), [1, 1, 1, 2]);
      assert.deepEqual(await audit.verify(), { ok: true, checked: 4 });

      const toContent = (r: (typeof rows)[number]) => ({ id: r.id, type: r.type, userId: r.user_id, actorId: r.actor_id, ip: r.ip, userAgent: r.user_agent, data: r.data, createdAt: r.created_at });
      // someone who can write the database but lacks the key rewrites an old event and recomputes
      // the unkeyed links after it: the keyed event that follows no longer links up
      const forged = { ...toContent(rows[1]!), data: { i: 'rewritten' } };
      const forgedHash = chainHash(rows[0]!.hash, forged);
      const forgedNext = chainHash(forgedHash, toContent(rows[2]!));
      await db.updateTable('audit_events').set({ data: JSON.stringify(forged.data), hash: forgedHash }).where('seq', '=', rows[1]!.seq).execute();
      await db.updateTable('audit_events').set({ prev_hash: forgedHash, hash: forgedNext }).where('seq', '=', rows[2]!.seq).execute();
      await db.updateTable('audit_chain_head').set({ legacy_hash: forgedNext }).execute();
      const rewritten = await audit.verify();
      assert.ok(!rewritten.ok);
      assert.match(rewritten.brokenAt.reason, /seal/, 'the sealed boundary no longer holds');
      // ... and with the boundary left alone, the first keyed event is where it breaks
      await db.updateTable('audit_chain_head').set({ legacy_hash: rows[2]!.hash }).execute();
      const unlinked = await audit.verify();
      assert.ok(!unlinked.ok);
      assert.equal(unlinked.brokenAt.seq, String(rows[2]!.seq), 'the last old event is not the one sealed');

      // restore the old events; then pass the keyed event off as an old one (unkeyed link)
      for (const r of rows.slice(1, 3)) await db.updateTable('audit_events').set({ data: JSON.stringify(r.data), prev_hash: r.prev_hash, hash: r.hash }).where('seq', '=', r.seq).execute();
      assert.deepEqual(await audit.verify(), { ok: true, checked: 4 });
      const last = rows[3]!;
      const downgraded = chainHash(last.prev_hash, { ...toContent(last), data: { after: 'forged' } });
      await db.updateTable('audit_events').set({ link: 1, data: JSON.stringify({ after: 'forged' }), hash: downgraded }).where('seq', '=', last.seq).execute();
      await db.updateTable('audit_chain_head').set({ hash: downgraded }).execute();
      const passedOff = await audit.verify();
      assert.ok(!passedOff.ok);
      assert.match(passedOff.brokenAt.reason, /unkeyed link after the upgrade/);
      // ... and moving the boundary past it breaks the seal
      await db.updateTable('audit_chain_head').set({ legacy_seq: String(last.seq), legacy_hash: downgraded }).execute();
      const moved = await audit.verify();
      assert.ok(!moved.ok);
      assert.match(moved.brokenAt.reason, /seal/);
    } finally {
      await handle.close();
      await database.drop();
    }
  });
});

describe('keyed links', () => {
  it('a row edited and relinked with plain SHA-256, as someone without the key would, fails verification', async () => {
    const t = await buildTestContext();
    try {
      await register(t.app);
      await register(t.app);
      const db = t.services.database.db;
      const rows = await db.selectFrom('audit_events').selectAll().orderBy('seq', 'asc').execute();
      assert.ok(rows.length >= 2 && rows.every((r) => r.link === 2));
      assert.deepEqual(await t.services.audit.verify(), { ok: true, checked: rows.length });
      // rewrite the newest event and recompute its link and the head the way an unkeyed chain would
      const last = rows.at(-1)!;
      const content = { id: last.id, type: last.type, userId: last.user_id, actorId: last.actor_id, ip: '203.0.113.9', userAgent: last.user_agent, data: last.data, createdAt: last.created_at };
      const hash = chainHash(last.prev_hash, content);
      await db.updateTable('audit_events').set({ ip: '203.0.113.9', hash }).where('seq', '=', last.seq).execute();
      await db.updateTable('audit_chain_head').set({ hash }).execute();
      const result = await t.services.audit.verify();
      assert.ok(!result.ok);
      assert.equal(result.brokenAt.seq, String(last.seq));
      assert.match(result.brokenAt.reason, /keyed link/);
      // with a key other than the one the chain was written with, nothing verifies either
      const stranger = new AuditService(db, new AuditRepository(), { now: () => Date.now() }, auditChainKey(randomBytes(32)));
      const other = await stranger.verify();
      assert.ok(!other.ok);
      assert.equal(other.brokenAt.seq, String(rows[0]!.seq));
    } finally {
      await t.close();
    }
  });
});
