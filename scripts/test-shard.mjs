// One test worker (see run-tests.mjs): loads its test files into this process, one after the
// other; node:test then runs their top-level suites in that order.
import { after } from 'node:test';
import { pathToFileURL } from 'node:url';

// Once every suite of this worker has finished (and its own after-hooks ran), the process should
// end by itself. If something a test left open keeps it alive, end it anyway after a grace period
// (the reporter has flushed by then; node:test's exit code stands, and run-tests.mjs also fails the
// run on any failed test) and name what was still open, so the leak can be found.
after(() => {
  setTimeout(() => {
    const open = process._getActiveHandles().map((h) => h?.constructor?.name ?? typeof h);
    process.stderr.write(`test worker still alive 10 s after its last suite; open handles: ${open.join(', ') || 'none'}\n`);
    process.exit(process.exitCode ?? 0);
  }, 10_000).unref();
});

for (const file of process.argv.slice(2)) await import(pathToFileURL(file).href);
