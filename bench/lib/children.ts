/**
 * Child processes of the bench (Gatehouse, the bare Fastify server, the raw argon2 hasher) and
 * everything that must be undone on exit: every child is killed, temp dirs removed, the
 * PostgreSQL database dropped and the Redis keys deleted — on success, failure, Ctrl-C or SIGTERM.
 * Each child also preloads bench/child-guard.mjs, which exits it if the bench itself dies hard.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

export const benchDir = fileURLToPath(new URL('..', import.meta.url));
export const rootDir = fileURLToPath(new URL('../..', import.meta.url));
const guard = fileURLToPath(new URL('../child-guard.mjs', import.meta.url));

type Cleanup = () => Promise<void> | void;
const cleanups: { name: string; fn: Cleanup }[] = [];
const children = new Set<ChildProcess>();

/** registers an undo step; they run last-in first-out */
export function onCleanup(name: string, fn: Cleanup): () => void {
  const entry = { name, fn };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

let cleaning: Promise<void> | null = null;
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children) await stopChild(child);
    while (cleanups.length > 0) {
      const { name, fn } = cleanups.pop()!;
      try {
        await fn();
      } catch (error) {
        console.error(`cleanup "${name}" failed:`, error instanceof Error ? error.message : error);
      }
    }
  })();
  return cleaning;
}

/** Ctrl-C, SIGTERM and a plain exit all kill the children */
export function installExitHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping children and cleaning up…`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
  // last resort (synchronous): nothing may outlive the bench
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}

export interface Child {
  proc: ChildProcess;
  name: string;
  /** the last lines the child wrote (stdout and stderr), for error messages */
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * With `logFile`, the child's stdout goes straight to that file (as a server's log goes to a file
 * or a log shipper), not through this process: at LOG_LEVEL=info Gatehouse writes a line per
 * request, and reading them here would load the load generator.
 */
export function startChild(name: string, nodeArgs: string[], script: string, env: NodeJS.ProcessEnv, cwd: string, logFile?: string): Child {
  const logFd = logFile ? openSync(logFile, 'a') : null;
  const proc = spawn(process.execPath, ['--import', guard, ...nodeArgs, script], { cwd, env, stdio: ['ignore', logFd ?? 'pipe', 'pipe'] });
  if (logFd !== null) closeSync(logFd);
  children.add(proc);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  proc.stdout?.on('data', keep);
  proc.stderr!.on('data', keep);
  const tailOfLog = () => {
    if (!logFile) return [];
    const text = readFileSync(logFile, 'utf8');
    return text.slice(-8000).split('\n').filter(Boolean);
  };
  const exited = new Promise<number | null>((resolve) => {
    proc.once('exit', (code) => {
      children.delete(proc);
      resolve(code);
    });
  });
  return { proc, name, output: () => [...tailOfLog(), ...lines].slice(-40).join('\n'), exited, stop: () => stopChild(proc) };
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) {
    children.delete(proc);
    return;
  }
  const gone = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  // a profiled child (--cpu-prof, --prof) writes its profile on the way out: give it time
  const profiled = proc.spawnargs.some((a) => a.startsWith('--cpu-prof') || a === '--prof');
  const timer = setTimeout(() => proc.kill('SIGKILL'), profiled ? 60_000 : 3000);
  await gone;
  clearTimeout(timer);
  children.delete(proc);
}

/** a free TCP port on 127.0.0.1 (asked of the OS, then released) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** polls `url` until it answers 200; fails early if the child exits */
export async function waitReady(child: Child, url: string, timeoutMs = 60_000): Promise<number> {
  const t0 = performance.now();
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (performance.now() - t0 < timeoutMs) {
    if (exited) throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${child.name} was not ready within ${timeoutMs / 1000} s:\n${child.output()}`);
}

/**
 * CPU time of a process (all its threads: the argon2 work on libuv's pool counts) in seconds,
 * from /proc; null where /proc is not available.
 */
