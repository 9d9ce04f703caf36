/**
 * Guards #16's finding on embedded data: DATA_DIR and PGlite's files were created 0755/0644,
 * readable by every local user (only secrets.key was 0600). DATA_DIR is created 0700 now, and an
 * existing one open to others is reported at start (docs/operations.md), not silently changed.
 */
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { ensureDataDir } from '../../src/db/data-dir.js';
import { resolveSecretsKey } from '../../src/security/secret-box.js';
import { buildTestContext } from '../helpers/build-test-app.js';

describe('DATA_DIR permissions', () => {
  const base = mkdtempSync(join(tmpdir(), 'gatehouse-datadir-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('a new DATA_DIR (and its missing parents) is created 0700, and the generated key 0600', () => {
    const dir = join(base, 'new', 'data');
    assert.equal(ensureDataDir(dir), null);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(statSync(join(base, 'new')).mode & 0o777, 0o700);
    const other = join(base, 'keyed');
    resolveSecretsKey(null, other);
    assert.equal(statSync(other).mode & 0o777, 0o700);
    assert.equal(statSync(join(other, 'secrets.key')).mode & 0o777, 0o600);
  });

  it('an existing one open to others is left as it is, with a warning naming the fix', () => {
    const dir = join(base, 'open');
    ensureDataDir(dir);
    chmodSync(dir, 0o755);
    assert.match(ensureDataDir(dir) ?? '', /accessible to other users.*mode 755.*chmod 700/);
    assert.equal(statSync(dir).mode & 0o777, 0o755, 'not changed behind the operator');
  });

  it('the server says so in its log at start', async () => {
    const lines: string[] = [];
    const stream = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const t = await buildTestContext({ log: { level: 'warn', stream } });
    try {
      chmodSync(t.dataDir, 0o750);
      const second = await buildTestContext({ log: { level: 'warn', stream }, env: { DATA_DIR: t.dataDir } });
      await second.close();
      assert.ok(lines.some((l) => /"level":40/.test(l) && l.includes('is accessible to other users')), lines.join(''));
    } finally {
      await t.close();
    }
  });
});
