/**
 * Emailed codes and links (docs/api.md "Codes"):
 * - a code is 8 digits from the CSPRNG (crypto.randomInt); stored only as an HMAC-SHA256 under a
 *   key derived from SECRETS_KEY, bound to its user and purpose — a copy of the table does not
 *   give the codes away (8 digits are too few to survive an unkeyed hash) — and compared in
 *   constant time;
 * - a link carries a separate 256-bit token (base64url), stored as its SHA-256 and looked up by it;
 * - single use (the row is deleted when used), one live code per user and purpose (a new request
 *   replaces it), an expiry, and at most MAX_WRONG_TRIES wrong entries: after that the code is
 *   void and every entry answers 429 too_many_attempts until a new one is requested.
 */
import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { randomToken, sha256 } from '../security/tokens.js';
import type { CodePurpose } from './email-codes-repository.js';

export const MAX_WRONG_TRIES = 5;

/** verification 24 h; reset, email change and sign-in by email 15 min */
export const CODE_LIFETIME_S: Record<CodePurpose, number> = {
  verify_email: 24 * 3600,
  password_reset: 15 * 60,
  email_change: 15 * 60,
  email_change_current: 15 * 60,
  email_login: 15 * 60,
};

export interface FreshCode {
  code: string;
  codeHash: string;
  link: string;
  linkHash: string;
}

export class CodeHasher {
  constructor(private readonly key: Buffer) {}

  fresh(userId: string, purpose: CodePurpose): FreshCode {
    const code = String(randomInt(0, 100_000_000)).padStart(8, '0');
    const link = randomToken();
    return { code, codeHash: this.hash(userId, purpose, code), link, linkHash: sha256(link) };
  }

  hash(userId: string, purpose: CodePurpose, code: string): string {
    return createHmac('sha256', this.key).update(`${purpose}:${userId}:${code}`).digest('hex');
  }

  matches(userId: string, purpose: CodePurpose, entered: string, storedHash: string): boolean {
    const a = Buffer.from(this.hash(userId, purpose, normalizeCode(entered)), 'hex');
    const b = Buffer.from(storedHash, 'hex');
    return a.length === b.length && timingSafeEqual(a, b);
  }

  linkHash(token: string): string {
    return sha256(token);
  }
}

/** what a person types: spaces and dashes between digit groups are forgiven */
export function normalizeCode(entered: string): string {
  return entered.replace(/[\s-]/g, '');
}

/** a link token is 43 base64url characters; anything else is refused before any lookup */
export function looksLikeLinkToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
