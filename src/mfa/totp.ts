/**
 * TOTP (RFC 6238) as docs/security.md fixes it: HMAC-SHA-1, 6 digits, 30-second steps, the previous and
 * next step accepted besides the current one. The HOTP arithmetic is otpauth's; what is ours is
 * the replay rule: a code is accepted only for a step *after* the last accepted one, so the caller
 * stores the step this returns (conditionally, see mfa-repository `acceptTotpStep`).
 */
import { timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** steps accepted either side of the current one */
export const TOTP_WINDOW = 1;

/** a new secret: 160 random bits (RFC 4226's recommended length), base32 without padding */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** the time step of `timeMs` */
export function totpStep(timeMs: number): number {
  return Math.floor(timeMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** the code of `secret` (base32) at `timeMs`; `digits` other than 6 only for the RFC's test vectors */
export function totpCode(secret: string, timeMs: number, digits = TOTP_DIGITS): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits, period: TOTP_PERIOD_SECONDS, timestamp: timeMs });
}

/**
 * The step whose code `code` is, among the window around `timeMs`, considering only steps after
 * `lastStep` (null: none used yet); null when it matches none of them. Compared in constant time.
 */
export function matchTotp(secret: string, code: string, timeMs: number, lastStep: number | null): number | null {
  if (!/^[0-9]{6}$/.test(code)) return null;
  const current = totpStep(timeMs);
  let matched: number | null = null;
  for (let step = current - TOTP_WINDOW; step <= current + TOTP_WINDOW; step++) {
    if (lastStep !== null && step <= lastStep) continue;
    const expected = totpCode(secret, step * TOTP_PERIOD_SECONDS * 1000);
    // every candidate is compared (no early exit), the earliest match wins
    if (timingSafeEqual(Buffer.from(expected), Buffer.from(code)) && matched === null) matched = step;
  }
  return matched;
}

/**
 * The Key URI authenticator apps read (docs/security.md's exact form): SHA-1, 6 digits and 30 s are the
 * format's defaults, so they are not spelled out.
 */
export function otpauthUri(issuer: string, account: string, secret: string): string {
  const i = encodeURIComponent(issuer);
  return `otpauth://totp/${i}:${encodeURIComponent(account)}?secret=${secret}&issuer=${i}`;
}
