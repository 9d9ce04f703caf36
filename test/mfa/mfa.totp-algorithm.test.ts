/**
 * TOTP as docs/security.md fixes it, against RFC 6238's SHA-1 test vectors (Appendix B), and the window
 * and replay rules with a fake clock; recovery codes' format and normalisation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base32 } from '../helpers/base32.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { matchTotp, newTotpSecret, otpauthUri, totpCode, totpStep } from '../../src/mfa/totp.js';
import { newRecoveryCodes, normalizeRecoveryCode, RecoveryCodeHasher } from '../../src/mfa/recovery-codes.js';

// RFC 6238 Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890"
const RFC_SECRET = base32(Buffer.from('12345678901234567890', 'ascii'));
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238, SHA-1)', () => {
  it('computes the RFC test vectors (8 digits as published, and their 6-digit truncation)', () => {
    for (const [seconds, expected] of RFC_VECTORS) {
      assert.equal(totpCode(RFC_SECRET, seconds * 1000, 8), expected, `T=${seconds}`);
      // dynamic truncation mod 10^6: the last 6 digits of the 8-digit value
      assert.equal(totpCode(RFC_SECRET, seconds * 1000), expected.slice(2), `T=${seconds} (6 digits)`);
    }
  });

  it('accepts the previous, current and next step, nothing further', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const secret = newTotpSecret();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const now = clock.now();
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) assert.equal(matchTotp(secret, totpCode(secret, now + offset * 30_000), now, null), step + offset, `offset ${offset}`);
    for (const offset of [-2, 2]) assert.equal(matchTotp(secret, totpCode(secret, now + offset * 30_000), now, null), null, `offset ${offset}`);
  });

  it('refuses a step at or before the last accepted one (replay), accepts a later one', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const secret = newTotpSecret();
    const code = totpCode(secret, clock.now());
    const step = matchTotp(secret, code, clock.now(), null);
    assert.equal(step, totpStep(clock.now()));
    assert.equal(matchTotp(secret, code, clock.now(), step), null, 'the same code again');
    clock.advance(30_000);
    assert.equal(matchTotp(secret, code, clock.now(), step), null, 'the same code a step later (still in the window)');
    const previous = totpCode(secret, clock.now() - 60_000);
    assert.equal(matchTotp(secret, previous, clock.now(), step), null, 'an earlier step');
    assert.equal(matchTotp(secret, totpCode(secret, clock.now()), clock.now(), step), step! + 1);
  });

  it('refuses malformed codes', () => {
    const secret = newTotpSecret();
    for (const bad of ['', '12345', '1234567', 'abcdef', '12 345']) assert.equal(matchTotp(secret, bad, Date.now(), null), null, bad);
  });

  it('makes the Key URI of docs/security.md', () => {
    assert.equal(otpauthUri('example.com', 'ann@example.com', 'JBSWY3DPEHPK3PXP'), 'otpauth://totp/example.com:ann%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=example.com');
  });
});

describe('recovery codes', () => {
  it('10 distinct codes of xxxxx-xxxxx in a-z2-7', () => {
    const codes = newRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const c of codes) assert.match(c, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
  });

  it('the dash, case and surrounding spaces are optional on input; anything else is no code', () => {
    assert.equal(normalizeRecoveryCode('abcde-fg234'), 'abcdefg234');
    assert.equal(normalizeRecoveryCode(' ABCDEFG234 '), 'abcdefg234');
    for (const bad of ['abcde-fg23', 'abcde--fg234', 'abcdefg2341', 'abcdefg890', 'abc-defg234']) assert.equal(normalizeRecoveryCode(bad), null, bad);
    const hasher = new RecoveryCodeHasher(Buffer.alloc(32, 1));
    assert.equal(hasher.hash('abcde-fg234'), hasher.hash('abcdefg234'));
    assert.notEqual(new RecoveryCodeHasher(Buffer.alloc(32, 2)).hash('abcdefg234'), hasher.hash('abcdefg234'), 'keyed');
  });
});
