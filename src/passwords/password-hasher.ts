/**
 * Password hashing: argon2id at the configured (OWASP) cost, computed in a pool of worker threads
 * (hash-worker.ts) that run at a lower scheduling priority than the event loop, never on the
 * event loop and never on libuv's thread pool (which WebCrypto and file I/O share). A small
 * admission queue sits in front: at most `concurrency` hashes run at once and at most `queueMax`
 * wait; beyond that the caller gets `503 server_busy`.
 *
 * Of the waiting hashes, one per thread (while `queueMax` allows) waits at the thread itself
 * rather than here: a thread that finishes a hash starts the next one at once, instead of idling
 * until the event loop — busy with a sign-in's statements — hears of the result and hands it the
 * next. A thread still computes one hash at a time (the tasks are synchronous), so the bounds
 * above are unchanged.
 *
 * Imported hashes are accepted: bcrypt ($2a$/$2b$/$2y$) and argon2 (any variant), read by
 * hash-format.ts, the one parser `users import` uses too; a hash whose cost is above its bounds is
 * never verified (it answers as a wrong password, without spending that cost). `needsRehash` tells
 * the caller to store a fresh hash after the next successful login.
 */
import { randomBytes } from 'node:crypto';
import { Piscina } from 'piscina';
import { commonErrors } from '../errors.js';
import { hashRefusal, parseHash } from './hash-format.js';

export interface HasherOptions {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  concurrency: number;
  queueMax: number;
}

// plain JavaScript, so worker threads load it the same way from src/ and dist/
const WORKER = new URL('./hash-worker.js', import.meta.url).href;

export class PasswordHasher {
  /** handed to the pool: computing, or waiting at a thread */
  #dispatched = 0;
  readonly #waiting: (() => void)[] = [];
  /** how many may be handed to the pool: a hash per thread computing and, queue allowing, one waiting at each */
  readonly #dispatchMax: number;
  #dummyHash: string | null = null;
  readonly #pool: Piscina;
  readonly #currentPrefix: string;

  constructor(private readonly options: HasherOptions) {
    this.#currentPrefix = `$argon2id$v=19$m=${options.memoryKib},t=${options.timeCost},p=${options.parallelism}$`;
    // execArgv []: the worker is plain JavaScript and needs none of the parent's loaders (a TypeScript
    // loader in every hashing thread cost a second of CPU per start under tsx)
    const aheadPerThread = options.queueMax >= options.concurrency ? 1 : 0;
    this.#dispatchMax = options.concurrency * (1 + aheadPerThread);
    this.#pool = new Piscina({
      filename: WORKER,
      minThreads: options.concurrency,
      maxThreads: options.concurrency,
      concurrentTasksPerWorker: 1 + aheadPerThread,
      idleTimeout: 60_000,
      execArgv: [],
    });
  }

  /**
   * Makes the dummy hash that unknown logins are verified against (see verifyDummy). At start-up,
   * never on first use: a first use that failed (a full queue) would leave unknown logins
   * answering differently from real ones — an enumeration oracle — until a restart.
   */
  async init(): Promise<void> {
    this.#dummyHash ??= await this.hash(randomBytes(32).toString('base64url'));
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }

  /** Hashes currently computing and waiting (exported as metrics later). */
  get load(): { running: number; waiting: number } {
    const running = Math.min(this.#dispatched, this.options.concurrency);
    return { running, waiting: this.#dispatched - running + this.#waiting.length };
  }

  /** hashes handed to the threads (computing, or waiting at a thread for the one before to end) */
  get dispatched(): number {
    return this.#dispatched;
  }

  /** true when a new hash would be refused right now (lets callers skip work they would waste) */
  get saturated(): boolean {
    return this.#dispatched + this.#waiting.length >= this.options.concurrency + this.options.queueMax;
  }

  async hash(password: string): Promise<string> {
    const { memoryKib, timeCost, parallelism } = this.options;
    return this.#admit(() => this.#pool.run({ password, memoryKib, timeCost, parallelism }, { name: 'hash' }) as Promise<string>);
  }

  /**
   * false for a malformed or unsupported stored hash, or one whose cost is above the bounds of
   * hash-format.ts (never throws on bad data, never spends an unbounded cost)
   */
  async verify(stored: string, password: string): Promise<boolean> {
    if (hashRefusal(stored) !== null) return false;
    return this.#admit(() => this.#pool.run({ stored, password }, { name: 'verify' }) as Promise<boolean>);
  }

  /**
   * Spends the same work as a real verification against a hash nobody knows the password of,
   * so an unknown login costs what a known one does (no enumeration by timing).
   */
  async verifyDummy(password: string): Promise<void> {
    if (!this.#dummyHash) throw new Error('PasswordHasher.init() was not called');
    await this.verify(this.#dummyHash, password);
  }

  needsRehash(stored: string): boolean {
    // the common case (a hash made here) without parsing: it starts with the current parameters
    if (stored.startsWith(this.#currentPrefix)) return false;
    const o = parseHash(stored);
    if (o?.kind !== 'argon2' || o.variant !== 'argon2id') return true;
    return o.memoryKib !== this.options.memoryKib || o.timeCost !== this.options.timeCost || o.parallelism !== this.options.parallelism;
  }

  async #admit<T>(work: () => Promise<T>): Promise<T> {
    if (this.#dispatched >= this.#dispatchMax) {
      if (this.saturated) throw commonErrors.serverBusy(1);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#dispatched++;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // hand the slot straight to the next waiter; otherwise free it
      if (next) next();
      else this.#dispatched--;
    }
  }
}
