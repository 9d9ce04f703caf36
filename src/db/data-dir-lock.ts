/**
 * One process at a time on an embedded database. PGlite is Postgres in single-user mode inside
 * this process: a second process opening the same directory (a CLI command next to a running
 * server) writes behind the first one's back — its changes vanish or the files end up corrupt.
 * The opener holds `<dir>.lock` (the directory's sibling, holding its PID and start time); another
 * opener is refused with a message that says what to do, and a lock left by a process that no
 * longer runs is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

export class DataDirBusyError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
    lockPath: string,
  ) {
    super(
      `The embedded database in ${dir} is in use by another Gatehouse process (PID ${pid}). ` +
        'PGlite allows one process at a time: stop that process first, or point both at PostgreSQL (DATABASE_URL). ' +
        `If no such process runs, remove ${lockPath}.`,
    );
    this.name = 'DataDirBusyError';
  }
}

/**
 * When the process started (Linux: /proc/<pid>/stat, clock ticks since boot), or null where that
 * cannot be read. Kept in the lock beside the PID: a PID alone is reused — in a container the
 * server is PID 1 in every incarnation, so a lock left by a killed container would look held by
 * the next one forever.
 */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** is the process that wrote `holder` ("<pid> <start time>") still running? */
function holderRuns(holder: string): boolean {
  const [pidText = '', started = ''] = holder.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const now = startTime(pid);
  return now === null || started === '' || now === started;
}

/** directories this process holds (a second open from the same process is refused too) */
const held = new Set<string>();

/** takes the lock for `dir` (throws DataDirBusyError when a live process holds it); returns its release */
export function lockDataDir(dir: string): () => void {
  const path = `${dir}.lock`;
  const me = `${process.pid} ${startTime(process.pid) ?? ''}`.trim();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      held.add(path);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held.delete(path);
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readFileSync(path, 'utf8');
      if (held.has(path) || (holder.trim() !== me && holderRuns(holder))) throw new DataDirBusyError(dir, Number(holder.trim().split(/\s+/)[0]), path);
      // left behind by a process that is gone (killed, crashed, an earlier container): take it over
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

/**
 * The PID of another live process holding the lock for `dir`, or null when nobody (or only a
 * process that is gone) holds it — the CLI then opens the database itself, and otherwise asks that
 * process to carry its command out.
 */
export function dataDirHolder(dir: string): number | null {
  let holder: string;
  try {
    holder = readFileSync(`${dir}.lock`, 'utf8');
  } catch {
    return null;
  }
  const pid = Number(holder.trim().split(/\s+/)[0]);
  return pid !== process.pid && holderRuns(holder) ? pid : null;
}
