/**
 * DATA_DIR holds the embedded database and the generated secrets key: readable by its owner only
 * (docs/operations.md). A new one is created 0700; an existing one that others can read or enter is used as
 * it is (changing an operator's permissions behind their back would surprise), with a warning.
 */
import { mkdirSync, statSync } from 'node:fs';

/** creates `dir` (and missing parents) 0700; returns a warning when an existing one is open to others */
export function ensureDataDir(dir: string): string | null {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  return `DATA_DIR ${dir} is accessible to other users of this machine (mode ${mode.toString(8).padStart(3, '0')}): it holds the embedded database and the secrets key. Restrict it: chmod 700 ${dir}`;
}
