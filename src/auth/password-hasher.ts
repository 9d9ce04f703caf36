/**
 * Password hashing: argon2id at the configured (OWASP) cost, computed on libuv's thread pool,
 * never on the event loop. A small admission queue sits in front: at most `concurrency` hashes
 * run at once and at most `queueMax` wait; beyond that the caller gets `503 server_busy`.
 * Without the cap a sign-in storm fills the thread pool that WebCrypto and file I/O share and
 * every other request stalls behind it.
 *
 * Imported hashes are accepted: bcrypt ($2a$/$2b$/$2y$) and argon2 (any variant / cost);
 * `needsRehash` tells the caller to store a fresh hash after the next successful login.
 */
import { hash as argon2Hash, parseOptions, verify as argon2Verify } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { randomBytes } from 'node:crypto';
import { commonErrors } from '../errors.js';

export interface HasherOptions {
  memoryKib: number;
  timeCost: number;
  parallelism: number;
  concurrency: number;
  queueMax: number;
}

const ARGON2ID = 2; // @node-rs/argon2's Algorithm.Argon2id (a const enum, not importable as a value)

export class PasswordHasher {
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  #dummyHash: Promise<string> | null = null;

  constructor(private readonly options: HasherOptions) {}

  /** Hashes currently computing and waiting (exported as metrics later). */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  async hash(password: string): Promise<string> {
    return this.#admit(() =>
      argon2Hash(password, {
        algorithm: ARGON2ID,
        memoryCost: this.options.memoryKib,
        timeCost: this.options.timeCost,
        parallelism: this.options.parallelism,
      }),
    );
  }

  /** false for a malformed or unsupported stored hash (never throws on bad data) */
  async verify(stored: string, password: string): Promise<boolean> {
    if (/^\$2[aby]\$\d\d\$/.test(stored)) {
      return this.#admit(() => bcryptVerify(password, stored)).catch(rethrowBusy);
    }
    if (stored.startsWith('$argon2')) {
      return this.#admit(() => argon2Verify(stored, password)).catch(rethrowBusy);
    }
    return false;
  }

  /**
   * Spends the same work as a real verification against a hash nobody knows the password of,
   * so an unknown login costs what a known one does (no enumeration by timing).
   */
  async verifyDummy(password: string): Promise<void> {
    this.#dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await this.verify(await this.#dummyHash, password);
  }

  needsRehash(stored: string): boolean {
    if (!stored.startsWith('$argon2id$')) return true;
    try {
      const o = parseOptions(stored);
      return (
        o.memoryCost !== this.options.memoryKib ||
        o.timeCost !== this.options.timeCost ||
        o.parallelism !== this.options.parallelism
      );
    } catch {
      return true;
    }
  }

  async #admit<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.options.concurrency) {
      if (this.#waiting.length >= this.options.queueMax) throw commonErrors.serverBusy(1);
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // hand the slot straight to the next waiter; otherwise free it
      if (next) next();
      else this.#running--;
    }
  }
}

function rethrowBusy(error: unknown): boolean {
  if (error instanceof Error && error.name === 'DomainError') throw error;
  return false;
}
