// One test worker (see run-tests.mjs): loads its test files into this process, one after the
// other; node:test then runs their top-level suites in that order.
//
// node:test prints its summary and lets the process end only when the event loop is empty, so a
// test that leaves a handle open (a spawned server, a socket) would keep this worker alive for
// ever after its last test. A last top-level test, queued behind every file's suites, tells the
// runner that all tests have finished (a line on stderr); the runner then gives the worker a short
// while to exit and stops it otherwise, failing the run with the handles printed here.
import { createHook } from 'node:async_hooks';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { closeIdleCopies } from '../test/helpers/test-database.ts';

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

for (const file of process.argv.slice(2)) await import(pathToFileURL(file).href);

test('worker: every test file ran', async () => {
  await closeIdleCopies();
  process.stderr.write('::gatehouse-shard-done::\n');
  const report = setTimeout(() => {
    const handles = process._getActiveHandles().map((h) => {
      if (h?.constructor?.name === 'ChildProcess') return `child process ${h.pid}: ${h.spawnargs.join(' ')}`;
      if (h?.constructor?.name === 'Socket') return `socket ${h.remoteAddress ?? ''}:${h.remotePort ?? ''} local ${h.localPort ?? ''} (fd ${h._handle?.fd ?? '?'})`;
      if (h?.constructor?.name === 'Server') return `server ${JSON.stringify(h.address())}`;
      return h?.constructor?.name ?? String(h);
    });
    const live = [...timers.values()].filter((t) => t.resource !== report && typeof t.resource.hasRef === 'function' && t.resource.hasRef() && !t.resource._destroyed);
    process.stderr.write(`still open after the last test: ${process.getActiveResourcesInfo().join(', ')}\n  ${handles.join('\n  ')}\n${live.map((t) => `timer (${t.resource._idleTimeout} ms${t.resource._repeat ? ', repeating' : ''}) made at\n${t.stack}`).join('\n')}\n`);
  }, 10_000);
  report.unref();
});
