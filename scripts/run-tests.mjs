#!/usr/bin/env node
// Runs the test suites with Node's own test runner (Node 20 neither expands globs nor runs .ts).
// Finds the test files, builds dist/ (incrementally; tests that spawn a server or the CLI run it),
// prepares the shared PGlite template once, then runs the files in a few
// long-lived worker processes (TEST_CONCURRENCY, default: CPU cores + 1) instead of one process
// per file: a process with tsx, zxcvbn and the compiled PGlite costs seconds to start, and 70-odd
// files paid it 70-odd times. Each worker runs its files one after the other (scripts/test-shard.mjs);
// files are dealt out by estimated run time, longest first: size (about 1.5 bytes of test per ms), plus
// a few seconds for every process a file starts (a server or a CLI command: Node, PGlite, argon2).
// Output is printed one finished top-level suite at a time, so the workers' lines never interleave.
// Arguments narrow the run to matching paths: `npm test -- auth/login`.
// Each file has a deadline (TEST_FILE_TIMEOUT_SECONDS, default 600): a file still running then is
// named, the worker prints its open handles and is stopped, and the run fails (a hung test fails
// CI in minutes instead of never ending).
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filters = process.argv.slice(2);

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = walk(join(root, 'test'))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((p) => f.includes(p)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched', filters);
  process.exit(1);
}

// the tests that start a server or a CLI command run dist/, as users do: bring it up to date
// (incremental: nothing to do when nothing changed)
const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const prep = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/prepare-template.ts'], { cwd: root, stdio: 'inherit' });
if (prep.status !== 0) process.exit(prep.status ?? 1);

