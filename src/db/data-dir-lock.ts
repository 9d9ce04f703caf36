/**
 * One process at a time on an embedded database. PGlite is Postgres in single-user mode inside
 * this process: a second process opening the same directory (a CLI command next to a running
 * server) writes behind the first one's back — its changes vanish or the files end up corrupt.
 * The opener holds `<dir>.lock` (the directory's sibling, holding its PID); another opener is refused
 * with a message that says what to do, and a lock left by a process that no longer runs is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dir} is in use by another Gatehouse process (PID ${pid}). ` +
        'PGlite allows one process at a time: stop that process first, or point both at PostgreSQL (DATABASE_URL).',
    );
    this.name = 'DataDirBusyError';
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** takes the lock for `dir` (throws DataDirBusyError when a live process holds it); returns its release */
export function lockDataDir(dir: string): () => void {
  const path = `${dir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (holder === process.pid || alive(holder)) throw new DataDirBusyError(dir, holder);
      // left behind by a process that is gone (killed, crashed): take it over
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}
