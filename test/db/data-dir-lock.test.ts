/**
 * One process at a time on an embedded database (src/db/data-dir-lock.ts): a second opener is
 * refused with a message that says what to do; a lock left by a process that is gone is taken
 * over; closing the database releases it. The CLI side (a command next to a running server) is in
 * test/cli/serve-and-cli.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { DataDirBusyError, lockDataDir } from '../../src/db/data-dir-lock.js';

describe('embedded DATA_DIR lock', () => {
  const root = mkdtempSync(join(tmpdir(), 'gatehouse-lock-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('a second lock on the same directory is refused, naming the holder; released, it can be taken again', () => {
    const dir = join(root, 'a');
    const release = lockDataDir(dir);
    assert.match(readFileSync(`${dir}.lock`, 'utf8'), new RegExp(`^${process.pid}( \\d+)?$`), 'PID and start time');
    assert.throws(() => lockDataDir(dir), (e: unknown) => e instanceof DataDirBusyError && e.pid === process.pid && /in use by another Gatehouse process/.test(e.message));
    release();
    assert.equal(existsSync(`${dir}.lock`), false);
    lockDataDir(dir)();
  });

  it('a lock left by a process that no longer runs is taken over', () => {
    const dir = join(root, 'b');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(`${dir}.lock`, gone.stdout);
    const release = lockDataDir(dir);
    assert.match(readFileSync(`${dir}.lock`, 'utf8'), new RegExp(`^${process.pid}\\b`));
    release();
  });

  it('a lock with a running PID but another start time (the PID reused, as PID 1 in every container) is taken over', { skip: process.platform === 'linux' ? false : 'start times come from /proc' }, () => {
    const dir = join(root, 'd');
    writeFileSync(`${dir}.lock`, `${process.pid} 1`);
    const release = lockDataDir(dir);
    assert.notEqual(readFileSync(`${dir}.lock`, 'utf8'), `${process.pid} 1`);
    release();
  });

  it('openDatabase holds it for an on-disk PGlite until close', async () => {
    const dataDir = join(root, 'c');
    const handle = await openDatabase({ databaseUrl: null, dataDir, poolMax: 1 });
    await assert.rejects(openDatabase({ databaseUrl: null, dataDir, poolMax: 1 }), DataDirBusyError);
    await handle.close();
    const again = await openDatabase({ databaseUrl: null, dataDir, poolMax: 1 });
    await again.close();
  });
});
