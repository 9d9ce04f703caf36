/**
 * The repository explains itself: no comment, test, script or document cites a specification that
 * is not in it (the contract lives in docs/), and every docs/ file the README or a comment points to
 * exists.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { root } from '../helpers/entry-points.js';

const TEXT = /\.(ts|js|mjs|md|json|ya?ml|conf|service|css)$|Dockerfile$/;
const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((f) => TEXT.test(f) && f !== 'package-lock.json' && existsSync(join(root, f)));

describe('documents that live in the repository', () => {
  it('nothing cites the outside specification (its section signs, its file name, the folder beside the repository)', () => {
    // the patterns are assembled so this file does not match itself
    const outside = new RegExp(['SPEC', ' ?§', '|SPEC', '\\.md|\\.\\./', 'shared/'].join(''));
    const offenders = files.filter((f) => outside.test(readFileSync(join(root, f), 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('every docs/ page referred to exists', () => {
    const referred = new Set<string>();
    for (const f of files) for (const m of readFileSync(join(root, f), 'utf8').matchAll(/\bdocs\/([a-z0-9-]+\.md)/g)) referred.add(m[1]!);
    assert.ok(referred.size >= 4, 'the code points into docs/');
    for (const page of referred) assert.ok(existsSync(join(root, 'docs', page)), `docs/${page} is referred to but missing`);
  });
});
