// One test worker (see run-tests.mjs): loads its test files into this process, one after the
// other; node:test then runs their top-level suites in that order.
//
// node:test prints its summary and lets the process end only when the event loop is empty, so a
// test that leaves a handle open (a spawned server, a socket) would keep this worker alive for
// ever after its last test. A last top-level test, queued behind every file's suites, tells the
// runner that all tests have finished (a line on stderr); the runner then gives the worker a short
// while to exit and stops it otherwise, failing the run with the handles printed here. Child
// processes still running at that point are killed by that last test, which fails naming the test
// file that started each one. SIGUSR2 (sent by the runner when a file overruns its deadline)
// prints the open handles too.
import { createHook } from 'node:async_hooks';
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { closeIdleCopies } from '../test/helpers/test-database.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// TEST_TRACE_TIMERS=1: remember where each timer was made, to name the one that keeps a worker alive
const timers = new Map();
if (process.env.TEST_TRACE_TIMERS) {
  createHook({
    init(id, type, _trigger, resource) {
      if (type === 'Timeout') timers.set(id, { resource, stack: new Error().stack.split('\n').slice(2, 12).join('\n') });
    },
    destroy(id) {
      timers.delete(id);
    },
  }).enable();
}

// every child process a test starts, with the place in a test file that started it (the first
// frame under test/), so one left running can be named
const children = new Map();
const origin = () => {
  const frames = new Error().stack.split('\n').slice(2);
  const frame = frames.find((f) => f.includes('/test/') && !f.includes('node_modules')) ?? frames.find((f) => !f.includes('node:')) ?? '';
  return frame.trim().replace(/^at /, '').replace(`file://${root}`, '').replace(root, '');
};
const originalSpawn = childProcess.spawn;
childProcess.spawn = function spawn(...args) {
  const child = originalSpawn.apply(this, args);
  children.set(child, origin());
  child.once('exit', () => children.delete(child));
  return child;
};
syncBuiltinESMExports(); // `import { spawn } from 'node:child_process'` in the test files sees the wrapper

function describeHandles() {
  const handles = process._getActiveHandles().map((h) => {
    if (h?.constructor?.name === 'ChildProcess') return `child process ${h.pid}: ${h.spawnargs.join(' ')}${children.has(h) ? ` (started at ${children.get(h)})` : ''}`;
    if (h?.constructor?.name === 'Socket') return `socket ${h.remoteAddress ?? ''}:${h.remotePort ?? ''} local ${h.localPort ?? ''} (fd ${h._handle?.fd ?? '?'})`;
    if (h?.constructor?.name === 'Server') return `server ${JSON.stringify(h.address())}`;
    return h?.constructor?.name ?? String(h);
  });
  const live = [...timers.values()].filter((t) => typeof t.resource.hasRef === 'function' && t.resource.hasRef() && !t.resource._destroyed);
  return `${process.getActiveResourcesInfo().join(', ')}\n  ${handles.join('\n  ')}\n${live.map((t) => `timer (${t.resource._idleTimeout} ms${t.resource._repeat ? ', repeating' : ''}) made at\n${t.stack}`).join('\n')}\n`;
}

process.on('SIGUSR2', () => process.stderr.write(`open handles: ${describeHandles()}`));

for (const file of process.argv.slice(2)) {
  // a file whose import never finishes (top-level await) is named by the runner too
  process.stderr.write(`::gatehouse-file:: ${file}\n`);
  await import(pathToFileURL(file).href);
}

test('worker: every test file ran', async () => {
  await closeIdleCopies();
  // a child process still running keeps this worker alive (its pipes are open handles): stop it,
  // and fail, naming where it was started
  const left = [...children].filter(([child]) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    left.map(([child]) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      return exited;
    }),
  );
  process.stderr.write('::gatehouse-shard-done::\n');
  const report = setTimeout(() => process.stderr.write(`still open after the last test: ${describeHandles()}`), 10_000);
  report.unref();
  if (left.length > 0) {
    throw new Error(`a test left child processes running (killed now):\n${left.map(([child, at]) => `  ${child.pid} ${child.spawnargs.join(' ')} started at ${at}`).join('\n')}`);
  }
});
