/**
 * Password rules (SPEC §2, §4): NFC-normalised, 8–128 Unicode code points, and a zxcvbn score of at
 * least PASSWORD_MIN_SCORE, judged with the user's own email/username/name as a dictionary so
 * "alice2024!" does not pass for alice. The feedback goes into the 422's detail.
 *
 * zxcvbn runs in a worker thread (strength-worker.js), never on the event loop (SPEC §8: no request
 * holds it for long): its cost grows steeply with repeated l33t patterns, seconds for a hostile
 * password even when only its first 40 characters are rated. One that takes longer than
 * CHECK_TIMEOUT_MS is stopped (the thread is terminated and replaced) and the password refused as
 * one that cannot be rated. At most QUEUE_MAX checks wait, beyond which the caller gets 503
 * server_busy.
 *
 * The dictionaries take about 60 MB in their thread: it starts with the first check and leaves
 * after IDLE_MS without one (a service that signs people in all day rarely registers them), so
 * that memory is held only while passwords are being set.
 */
import { Piscina } from 'piscina';
import { commonErrors, DomainError } from '../errors.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const WORKER = new URL('./strength-worker.js', import.meta.url).href;
// an ordinary password takes milliseconds (plus the thread's start, about half a second, when it
// was idle) and the worst measured 1.7 s: this only bounds the unforeseen
const CHECK_TIMEOUT_MS = 10_000;
const QUEUE_MAX = 64;
const IDLE_MS = 10_000;

export function normalizePassword(password: string): string {
  return password.normalize('NFC');
}

export function weakPassword(detail: string): DomainError {
  return new DomainError('weak_password', 'Weak password', { detail });
}

interface Strength {
  score: number;
  warning: string | null;
  suggestions: string[];
}

export class PasswordPolicy {
  readonly #pool: Piscina | null;

  constructor(private readonly minScore: number) {
    this.#pool = minScore === 0 ? null : new Piscina({ filename: WORKER, minThreads: 0, maxThreads: 1, idleTimeout: IDLE_MS, maxQueue: QUEUE_MAX, execArgv: [] });
  }

  async close(): Promise<void> {
    await this.#pool?.destroy();
  }

  /** throws 422 weak_password; returns the normalised password to hash */
  async check(rawPassword: string, userInputs: (string | null | undefined)[] = []): Promise<string> {
    const password = normalizePassword(rawPassword);
    const length = [...password].length;
    if (length < PASSWORD_MIN_LENGTH) throw weakPassword(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
    if (length > PASSWORD_MAX_LENGTH) throw weakPassword(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
    if (!this.#pool) return password;
    const inputs = userInputs.flatMap((s) => (s ? [s, ...s.split(/[@._\s-]+/)] : [])).filter((s) => s.length >= 3);
    const result = await this.#score(password, inputs);
    if (result.score < this.minScore) {
      const parts = [result.warning, ...result.suggestions].filter((s): s is string => Boolean(s));
      const advice = parts.length > 0 ? parts.join(' ') : 'Add more words or characters that are hard to guess.';
      throw weakPassword(`Password is too easy to guess (strength ${result.score} of 4, at least ${this.minScore} required). ${advice}`);
    }
    return password;
  }

  async #score(password: string, userInputs: string[]): Promise<Strength> {
    const pool = this.#pool!;
    if (pool.queueSize >= QUEUE_MAX) throw commonErrors.serverBusy(1);
    try {
      return (await pool.run({ password, userInputs }, { name: 'score', signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) })) as Strength;
    } catch (error) {
      if (error instanceof Error && error.name === 'AbortError') {
        throw weakPassword('This password cannot be rated in time: it is long and built of repeated patterns. Choose one with more variety.');
      }
      throw error;
    }
  }
}
