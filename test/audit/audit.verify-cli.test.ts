/**
 * `gatehouse audit verify` on an embedded DATA_DIR (docs/operations.md): exit 0 on the chain the CLI wrote,
 * exit 1 naming the first broken event after a row is edited directly in the database. (On
 * PostgreSQL the CLI runs against the test database in audit.chain.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.js';
import { PASSWORD } from '../helpers/factories.js';
import { createInstallation, usingPostgres, type Installation } from '../helpers/installation.js';

describe('gatehouse audit verify on an embedded DATA_DIR', { skip: usingPostgres ? 'PostgreSQL: the CLI runs against the test database in audit.chain.test.ts' : false }, () => {
  let inst: Installation;
  before(async () => {
    inst = await createInstallation();
  });
  after(async () => {
    await inst.remove();
  });

  it('exit 0 on the chain the CLI wrote, exit 1 with the seq after a row is edited', async () => {
    const migrated = inst.cli(['migrate']);
    assert.equal(migrated.status, 0, migrated.stderr);
    for (const who of ['first', 'second']) {
      const r = inst.cli(['create-admin', '--email', `${who}@example.com`, '--password-stdin'], `${PASSWORD}\n`);
      assert.equal(r.status, 0, r.stderr);
    }
    const ok = inst.cli(['audit', 'verify']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Audit chain intact: 2 events verified/);

    const handle = await openDatabase({ databaseUrl: null, dataDir: inst.dataDir, poolMax: 1 });
    let seq: string;
    try {
      const rows = await handle.db.selectFrom('audit_events').select(['seq']).orderBy('seq', 'asc').execute();
      assert.equal(rows.length, 2);
      seq = String(rows[0]!.seq);
      await sql`update audit_events set data = '{"tampered":true}' where seq = ${seq}`.execute(handle.db);
    } finally {
      await handle.close();
    }
    const broken = inst.cli(['audit', 'verify']);
    assert.equal(broken.status, 1, broken.stdout);
    assert.match(broken.stderr, new RegExp(`BROKEN at event seq=${seq} `));
  });
});
