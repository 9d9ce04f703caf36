/**
 * Mail, the transactional-outbox way (docs/operations.md): a service that changes something and wants to
 * tell the user queues the message in the transaction of the change (`enqueue(tx, …)`), so the
 * message exists exactly when the change does — never lost to a crash between commit and send,
 * never sent for a change that rolled back. The outbox worker (src/outbox) delivers it after commit,
 * through the mail channel (mail-deliverer.ts). Messages are stored as a template name and its data and rendered when sent.
 *
 * Without SMTP_URL outside production, delivery is the development outbox: messages are marked
 * sent and keep their data, and GET /dev/mail shows them rendered.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { Db, Executor } from '../db/database-types.js';
import { isLocale } from '../i18n/locales.js';
import type { MailTemplates, RenderedMail, TemplateName } from './mail-templates.js';
import type { OutboxEntry, OutboxQueue } from '../outbox/outbox-queue.js';
import type { OutboxRow } from './outbox-row.js';
import type { RequestContext } from '../request-context.js';

export type MailSettings = Pick<Config, 'smtpUrl' | 'production' | 'publicUrl'>;

export interface MailMessage {
  template: TemplateName;
  to: string;
  /** the account the message is about */
  userId: string | null;
  data: Record<string, unknown>;
}

/** the account a message goes to, as far as its language goes */
export interface MailReader {
  id: string;
  /** the owner's stored language (users.locale), null when not known */
  locale: string | null;
}

/**
 * The message data that says the reader's language (docs/architecture.md, "Languages"): when the
 * account's owner caused the message (a request by the owner, or an anonymous one on the
 * account's behalf: sign-in, reset, registration), the request's language, else the owner's
 * stored one; when someone else did (an admin, the CLI, the system: `ctx` acts for another
 * account, or there is no request), the owner's stored language — never the actor's. Neither:
 * nothing, and the templates render DEFAULT_LOCALE.
 */
export function readerData(ctx: RequestContext | undefined, reader: MailReader | null): { locale?: string } {
  const byOwner = ctx !== undefined && (ctx.actorId === null || ctx.actorId === reader?.id);
  const locale = (byOwner ? ctx.locale : undefined) ?? reader?.locale;
  return isLocale(locale) ? { locale } : {};
}

export interface MailServiceDeps {
  db: Db;
  repo: OutboxQueue;
  templates: MailTemplates;
  clock: Clock;
  settings: MailSettings;
}

export class MailService {
  constructor(private readonly d: MailServiceDeps) {}

  /** no SMTP_URL outside production: mail is kept for GET /dev/mail instead of sent */
  get devOutbox(): boolean {
    return !this.d.settings.smtpUrl && !this.d.settings.production;
  }

  /** a link to a page of this service (emailed links) */
  link(path: string, query: Record<string, string>): string {
    return `${this.d.settings.publicUrl}${path}?${new URLSearchParams(query).toString()}`;
  }

  /** the outbox row of a message, for a repository that writes it as part of its own statement */
  prepare(message: MailMessage): OutboxRow {
    return { id: randomUUID(), template: message.template, to: message.to, userId: message.userId, data: message.data, createdAt: new Date(this.d.clock.now()) };
  }

  /** queues a message inside the caller's transaction */
  async enqueue(tx: Executor, message: MailMessage): Promise<void> {
    const row = this.prepare(message);
    await this.d.repo.insert(tx, { ...row, channel: 'mail', eventId: null });
  }

  /**
   * Queues `message` and takes it back in the same transaction: the cost of queueing one (its
   * writes, and the commit that has to reach the disk), with nothing left to send — for an answer
   * that must take as long as one that sends mail (an address that gets none must not be told
   * apart by its time).
   */
  async rehearse(tx: Executor, message: MailMessage): Promise<void> {
    const row = this.prepare(message);
    await this.d.repo.insert(tx, { ...row, channel: 'mail', eventId: null });
    await this.d.repo.delete(tx, row.id);
  }

  /** outbox depth (pending) and dead messages, for metrics and operators */
  depth(): Promise<{ pending: number; dead: number }> {
    return this.d.repo.counts(this.d.db, 'mail');
  }

  /** the newest messages, rendered (the development outbox) */
  async recent(limit = 50): Promise<(OutboxEntry & { rendered: RenderedMail | null })[]> {
    const entries = await this.d.repo.recent(this.d.db, 'mail', limit);
    return entries.map((e) => {
      let rendered: RenderedMail | null = null;
      try {
        rendered = this.d.templates.render(e.template, e.data);
      } catch {
        // an unknown template (a newer version queued it): listed without a body
      }
      return { ...e, rendered };
    });
  }
}
