/**
 * Opaque secrets handed to clients (refresh tokens): 256 random bits, base64url (cookie-safe).
 * Only their SHA-256 is stored, so a database leak does not yield usable tokens; lookups are by
 * hash (an index probe, not a comparison loop), and the comparisons we do make are constant-time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(sha256(a));
  const bb = Buffer.from(sha256(b));
  return timingSafeEqual(ba, bb);
}

/** a refresh token is 43 base64url characters; anything else is refused before any lookup */
export function looksLikeRefreshToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
