/**
 * The webhooks' wiring, in two steps because the audit trail sits between them:
 * - `wireWebhookFanOut`, before the audit: the subscriptions (loaded now, reloaded on every
 *   instance when an endpoint changes), which the audit takes as its EventFanOut port — every
 *   audit event queues its deliveries in its own statement;
 * - `wireWebhooks`, once the audit exists: the endpoints' service and the delivery worker (started
 *   by `serve` and `gatehouse worker`, not here; the composition stops it first at close).
 */
import type { AuditService } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/load-config.js';
import type { DatabaseHandle } from '../db/database.js';
import type { Db } from '../db/database-types.js';
import { listen } from '../db/notifications.js';
import type { OutboxQueue } from '../outbox/outbox-queue.js';
import { OutboxWorker } from '../outbox/outbox-worker.js';
import type { Secrets } from '../security/secrets-wiring.js';
import { WebhookDeliverer } from './webhook-deliverer.js';
import { WebhookSubscriptions } from './webhook-subscriptions.js';
import { WebhooksRepository } from './webhooks-repository.js';
import { WebhooksService } from './webhooks-service.js';

export interface WebhookFanOutWiring {
  db: Db;
  bus: InvalidationBus;
  clock: Clock;
}

export async function wireWebhookFanOut({ db, bus, clock }: WebhookFanOutWiring): Promise<WebhookSubscriptions> {
  const subscriptions = new WebhookSubscriptions(db, new WebhooksRepository(), bus, clock);
  await subscriptions.reload();
  return subscriptions;
}

/** a delivery attempt's outcome, as metrics count it */
export type WebhookAttempt = 'delivered' | 'failed' | 'dead' | 'held';

export interface WebhooksWiring {
  database: DatabaseHandle;
  outbox: OutboxQueue;
  subscriptions: WebhookSubscriptions;
  audit: AuditService;
  clock: Clock;
  secrets: Secrets;
  config: Pick<Config, 'production' | 'webhookAllowPrivate' | 'webhookTimeoutSeconds' | 'webhookRetryMaxSeconds' | 'webhookMaxAttempts'>;
  /** told of every attempt, and of each delivery's time from the event (metrics) */
  onAttempt: (outcome: WebhookAttempt) => void;
  onDelivered: (seconds: number) => void;
}

export function wireWebhooks({ database, outbox, subscriptions, audit, clock, secrets, config, onAttempt, onDelivered }: WebhooksWiring): { webhooks: WebhooksService; webhookWorker: OutboxWorker } {
  const db = database.db;
  const urlPolicy = { production: config.production, allowPrivate: config.webhookAllowPrivate };
  const webhooks = new WebhooksService({ db, repo: new WebhooksRepository(), outbox, subscriptions, audit, box: secrets.box('webhook-secrets'), clock, urlPolicy });
  const webhookWorker = new OutboxWorker({
    db,
    repo: outbox,
    deliverer: new WebhookDeliverer(
      webhooks,
      clock,
      { timeoutSeconds: config.webhookTimeoutSeconds, retryMaxSeconds: config.webhookRetryMaxSeconds, maxAttempts: config.webhookMaxAttempts, urlPolicy },
      onDelivered,
    ),
    clock,
    listen: (onWake) => listen(database, 'gatehouse_outbox', onWake),
    onOutcome: (_m, outcome) => onAttempt(outcome.kind === 'sent' ? 'delivered' : outcome.kind === 'retry' ? 'failed' : outcome.kind === 'dead' ? 'dead' : 'held'),
  });
  // deliveries queued by this process go straight to its worker while it runs (webhook-subscriptions.ts)
  subscriptions.deliverLocally(webhookWorker);
  return { webhooks, webhookWorker };
}