export function processCpuSeconds(pid: number | undefined, mainThreadOnly = false, tid?: number): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(tid !== undefined ? `/proc/${pid}/task/${tid}/stat` : mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (fields 14 and 15 of proc(5)), in clock ticks (100/s)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** busy and total CPU time of the whole machine, in ms summed over cores */
export function machineCpu(): { busy: number; total: number; steal: number } {
  let busy = 0;
  let total = 0;
  for (const c of cpus()) {
    const t = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
    total += t;
    busy += t - c.times.idle;
  }
  return { busy, total, steal: stealTicks() };
}

/**
 * CPU time the hypervisor gave to other guests (/proc/stat `steal`, in clock ticks; 0 where it
 * is not reported). os.cpus() leaves it out, yet on a shared host it slows every process measured.
 */
function stealTicks(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    return Number(line.trim().split(/\s+/)[8] ?? 0) || 0;
  } catch {
    return 0;
  }
}

/** measures CPU use of the given processes, this one and the machine between start and stop */
export class CpuMeter {
  readonly #pids: Record<string, number | undefined>;
  readonly #groups: Record<string, number[]>;
  #groupStart = new Map<number, number | null>();
  #start: Record<string, number | null> = {};
  #self = process.cpuUsage();
  #machine = machineCpu();
  #t0 = performance.now();

  /** pids: one process each (and its event-loop thread); groups: summed processes (PostgreSQL backends) */
  constructor(pids: Record<string, number | undefined>, groups: Record<string, number[]> = {}) {
    this.#pids = pids;
    this.#groups = groups;
    this.reset();
  }

