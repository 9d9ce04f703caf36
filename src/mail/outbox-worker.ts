/**
 * The outbox worker: delivers queued mail (mail-service.ts) and never sends a message twice.
 *
 * - Claiming is one statement (OutboxRepository.claimDue): FOR UPDATE SKIP LOCKED picks a due row
 *   no other worker holds, and its due time moves a lease ahead, so a second worker — in this
 *   process, another instance or `gatehouse worker` — skips it while it is being sent. Only a
 *   worker that dies between SMTP's acceptance and marking the row sent can cause a resend, once
 *   the lease has run out: at-least-once at worst, never two workers at once.
 * - Failures retry with exponential backoff (1 s, 2 s, 4 s … capped at MAIL_RETRY_MAX_SECONDS);
 *   after MAIL_MAX_ATTEMPTS, or at once on a 5xx SMTP refusal, the message is marked dead and
 *   logged. Data (codes, links) is blanked once delivered or dead.
 * - It sleeps until woken: a trigger NOTIFYs at commit of every queued message (LISTEN on
 *   PostgreSQL, PGlite's listener in-process), so a message reaches SMTP within a moment of its
 *   commit; a timer covers the next retry, and a slow poll a lost notification.
 * - stop() lets the message being sent finish, then returns.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db } from '../db/database-types.js';
import type { MailTemplates } from './mail-templates.js';
import { isPermanentSmtpError, type MailTransport } from './mail-transport.js';
import type { ClaimedMessage, OutboxRepository } from './outbox-repository.js';

export type WorkerSettings = Pick<Config, 'mailFrom' | 'mailRetryMaxSeconds' | 'mailMaxAttempts'>;

/** the log calls the worker makes (pino's signature) */
export interface WorkerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface OutboxWorkerDeps {
  db: Db;
  repo: OutboxRepository;
  templates: MailTemplates;
  /** null: the development outbox (messages are marked sent and keep their data for /dev/mail) */
  transport: MailTransport | null;
  clock: Clock;
  settings: WorkerSettings;
  /** subscribes to "a message was committed"; resolves to the unsubscribe function */
  listen: (onWake: () => void) => Promise<() => Promise<void>>;
}

/** how long a claimed message is held: longer than an SMTP attempt can take (mail-transport.ts) */
const LEASE_MS = 120_000;
/** the slow poll that covers a lost notification */
const FALLBACK_POLL_MS = 10_000;
/** after a database error, the next try */
const ERROR_PAUSE_MS = 2_000;

export class OutboxWorker {
  #log: WorkerLog | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopping = false;
  #started = false;

  constructor(private readonly d: OutboxWorkerDeps) {}

  get started(): boolean {
    return this.#started && !this.#stopping;
  }

  async start(log: WorkerLog): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    this.#log = log;
    this.#unlisten = await this.d.listen(() => this.wake());
    this.wake();
  }

  /** look for due messages now (a notification, a test) */
  wake(): void {
    if (!this.#started || this.#stopping) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#running = this.#drain().finally(() => {
      this.#running = null;
      if (this.#again && !this.#stopping) {
        this.#again = false;
        this.wake();
      }
    });
  }

  /** stops after the message being sent (if any); closes the transport */
  async stop(): Promise<void> {
    if (!this.#started || this.#stopping) return;
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    await this.#unlisten?.();
    this.#unlisten = null;
    this.d.transport?.close();
    this.#started = false;
  }

  async #drain(): Promise<void> {
    let pause = FALLBACK_POLL_MS;
    try {
      while (!this.#stopping) {
        const now = this.d.clock.now();
        const message = await this.d.repo.claimDue(this.d.db, new Date(now), new Date(now + LEASE_MS));
        if (!message) break;
        await this.#deliver(message);
      }
      if (this.#stopping) return;
      const due = await this.d.repo.nextDue(this.d.db);
      if (due) pause = Math.min(FALLBACK_POLL_MS, Math.max(0, due.getTime() - this.d.clock.now()) + 10);
    } catch (error) {
      if (this.#stopping) return;
      this.#log?.warn({ err: { message: (error as Error).message } }, 'mail outbox: cannot read the queue; trying again shortly');
      pause = ERROR_PAUSE_MS;
    }
    if (this.#stopping) return;
    this.#timer = setTimeout(() => this.wake(), pause);
    this.#timer.unref();
  }

  async #deliver(m: ClaimedMessage): Promise<void> {
    const where = { message_id: m.id, template: m.template, attempt: m.attempts };
    let rendered;
    try {
      rendered = this.d.templates.render(m.template, m.data);
    } catch (error) {
      await this.d.repo.markDead(this.d.db, m.id, (error as Error).message);
      this.#log?.error({ ...where, reason: (error as Error).message }, 'mail outbox: message dead (cannot render)');
      return;
    }
    if (!this.d.transport) {
      await this.d.repo.markSent(this.d.db, m.id, new Date(this.d.clock.now()), true);
      this.#log?.info(where, 'mail outbox: kept in the development outbox (/dev/mail)');
      return;
    }
    try {
      await this.d.transport.send({ messageId: `<${m.id}@gatehouse>`, from: this.d.settings.mailFrom, to: m.to, ...rendered });
    } catch (error) {
      const reason = (error as Error).message ?? String(error);
      if (isPermanentSmtpError(error) || m.attempts >= this.d.settings.mailMaxAttempts) {
        await this.d.repo.markDead(this.d.db, m.id, reason);
        this.#log?.error({ ...where, reason }, 'mail outbox: message dead, not delivered');
        return;
      }
      const delayMs = Math.min(this.d.settings.mailRetryMaxSeconds, 2 ** Math.min(m.attempts - 1, 30)) * 1000;
      await this.d.repo.markRetry(this.d.db, m.id, new Date(this.d.clock.now() + delayMs), reason);
      this.#log?.warn({ ...where, reason, retry_in_s: delayMs / 1000 }, 'mail outbox: delivery failed; will retry');
      return;
    }
    await this.d.repo.markSent(this.d.db, m.id, new Date(this.d.clock.now()), false);
    this.#log?.info(where, 'mail outbox: delivered');
  }
}
