/**
 * The outbox's mail channel: renders a queued message and hands it to SMTP. One message at a time
 * (an SMTP server is one recipient), retried with exponential backoff (1 s, 2 s, 4 s … capped at
 * MAIL_RETRY_MAX_SECONDS); after MAIL_MAX_ATTEMPTS, or at once on a 5xx SMTP refusal or a template
 * that cannot render, the message is dead. Codes and links are blanked once delivered or dead.
 * Without a transport (the development outbox) messages are marked sent and keep their data for
 * /dev/mail.
 */
import type { Config } from '../config/load-config.js';
import type { ClaimedMessage } from '../outbox/outbox-queue.js';
import type { Deliverer, DeliveryOutcome } from '../outbox/outbox-worker.js';
import { senderOf, type MailTemplates } from './mail-templates.js';
import { isPermanentSmtpError, type MailTransport } from './mail-transport.js';

export type MailDeliverySettings = Pick<Config, 'mailFrom' | 'mailRetryMaxSeconds' | 'mailMaxAttempts'>;

export class MailDeliverer implements Deliverer {
  readonly channel = 'mail' as const;
  readonly concurrency = 1;
  readonly perRecipient = 1;
  /** longer than an SMTP attempt can take (mail-transport.ts) */
  readonly leaseMs = 120_000;

  constructor(
    private readonly templates: MailTemplates,
    /** null: the development outbox */
    private readonly transport: MailTransport | null,
    private readonly settings: MailDeliverySettings,
  ) {}

  async deliver(m: ClaimedMessage): Promise<DeliveryOutcome> {
    let rendered;
    try {
      rendered = this.templates.render(m.template, m.data);
    } catch (error) {
      return { kind: 'dead', error: `cannot render: ${(error as Error).message}`, keepData: false };
    }
    if (!this.transport) return { kind: 'sent', keepData: true };
    try {
      await this.transport.send({ messageId: `<${m.id}@gatehouse>`, from: senderOf(this.settings.mailFrom, this.templates.brand), to: m.to, ...rendered });
      return { kind: 'sent', keepData: false };
    } catch (error) {
      const reason = (error as Error).message ?? String(error);
      if (isPermanentSmtpError(error) || m.attempts >= this.settings.mailMaxAttempts) return { kind: 'dead', error: reason, keepData: false };
      const delayMs = Math.min(this.settings.mailRetryMaxSeconds, 2 ** Math.min(m.attempts - 1, 30)) * 1000;
      return { kind: 'retry', error: reason, delayMs };
    }
  }

  close(): void {
    this.transport?.close();
  }
}
