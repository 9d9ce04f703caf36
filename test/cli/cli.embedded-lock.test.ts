/**
 * One process at a time on an embedded DATA_DIR (PGlite): a CLI command beside a running server is
 * refused, naming the server's PID, and works once it stops; `audit verify` then exits 2 (could not
 * check), not 1 (broken). On PostgreSQL, where many processes share the database, audit verify
 * against an unreachable database exits 2 too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD } from '../helpers/factories.js';
import { createInstallation, usingPostgres, type Installation } from '../helpers/installation.js';

describe('gatehouse commands beside a running server', () => {
  let inst: Installation;
  before(async () => {
    inst = await createInstallation();
  });
  after(async () => {
    await inst.remove();
  });

  it('embedded: a command next to a running server is refused (PGlite is one process at a time), and works once it stops', { skip: usingPostgres ? 'PostgreSQL takes many processes' : false }, async () => {
    const server = await inst.startServer();
    try {
      for (const [args, input] of [[['keys', 'rotate']], [['create-admin', '--email', 'third@example.com', '--password-stdin'], `${PASSWORD}\n`], [['migrate']]] as const) {
        const r = inst.cli([...args], input);
        assert.notEqual(r.status, 0, `${args.join(' ')} must not run beside the server`);
        assert.match(r.stderr, /in use by another Gatehouse process \(PID \d+\)/);
      }
      const verify = inst.cli(['audit', 'verify']);
      assert.equal(verify.status, 2, 'could not verify: not the exit code of a broken chain');
      assert.match(verify.stderr, /Could not verify the audit chain: .*in use by another Gatehouse process/);
      assert.equal((await fetch(`${server.base}/health/ready`)).status, 200, 'the server is unharmed');
    } finally {
      assert.equal(await server.stop(), 0);
    }
    assert.equal(inst.cli(['audit', 'verify']).status, 0);
  });

  it('audit verify exits 2 (not 1) when it cannot reach the database', { skip: usingPostgres ? false : 'the embedded case is the lock above' }, () => {
    const url = new URL(inst.env.DATABASE_URL!);
    url.pathname = '/gh_no_such_database';
    const r = inst.cli(['audit', 'verify'], undefined, { DATABASE_URL: url.toString() });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /Could not verify the audit chain/);
  });
});
