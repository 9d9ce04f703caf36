/**
 * Guards the import of oidc-provider 9 on Node 20: its advice "Unsupported runtime. Use Node.js
 * v22.x LTS" (printed at import for LTS releases before 22) is held back, so an operator on the
 * supported Node 20.19+ is not told at every start that something is wrong; other output passes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('oidc-provider import', () => {
  it('prints no runtime advice, and leaves console.warn as it was', () => {
    const script = [
      "const before = console.warn;",
      "const lib = await import('./src/oidc/oidc-provider-library.ts');",
      "if (typeof lib.Provider !== 'function') throw new Error('no Provider');",
      "if (console.warn !== before) throw new Error('console.warn replaced');",
      "console.warn('other warnings still pass');",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: new URL('../../', import.meta.url), encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(!run.stderr.includes('Unsupported runtime'), run.stderr);
    assert.match(run.stderr, /other warnings still pass/);
  });
});
