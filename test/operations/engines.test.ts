/**
 * Node versions (#16): guards that `npm install` on Node 20.19 prints no EBADENGINE warning — our
 * `engines` field and every locked dependency's agree (cookie@2, pulled in by @fastify/cookie,
 * asked for Node >= 22; package.json overrides it with cookie 1.1, the same API) — and that the
 * tree also accepts the Node versions we must run unchanged on.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import semver from 'semver';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };

describe('Node engines', () => {
  const floor = semver.minVersion(pkg.engines.node)!.version;

  it(`package.json says ${pkg.engines.node}; every locked package accepts ${floor}, 22 and 24`, () => {
    const refused: string[] = [];
    for (const [path, meta] of Object.entries(lock.packages)) {
      const range = !meta.engines || Array.isArray(meta.engines) ? undefined : meta.engines.node;
      if (!path || !range) continue;
      for (const version of [floor, '22.13.0', '24.0.0']) {
        if (!semver.satisfies(version, range)) refused.push(`${path} wants node ${range}, refuses ${version}`);
      }
    }
    assert.deepEqual(refused, []);
  });
});
