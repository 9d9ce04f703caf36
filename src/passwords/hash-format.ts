/**
 * The one reader of stored password hashes (the hasher at sign-in, `users import` at import): which
 * formats are accepted — bcrypt `$2a$/$2b$/$2y$` and argon2 PHC strings — and the bounds on their
 * cost. A hash's cost is chosen by whoever made it, and verifying it spends that cost on every
 * sign-in: `$2b$31$` is days of CPU, argon2 with m=4294967295 asks for 4 TiB. So a hash above
 * HASH_COST_LIMITS is refused at import (the line is reported and skipped) and never verified at
 * sign-in (it answers as a wrong password would), which keeps one imported line from stalling
 * everyone's sign-in.
 */

/** the largest cost accepted (well above any sensible setting: our own default is m=19456, t=2, p=1) */
export const HASH_COST_LIMITS = { bcryptCost: 14, argon2MemoryKib: 262_144, argon2TimeCost: 10, argon2Parallelism: 8 } as const;

export type ParsedHash =
  | { kind: 'bcrypt'; cost: number }
  | { kind: 'argon2'; variant: 'argon2id' | 'argon2i' | 'argon2d'; version: number | null; memoryKib: number; timeCost: number; parallelism: number };

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
// numbers of at most 10 digits (4294967295 is the largest argon2 parameter); salt and hash in
// unpadded base64, as the PHC string format writes them
const ARGON2 = /^\$(argon2(?:id|i|d))\$(?:v=(\d{1,10})\$)?m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** the format and cost of a stored hash, or null when it is not one we verify */
export function parseHash(stored: string): ParsedHash | null {
  const bcrypt = BCRYPT.exec(stored);
  if (bcrypt) return { kind: 'bcrypt', cost: Number(bcrypt[1]) };
  const argon2 = ARGON2.exec(stored);
  if (argon2) {
    return {
      kind: 'argon2',
      variant: argon2[1] as 'argon2id' | 'argon2i' | 'argon2d',
      version: argon2[2] === undefined ? null : Number(argon2[2]),
      memoryKib: Number(argon2[3]),
      timeCost: Number(argon2[4]),
      parallelism: Number(argon2[5]),
    };
  }
  return null;
}

/** why verifying this hash would cost too much, or null when it is within HASH_COST_LIMITS */
export function costAboveLimits(hash: ParsedHash): string | null {
  const l = HASH_COST_LIMITS;
  if (hash.kind === 'bcrypt') return hash.cost > l.bcryptCost ? `bcrypt cost ${hash.cost} is above ${l.bcryptCost}` : null;
  if (hash.memoryKib > l.argon2MemoryKib) return `argon2 memory ${hash.memoryKib} KiB is above ${l.argon2MemoryKib} KiB`;
  if (hash.timeCost > l.argon2TimeCost) return `argon2 time cost ${hash.timeCost} is above ${l.argon2TimeCost}`;
  if (hash.parallelism > l.argon2Parallelism) return `argon2 parallelism ${hash.parallelism} is above ${l.argon2Parallelism}`;
  return null;
}

/** why a stored hash cannot be accepted (format or cost), or null when sign-in can verify it */
export function hashRefusal(stored: string): string | null {
  const parsed = parseHash(stored);
  if (!parsed) return 'must be a bcrypt ($2a$, $2b$, $2y$) or argon2 hash';
  const tooCostly = costAboveLimits(parsed);
  return tooCostly ? `${tooCostly} (verifying it would stall sign-in)` : null;
}
