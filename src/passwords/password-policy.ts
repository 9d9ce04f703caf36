/**
 * Password rules (docs/api.md): NFC-normalised, 8–128 Unicode code points, and a zxcvbn score of at
 * least PASSWORD_MIN_SCORE, judged with the user's own email/username/name as a dictionary so
 * "alice2024!" does not pass for alice. The feedback goes into the 422's detail.
 *
 * Rating is bounded and shared fairly, so that nobody can block registrations and resets:
 * - zxcvbn runs in a worker thread (strength-worker.js), never on the event loop, and rates only
 *   the first RATED_PREFIX code points (see the worker for the measurement): at most tens of
 *   milliseconds of CPU whatever the input. The whole password still counts for the length rules.
 * - The thread takes one rating at a time from a queue per client (the caller's IP address; an
 *   IPv6 /64 counts as one client), in turns: a client flooding it waits behind its own ratings,
 *   while another client's rating is next in line after at most one of each other client's.
 *   One client may have at most PER_CLIENT_MAX ratings waiting, and all clients QUEUE_MAX
 *   together; beyond either the caller gets 503 server_busy.
 * - The deadline (CHECK_TIMEOUT_MS) counts from the moment a rating starts, never the time it
 *   waited its turn, so a busy queue never turns a legitimate password into a 422. A rating that
 *   overruns it (unforeseen: the prefix is bounded) stops the thread, which is replaced.
 *
 * The dictionaries take about 60 MB in their thread: it starts with the first check and leaves
 * after IDLE_MS without one (a service that signs people in all day rarely registers them), so
 * that memory is held only while passwords are being set.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { Piscina } from 'piscina';
import { commonErrors, DomainError } from '../errors.js';
import type { RequestContext } from '../request-context.js';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

const WORKER = new URL('./strength-worker.js', import.meta.url).href;
// a bounded prefix takes tens of milliseconds at worst, plus the thread's start (about half a
// second, more on a loaded machine) when it was idle: this only bounds the unforeseen
const CHECK_TIMEOUT_MS = 10_000;
// one client (a flood, or many people behind one NAT) waits behind its own ratings and may have
// PER_CLIENT_MAX of them waiting: the queue fills only when many clients flood it at once
const QUEUE_MAX = 256;
const PER_CLIENT_MAX = 16;
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

interface Rating {
  task: { password: string; userInputs: string[] };
  resolve: (strength: Strength) => void;
  reject: (error: unknown) => void;
}

/**
 * The queue a rating waits in: the caller's address, an IPv6 address by its /64 (one subscriber's
 * network, where any number of addresses is free); no address (a caller without a context) is one
 * client of its own.
 */
export function ratingClient(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const lower = ip.toLowerCase();
  if (lower.startsWith('::ffff:') && isIPv4(lower.slice(7))) return lower.slice(7);
  if (!isIPv6(lower)) return lower;
  const [head = '', tail = ''] = lower.split('::');
  const left = head ? head.split(':') : [];
  const right = lower.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = lower.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class PasswordPolicy {
  readonly #pool: Piscina | null;
  /** waiting ratings per client; the map's order is the order of turns */
  readonly #queues = new Map<string, Rating[]>();
  #waiting = 0;
  #rating = false;

  constructor(private readonly minScore: number) {
    this.#pool = minScore === 0 ? null : new Piscina({ filename: WORKER, minThreads: 0, maxThreads: 1, idleTimeout: IDLE_MS, execArgv: [] });
  }

  async close(): Promise<void> {
    await this.#pool?.destroy();
  }

  /**
   * throws 422 weak_password (503 server_busy when the caller has too many ratings waiting);
   * returns the normalised password to hash. `ctx` names the client the rating is queued for.
   */
  async check(rawPassword: string, userInputs: (string | null | undefined)[] = [], ctx: Pick<RequestContext, 'ip'> | null = null): Promise<string> {
    const password = normalizePassword(rawPassword);
    const length = [...password].length;
    if (length < PASSWORD_MIN_LENGTH) throw weakPassword(`Use at least ${PASSWORD_MIN_LENGTH} characters.`);
    if (length > PASSWORD_MAX_LENGTH) throw weakPassword(`Use at most ${PASSWORD_MAX_LENGTH} characters.`);
    if (!this.#pool) return password;
    const inputs = userInputs.flatMap((s) => (s ? [s, ...s.split(/[@._\s-]+/)] : [])).filter((s) => s.length >= 3);
    const result = await this.#score(password, inputs, ratingClient(ctx?.ip));
    if (result.score < this.minScore) {
      const parts = [result.warning, ...result.suggestions].filter((s): s is string => Boolean(s));
      const advice = parts.length > 0 ? parts.join(' ') : 'Add more words or characters that are hard to guess.';
      throw weakPassword(`Password is too easy to guess (strength ${result.score} of 4, at least ${this.minScore} required). ${advice}`);
    }
    return password;
  }

  #score(password: string, userInputs: string[], client: string): Promise<Strength> {
    const queue = this.#queues.get(client);
    if (this.#waiting >= QUEUE_MAX || (queue?.length ?? 0) >= PER_CLIENT_MAX) return Promise.reject(commonErrors.serverBusy(1));
    return new Promise<Strength>((resolve, reject) => {
      const rating: Rating = { task: { password, userInputs }, resolve, reject };
      if (queue) queue.push(rating);
      else this.#queues.set(client, [rating]);
      this.#waiting++;
      this.#next();
    });
  }

  /** starts the next client's rating when the thread is free; that client goes to the back */
  #next(): void {
    if (this.#rating) return;
    const first = this.#queues.entries().next();
    if (first.done) return;
    const [client, queue] = first.value;
    const rating = queue.shift()!;
    this.#queues.delete(client);
    if (queue.length > 0) this.#queues.set(client, queue);
    this.#waiting--;
    this.#rating = true;
    // the deadline starts now, with the rating itself: the pool is handed one task at a time
    const run = this.#pool!.run(rating.task, { name: 'score', signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) }) as Promise<Strength>;
    run
      .then(rating.resolve, (error: unknown) => {
        if (error instanceof Error && error.name === 'AbortError') {
          rating.reject(weakPassword('This password cannot be rated in time: it is long and built of repeated patterns. Choose one with more variety.'));
        } else rating.reject(error);
      })
      .finally(() => {
        this.#rating = false;
        this.#next();
      });
  }
}
