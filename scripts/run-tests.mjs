#!/usr/bin/env node
// Runs the test suites with Node's own test runner (Node 20 neither expands globs nor runs .ts):
// finds test files, prepares the shared PGlite template once, then runs the files in parallel
// child processes. Arguments narrow the run to matching paths: `npm test -- auth/login`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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

const prep = spawnSync(process.execPath, ['--import', 'tsx', 'test/helpers/prepare-template.ts'], {
  cwd: root,
  stdio: 'inherit',
});
if (prep.status !== 0) process.exit(prep.status ?? 1);

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
