/**
 * Password rules (SPEC §2, §4): NFC-normalised, 8–128 Unicode code points, and a zxcvbn score of at
 * least PASSWORD_MIN_SCORE, judged with the user's own email/username/name as a dictionary so
 * "alice2024!" does not pass for alice. The feedback goes into the 422's detail.
 */
import { zxcvbn, zxcvbnOptions } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import { DomainError } from '../errors.js';

let configured = false;
function configure(): void {
  if (configured) return;
  zxcvbnOptions.setOptions({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  });
  configured = true;
}

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

export function weakPassword(detail: string): DomainError {
  return new DomainError('weak_password', 'Weak password', { detail });
}

export class PasswordPolicy {
  constructor(private readonly minScore: number) {}

  /** loads the dictionaries now (~200 ms once) rather than inside the first registration */
  warmUp(): void {
    if (this.minScore === 0) return;
    configure();
    zxcvbn('warm-up-only');
  }

  /** throws 422 weak_password; returns the normalised password to hash */
  check(rawPassword: string, userInputs: (string | null | undefined)[] = []): string {
    const password = normalizePassword(rawPassword);
    const length = [...password].length;
    if (length < PASSWORD_MIN_LENGTH) throw weakPassword(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
    if (length > PASSWORD_MAX_LENGTH) throw weakPassword(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
    if (this.minScore === 0) return password;
    configure();
    const inputs = userInputs.flatMap((s) => (s ? [s, ...s.split(/[@._\s-]+/)] : [])).filter((s) => s.length >= 3);
    const result = zxcvbn(password, inputs);
    if (result.score < this.minScore) {
      const parts = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => Boolean(s));
      const advice = parts.length > 0 ? parts.join(' ') : 'Add more words or characters that are hard to guess.';
      throw weakPassword(`Password is too easy to guess (strength ${result.score} of 4, at least ${this.minScore} required). ${advice}`);
    }
    return password;
  }
}
