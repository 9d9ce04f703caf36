// @ts-check
/**
 * Runs in the password-hashing worker threads (see password-hasher.ts). Plain JavaScript on
 * purpose: worker threads then load it the same way from src/ (tests, `npm run dev`) and from
 * dist/ (tsc copies it), without a TypeScript loader inside the worker.
 *
 * Each thread lowers its own scheduling priority first: on Linux the nice value is per thread,
 * so hashing uses every idle cycle but yields the CPU to the event-loop thread whenever that has
 * requests to serve. That keeps session checks fast while a sign-in storm keeps every core busy.
 */
import { hashSync, verifySync } from '@node-rs/argon2';
import { verifySync as bcryptVerifySync } from '@node-rs/bcrypt';
import { setPriority } from 'node:os';

try {
  setPriority(0, 10);
} catch {
  // not permitted on this platform: hashing still works, at normal priority
}

const ARGON2ID = 2; // @node-rs/argon2 Algorithm.Argon2id

/** @param {{ password: string, memoryKib: number, timeCost: number, parallelism: number }} task */
export function hash(task) {
  return hashSync(task.password, { algorithm: ARGON2ID, memoryCost: task.memoryKib, timeCost: task.timeCost, parallelism: task.parallelism });
}

/** @param {{ stored: string, password: string }} task */
export function verify(task) {
  try {
    if (task.stored.startsWith('$argon2')) return verifySync(task.stored, task.password);
    return bcryptVerifySync(task.password, task.stored);
  } catch {
    return false; // a malformed stored hash never verifies
  }
}