const SPAWNS = /\.cli\(|startServer\(|runServer\(|spawnSync\(|spawn\(|openDatabase\(\{ databaseUrl: null/g;
const estimate = (f) => {
  const text = readFileSync(join(root, f), 'utf8');
  return text.length + 5000 * (text.match(SPAWNS)?.length ?? 0);
};
const workers = Math.max(1, Math.min(files.length, Number(process.env.TEST_CONCURRENCY ?? availableParallelism() + 1)));
const shards = Array.from({ length: workers }, () => ({ files: [], load: 0 }));
for (const f of [...files].sort((a, b) => estimate(b) - estimate(a))) {
  const lightest = shards.reduce((a, b) => (b.load < a.load ? b : a));
  lightest.files.push(f);
  lightest.load += estimate(f);
}

const WORKER_SILENCE_MS = 15 * 60_000;
const EXIT_GRACE_MS = 30_000;
const FILE_TIMEOUT_SECONDS = Number(process.env.TEST_FILE_TIMEOUT_SECONDS ?? 600);
if (!Number.isFinite(FILE_TIMEOUT_SECONDS) || FILE_TIMEOUT_SECONDS <= 0) {
  console.error(`TEST_FILE_TIMEOUT_SECONDS must be a positive number of seconds, not ${process.env.TEST_FILE_TIMEOUT_SECONDS}`);
  process.exit(2);
}
/** how long a stopped worker is given to print its open handles (SIGUSR2) before it is killed */
const HANDLES_REPORT_MS = 2000;
const started = Date.now();
const groups = new Set();
const killGroup = (pid) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const pid of groups) killGroup(pid);
    process.exit(130);
  });
}
const totals = {};
const failures = [];
const workerTimes = [];

function runShard(shard, index) {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        // the spec report on stdout; a line per file begun on stderr (its deadline starts)
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=./scripts/test-file-reporter.mjs',
        '--test-reporter-destination=stderr',
        'scripts/test-shard.mjs',
        ...shard.files,
      ],
      // its own process group, so that stopping it also stops the servers its tests started
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'test' }, detached: true },
    );
    groups.add(child.pid);
    let pending = '';
    let block = [];
    let tail = false;
    const onLine = (line) => {
      const summary = /^ℹ (\w+) ([\d.]+)$/.exec(line);
      if (summary) {
        tail = true;
        totals[summary[1]] = (totals[summary[1]] ?? 0) + Number(summary[2]);
        return;
      }
      block.push(line);
      // a top-level suite or test has finished: print its block whole
      if (!tail && /^[✔✖﹣]/.test(line)) {
        process.stdout.write(block.join('\n') + '\n');
        block = [];
      }
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop();
      lines.forEach(onLine);
    });
    let stderr = '';
    // a worker that is silent for WORKER_SILENCE_MS (a test that never settles), or still alive
    // EXIT_GRACE_MS after its last test (a leaked handle), is stopped and fails the run: better a
    // red run with a reason in minutes than a CI job that never ends
    let stoppedFor = null;
    const stop = (why, { reportHandles = false } = {}) => {
      if (child.exitCode !== null || stoppedFor) return;
      stoppedFor = why;
      process.stderr.write(`✖ worker ${index + 1} ${why}: stopping it\n`);
      if (!reportHandles) return killGroup(child.pid);
      try {
        child.kill('SIGUSR2'); // test-shard.mjs prints its open handles
      } catch {
        // already gone
      }
      setTimeout(() => killGroup(child.pid), HANDLES_REPORT_MS).unref();
    };
    // the file running now (named by test-shard.mjs while importing, by test-file-reporter.mjs while
    // running) and its deadline
    let current = null;
    let fileTimer = null;
    const begin = (file) => {
      clearTimeout(fileTimer);
      current = file;
      fileTimer = setTimeout(() => {
        const rest = shard.files.slice(shard.files.indexOf(current) + 1);
        stop(`ran ${current} longer than its deadline, ${FILE_TIMEOUT_SECONDS} s (TEST_FILE_TIMEOUT_SECONDS)${rest.length > 0 ? `; not run: ${rest.join(', ')}` : ''}`, { reportHandles: true });
      }, FILE_TIMEOUT_SECONDS * 1000);
    };
    let silence = setTimeout(() => stop(`was silent for ${WORKER_SILENCE_MS / 60_000} min`), WORKER_SILENCE_MS);
    const heard = () => {
      clearTimeout(silence);
      silence = setTimeout(() => stop(`was silent for ${WORKER_SILENCE_MS / 60_000} min`), WORKER_SILENCE_MS);
    };
    child.stdout.on('data', heard);
    let grace = null;
    let pendingErr = '';
    const onErrLine = (line) => {
      const marker = /^::gatehouse-file:: (.+)$/.exec(line);
      if (marker) {
        const file = isAbsolute(marker[1]) ? relative(root, marker[1]) : marker[1];
        if (file !== current && shard.files.includes(file)) begin(file);
        return;
      }
      if (line === '::gatehouse-shard-done::') {
        clearTimeout(fileTimer);
        current = null;
        grace ??= setTimeout(() => stop(`was still running ${EXIT_GRACE_MS / 1000} s after its last test`), EXIT_GRACE_MS);
        return;
      }
      stderr += `${line}\n`;
    };
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      pendingErr += chunk;
      const lines = pendingErr.split('\n');
      pendingErr = lines.pop();
      lines.forEach(onErrLine);
    });
    child.on('close', (code, signal) => {
      groups.delete(child.pid);
      killGroup(child.pid); // whatever its tests left running
      clearTimeout(silence);
      clearTimeout(grace);
      clearTimeout(fileTimer);
      if (pendingErr) onErrLine(pendingErr);
      workerTimes[index] = `${shard.files.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s`;
      if (pending) onLine(pending);
      if (block.length > 0) process.stdout.write(block.join('\n') + '\n');
      if (stderr.trim()) process.stderr.write(`[worker ${index + 1}] ${stderr}`);
      if (stoppedFor) failures.push(`worker ${index + 1} (${shard.files.join(', ')}) ${stoppedFor}: stopped`);
      else if (code !== 0) failures.push(`worker ${index + 1} (${shard.files.join(', ')}) exited with ${code ?? signal}`);
      resolve();
    });
  });
}

await Promise.all(shards.map(runShard));

const order = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'];
for (const k of order) if (totals[k] !== undefined) console.log(`ℹ ${k} ${totals[k]}`);
console.log(`ℹ files ${files.length} in ${workers} workers, ${((Date.now() - started) / 1000).toFixed(1)} s (${workerTimes.join('; ')})`);
// a worker's exit code alone is not trusted: a failed or cancelled test fails the run whatever the
// process exited with (something in a test process calling process.exit(0) must not hide a failure)
if ((totals.fail ?? 0) > 0 || (totals.cancelled ?? 0) > 0) failures.push(`${totals.fail ?? 0} failed and ${totals.cancelled ?? 0} cancelled tests`);
if (failures.length > 0) {
  for (const f of failures) console.error(`✖ ${f}`);
  process.exit(1);
}
