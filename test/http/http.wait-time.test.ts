/**
 * Guards the lockout message's wait, which read "try again in 900 s": whole minutes from one
 * minute up (rounded up, never earlier than Retry-After), seconds only below a minute.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signInErrors } from '../../src/sign-in/sign-in-errors.js';
import { formatWait } from '../../src/http/wait-time.js';

describe('formatWait', () => {
  it('minutes from one minute up, rounded up', () => {
    assert.equal(formatWait(900), '15 minutes');
    assert.equal(formatWait(899), '15 minutes');
    assert.equal(formatWait(60), '1 minute');
    assert.equal(formatWait(61), '2 minutes');
    assert.equal(formatWait(3600), '60 minutes');
  });

  it('seconds under a minute; never less than one second', () => {
    assert.equal(formatWait(59), '59 seconds');
    assert.equal(formatWait(3), '3 seconds');
    assert.equal(formatWait(1), '1 second');
    assert.equal(formatWait(0), '1 second');
    assert.equal(formatWait(2.2), '3 seconds');
  });

  it('the lockout problem says it in words; Retry-After keeps the seconds', () => {
    const locked = signInErrors.accountLocked(900);
    assert.equal(locked.detail, 'Too many failed sign-ins for this login. Try again in 15 minutes.');
    assert.equal(locked.headers['retry-after'], '900');
  });
});