  reset(): void {
    this.#start = Object.fromEntries(
      Object.entries(this.#pids).flatMap(([k, pid]) => [
        [k, processCpuSeconds(pid)],
        [`${k}Main`, processCpuSeconds(pid, true)],
      ]),
    );
    this.#groupStart = new Map(Object.values(this.#groups).flat().map((pid) => [pid, processCpuSeconds(pid)]));
    this.#self = process.cpuUsage();
    this.#machine = machineCpu();
    this.#t0 = performance.now();
  }

  /** cores used (1.0 = one core fully busy) per process, by the bench itself, and machine busy % */
  read(): Record<string, number | null> {
    const seconds = (performance.now() - this.#t0) / 1000;
    const out: Record<string, number | null> = {};
    for (const [k, pid] of Object.entries(this.#pids)) {
      const a = this.#start[k];
      const b = processCpuSeconds(pid);
      out[`${k}Cores`] = a === null || a === undefined || b === null ? null : round((b - a) / seconds, 2);
      // the event-loop thread alone (the rest of the process: libuv's pool — argon2 — and V8's threads)
      const am = this.#start[`${k}Main`];
      const bm = processCpuSeconds(pid, true);
      out[`${k}MainThreadCores`] = am === null || am === undefined || bm === null ? null : round((bm - am) / seconds, 2);
    }
    for (const [k, pids] of Object.entries(this.#groups)) {
      let sum = 0;
      for (const pid of pids) {
        const a = this.#groupStart.get(pid);
        const b = processCpuSeconds(pid);
        if (a !== null && a !== undefined && b !== null) sum += b - a;
      }
      out[`${k}Cores`] = round(sum / seconds, 2);
    }
    const self = process.cpuUsage(this.#self);
    out.loadGeneratorCores = round((self.user + self.system) / 1e6 / seconds, 2);
    const m = machineCpu();
    const busyShare = (m.busy - this.#machine.busy) / Math.max(1, m.total - this.#machine.total);
    out.machineBusyPct = round(100 * busyShare, 1);
    // what the rest of the machine used meanwhile (other processes; PostgreSQL and Redis count here)
    const ours = [...Object.keys(this.#pids), ...Object.keys(this.#groups)].reduce((sum, k) => sum + (out[`${k}Cores`] ?? 0), out.loadGeneratorCores);
    // and the CPU the hypervisor gave to other guests meanwhile (clock ticks are 1/100 s on Linux)
    out.stolenCores = round((m.steal - this.#machine.steal) / 100 / seconds, 2);
    out.otherCores = round(Math.max(0, busyShare * cpus().length - ours) + out.stolenCores, 2);
    return out;
  }
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

let quietBudgetMs = 60_000;
/**
 * Other work on the machine (tests, compilers) skews a benchmark. Waits, in 0.5 s samples, until
 * the machine is nearly idle (< `maxBusyCores` busy beyond `ownCores`), at most `maxWaitMs` here and
 * 60 s over the whole run. Returns how long it waited and how busy the last sample was.
 */
export async function waitForQuiet(maxWaitMs = 15_000, maxBusyCores = 0.3): Promise<{ waitedMs: number; busyCores: number }> {
  const t0 = performance.now();
  let busyCores = 0;
  for (;;) {
    const a = machineCpu();
    await new Promise((r) => setTimeout(r, 500));
    const b = machineCpu();
    busyCores = round(((b.busy - a.busy) / Math.max(1, b.total - a.total)) * cpus().length + (b.steal - a.steal) / 100 / 0.5, 2);
    const waited = performance.now() - t0;
    if (busyCores < maxBusyCores || waited >= Math.min(maxWaitMs, quietBudgetMs)) {
      quietBudgetMs = Math.max(0, quietBudgetMs - waited);
      return { waitedMs: Math.round(waited), busyCores };
    }
  }
}

/** user and kernel CPU seconds of one thread (Linux /proc), zeros when unknown */
export function threadCpuSplit(pid: number | undefined, tid: number | undefined): { user: number; kernel: number } {
  if (!pid || tid === undefined) return { user: 0, kernel: 0 };
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / 100, kernel: Number(fields[12]) / 100 };
  } catch {
    return { user: 0, kernel: 0 };
  }
}

/** CPU seconds of every thread of a process, by thread id (Linux /proc) */
export function threadCpuSeconds(pid: number | undefined): Map<number, number> {
  const out = new Map<number, number>();
  if (!pid) return out;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const cpu = processCpuSeconds(pid, false, Number(tid));
      if (cpu !== null) out.set(Number(tid), cpu);
    }
  } catch {
    // gone, or no /proc
  }
  return out;
}

/**
 * CPU of a process's threads over a window: the event-loop thread (tid = pid) and the `top`
 * busiest other threads — under a sign-in load, the argon2 hashing threads (Node names every
 * thread "node", so they are told apart by what they do: the hashing threads each use most of a core).
 */
export class ThreadMeter {
  readonly #start: Map<number, number>;
  readonly #mainStart: { user: number; kernel: number };
  readonly #t0 = performance.now();

  constructor(private readonly pid: number | undefined) {
    this.#start = threadCpuSeconds(pid);
    this.#mainStart = threadCpuSplit(pid, pid);
  }

  /**
   * mainUserS / mainKernelS split the event-loop thread's time: on loopback, the kernel time of a
   * send includes the receiving side's TCP processing (PostgreSQL's and Redis's packets are
   * processed in the sender's system call), which a database on another host would not cost.
   */
  read(top: number): { seconds: number; mainCpuS: number; mainUserS: number; mainKernelS: number; busiestCpuS: number[]; restCpuS: number } {
    const mainEnd = threadCpuSplit(this.pid, this.pid);
    const end = threadCpuSeconds(this.pid);
    const used = [...end].map(([tid, cpu]) => [tid, cpu - (this.#start.get(tid) ?? 0)] as const);
    const main = used.find(([tid]) => tid === this.pid)?.[1] ?? 0;
    const others = used.filter(([tid]) => tid !== this.pid).map(([, cpu]) => cpu).sort((a, b) => b - a);
    const busiest = others.slice(0, top);
    const rest = others.slice(top).reduce((s, c) => s + c, 0);
    return {
      seconds: (performance.now() - this.#t0) / 1000,
      mainCpuS: main,
      mainUserS: mainEnd.user - this.#mainStart.user,
      mainKernelS: mainEnd.kernel - this.#mainStart.kernel,
      busiestCpuS: busiest,
      restCpuS: rest,
    };
  }
}

/** samples a process's resident memory every 100 ms; `stop` gives the peak and the mean, MiB */
export function sampleRss(pid: number | undefined): { stop(): { peakMiB: number; meanMiB: number } } {
  const samples: number[] = [];
  const read = () => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) samples.push(Number(m[1]) / 1024);
    } catch {
      // gone
    }
  };
  read();
  const timer = setInterval(read, 100);
  return {
    stop() {
      clearInterval(timer);
      read();
      return { peakMiB: round(Math.max(...samples), 1), meanMiB: round(samples.reduce((s, v) => s + v, 0) / Math.max(1, samples.length), 1) };
    },
  };
}
