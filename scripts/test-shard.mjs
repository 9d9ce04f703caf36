// One test worker (see run-tests.mjs): loads its test files into this process, one after the
// other; node:test then runs their top-level suites in that order.
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) await import(pathToFileURL(file).href);
