/**
 * The compiled entry points (dist/), as users run them (`npm start`, `npx gatehouse`), for tests
 * that spawn a server or a CLI command. `npm test` builds dist/ first; a test run on its own checks
 * here that dist/ is not older than src/ rather than test yesterday's build.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const root = new URL('../../', import.meta.url).pathname;
export const SERVER = join(root, 'dist/server.js');
export const CLI = join(root, 'dist/cli/main.js');

/** the newest modification time of the files under `dir` whose name matches `ext` */
function newest(dir: string, ext: RegExp): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path, ext));
    else if (ext.test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

let checked = false;
/** throws when a source file changed after the last build (tsc writes its build info on every build that changed anything) */
export function assertBuilt(): void {
  if (checked) return;
  let built = 0;
  try {
    built = statSync(join(root, 'dist/.tsbuildinfo')).mtimeMs;
  } catch {
    // never built
  }
  if (newest(join(root, 'src'), /\.(ts|js)$/) > built) throw new Error('dist/ is older than src/: run `npm run build` (npm test does it for you)');
  checked = true;
}
