/**
 * Mail's wiring: the service that queues messages in the outbox, and the worker that delivers them
 * once started — through SMTP_URL, or the development outbox (no SMTP_URL outside production); no
 * worker when mail cannot be delivered (NODE_ENV=production without SMTP_URL: it stays queued).
 * The worker is not started here (`serve` unless MAIL_WORKER=off, `gatehouse worker`); the
 * composition stops it first at close.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/database.js';
import { listen } from '../db/notifications.js';
import type { OutboxQueue } from '../outbox/outbox-queue.js';
import { OutboxWorker } from '../outbox/outbox-worker.js';
import { MailDeliverer, type MailDeliverySettings } from './mail-deliverer.js';
import { MailService, type MailSettings } from './mail-service.js';
import { MailTemplates } from './mail-templates.js';
import { smtpTransport } from './mail-transport.js';

export interface MailWiring {
  database: DatabaseHandle;
  outbox: OutboxQueue;
  clock: Clock;
  config: MailSettings & MailDeliverySettings & Pick<Config, 'mailTemplatesDir' | 'brandName' | 'defaultLocale'>;
  warn(message: string): void;
}

export function wireMail({ database, outbox, clock, config, warn }: MailWiring): { mail: MailService; outboxWorker: OutboxWorker | null } {
  const db = database.db;
  const templates = new MailTemplates(config.mailTemplatesDir, config.brandName, config.defaultLocale);
  const mail = new MailService({ db, repo: outbox, templates, clock, settings: config });
  if (config.production && !config.smtpUrl) warn('SMTP_URL is not set: mail (verification, password reset, notices) stays queued in the outbox until it is');
  if (mail.devOutbox) warn('SMTP_URL is not set: the development outbox is on, mail is not sent but shown at /dev/mail to loopback clients (set SMTP_URL, or NODE_ENV=production, outside development)');
  const outboxWorker =
    config.smtpUrl || mail.devOutbox
      ? new OutboxWorker({
          db,
          repo: outbox,
          deliverer: new MailDeliverer(templates, config.smtpUrl ? smtpTransport(config.smtpUrl) : null, config),
          clock,
          listen: (onWake) => listen(database, 'gatehouse_outbox', onWake),
        })
      : null;
  return { mail, outboxWorker };
}
