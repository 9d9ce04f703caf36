/**
 * Recovery codes (docs/security.md): 10 per set, each 10 characters of a-z2-7 (50 random bits) shown as
 * `xxxxx-xxxxx`; the dash, case and surrounding spaces are optional on input. Only a keyed hash
 * is stored — HMAC-SHA-256 under a key derived from SECRETS_KEY — so a copy of the database alone
 * is not enough to search the 2^50 possibilities offline. Lookups are by hash.
 */
import { createHmac, randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const RECOVERY_CODE_COUNT = 10;

function newCode(): string {
  let code = '';
  for (let i = 0; i < 10; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}

/** a fresh set of distinct codes, as shown to the user */
export function newRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newCode());
  return [...codes];
}

/** the code as stored (10 characters, no dash), or null when the input cannot be one */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.trim().toLowerCase();
  const bare = /^[a-z2-7]{5}-[a-z2-7]{5}$/.test(code) ? code.replace('-', '') : code;
  return /^[a-z2-7]{10}$/.test(bare) ? bare : null;
}

export class RecoveryCodeHasher {
  constructor(private readonly key: Buffer) {}

  /** the stored form of a code (with or without its dash) */
  hash(code: string): string {
    return createHmac('sha256', this.key).update(code.replace('-', '')).digest('base64url');
  }
}
