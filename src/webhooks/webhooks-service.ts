/**
 * Webhook endpoints, managed by admins: create (the secret shown once), edit, enable/disable,
 * delete (its deliveries with it), rotate the secret (the old one keeps signing beside the new for
 * 24 hours; a second rotation within them retires the oldest, so at most two are live), list an
 * endpoint's deliveries and send one again. Every change is audited in its transaction — and, being
 * an event, delivered like any other. Secrets are sealed with SECRETS_KEY.
 */
import { randomUUID } from 'node:crypto';
import type { AuditService } from '../audit/audit-service.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import { readPage, type Page, type PageRequest } from '../db/keyset.js';
import { commonErrors } from '../errors.js';
import type { OutboxEntry, OutboxQueue } from '../outbox/outbox-queue.js';
import type { RequestContext } from '../request-context.js';
import type { SecretBox } from '../security/secret-box.js';
import type { EndpointForDelivery, EndpointSource } from './webhook-deliverer.js';
import { invalidFilters } from './webhook-events.js';
import { newWebhookSecret } from './webhook-signature.js';
import type { WebhookSubscriptions } from './webhook-subscriptions.js';
import { urlAddressProblem, urlFormProblem, type UrlPolicy } from './webhook-url.js';
import type { EndpointRecord, WebhooksRepository } from './webhooks-repository.js';

/** an endpoint as admins see it (no secret) */
export type Endpoint = Omit<EndpointRecord, 'secretEnc' | 'previousSecretEnc' | 'previousSecretExpiresAt'>;

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dead';

export interface Delivery {
  id: string;
  eventId: string | null;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

export interface WebhooksServiceDeps {
  db: Db;
  repo: WebhooksRepository;
  outbox: OutboxQueue;
  subscriptions: WebhookSubscriptions;
  audit: AuditService;
  box: SecretBox;
  clock: Clock;
  urlPolicy: UrlPolicy;
}

const OVERLAP_MS = 24 * 3600_000;

function toEndpoint(r: EndpointRecord): Endpoint {
  return { id: r.id, url: r.url, events: r.events, description: r.description, enabled: r.enabled, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

function toDelivery(e: OutboxEntry): Delivery {
  const status: DeliveryStatus =
    e.status === 'sent' ? 'delivered' : e.status === 'dead' ? 'dead' : e.lastError !== null && e.attempts > e.attemptsBase ? 'failed' : 'pending';
  return {
    id: e.id,
    eventId: e.eventId,
    eventType: e.template,
    status,
    attempts: e.attempts,
    lastStatusCode: e.lastStatusCode,
    lastError: e.lastError,
    nextAttemptAt: e.status === 'pending' ? e.nextAttemptAt : null,
    deliveredAt: e.sentAt,
    createdAt: e.createdAt,
  };
}

/** how long the deliverer's view of an endpoint is kept at most (dropped at once on any change) */
const DELIVERY_CACHE_MS = 1000;

interface DeliveryView {
  url: string;
  enabled: boolean;
  secret: string;
  previous: { secret: string; until: number } | null;
}

export class WebhooksService implements EndpointSource {
  readonly #forDelivery = new Map<string, { at: number; endpoint: DeliveryView | null }>();
  #generation = 0;

  constructor(private readonly d: WebhooksServiceDeps) {
    d.subscriptions.onChanged(() => {
      this.#generation++;
      this.#forDelivery.clear();
    });
  }

  async #checkUrl(url: string): Promise<void> {
    const problem = urlFormProblem(url, this.d.urlPolicy) ?? (await urlAddressProblem(url, this.d.urlPolicy));
    if (problem) throw commonErrors.validation([{ field: 'url', message: problem }]);
  }

  #checkEvents(events: readonly string[]): void {
    if (events.length === 0) throw commonErrors.validation([{ field: 'events', message: 'must name at least one event' }]);
    const bad = invalidFilters(events);
    if (bad.length > 0) throw commonErrors.validation(bad.map((b) => ({ field: `events.${b.index}`, message: b.message })));
  }

  async list(): Promise<Endpoint[]> {
    return (await this.d.repo.list(this.d.db)).map(toEndpoint);
  }

  async get(id: string): Promise<Endpoint> {
    return toEndpoint(await this.#record(id));
  }

  async #record(id: string): Promise<EndpointRecord> {
    const r = await this.d.repo.find(this.d.db, id);
    if (!r) throw commonErrors.notFound('No such webhook endpoint.');
    return r;
  }

  async create(ctx: RequestContext, input: { url: string; events: string[]; description: string | null; enabled: boolean }): Promise<{ endpoint: Endpoint; secret: string }> {
    this.#checkEvents(input.events);
    await this.#checkUrl(input.url);
    const secret = newWebhookSecret();
    const now = new Date(this.d.clock.now());
    const record: EndpointRecord = {
      id: randomUUID(),
      url: input.url,
      events: [...input.events],
      description: input.description,
      enabled: input.enabled,
      secretEnc: this.d.box.seal(secret),
      previousSecretEnc: null,
      previousSecretExpiresAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await this.d.db.transaction().execute(async (tx) => {
      await this.d.repo.insert(tx, record);
      await this.d.audit.record(tx, ctx, { type: 'webhook.created', userId: null, data: { webhook_id: record.id, url: record.url, events: record.events } });
    });
    await this.d.subscriptions.changed();
    return { endpoint: toEndpoint(record), secret };
  }

  async update(ctx: RequestContext, id: string, patch: { url?: string; events?: string[]; description?: string | null; enabled?: boolean }): Promise<Endpoint> {
    if (patch.events !== undefined) this.#checkEvents(patch.events);
    if (patch.url !== undefined) await this.#checkUrl(patch.url);
    const now = new Date(this.d.clock.now());
    const updated = await this.d.db.transaction().execute(async (tx) => {
      const before = await this.d.repo.find(tx, id, true);
      if (!before) throw commonErrors.notFound('No such webhook endpoint.');
      const after = await this.d.repo.update(tx, id, { ...patch, updatedAt: now });
      if (!after) throw commonErrors.notFound('No such webhook endpoint.');
      const changed = Object.keys(patch).filter((k) => k !== 'updatedAt');
      await this.d.audit.record(tx, ctx, { type: 'webhook.updated', userId: null, data: { webhook_id: id, changed } });
      const enabledAgain = !before.enabled && after.enabled;
      // held-back deliveries go out at once, not when their hold would have run out
      if (enabledAgain) await this.d.outbox.wakeRecipient(tx, 'webhook', id, now);
      return after;
    });
    await this.d.subscriptions.changed();
    return toEndpoint(updated);
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    await this.d.db.transaction().execute(async (tx) => {
      const existing = await this.d.repo.find(tx, id, true);
      if (!existing) throw commonErrors.notFound('No such webhook endpoint.');
      await this.d.outbox.deleteForRecipient(tx, 'webhook', id);
      await this.d.repo.delete(tx, id);
      await this.d.audit.record(tx, ctx, { type: 'webhook.deleted', userId: null, data: { webhook_id: id, url: existing.url } });
    });
    await this.d.subscriptions.changed();
  }

  async rotateSecret(ctx: RequestContext, id: string): Promise<{ endpoint: Endpoint; secret: string }> {
    const secret = newWebhookSecret();
    const now = this.d.clock.now();
    const updated = await this.d.db.transaction().execute(async (tx) => {
      const existing = await this.d.repo.find(tx, id, true);
      if (!existing) throw commonErrors.notFound('No such webhook endpoint.');
      const after = await this.d.repo.update(tx, id, {
        secretEnc: this.d.box.seal(secret),
        // the secret being replaced signs beside the new one for 24 h; an older one is retired
        previousSecretEnc: existing.secretEnc,
        previousSecretExpiresAt: new Date(now + OVERLAP_MS),
        updatedAt: new Date(now),
      });
      await this.d.audit.record(tx, ctx, { type: 'webhook.secret_rotated', userId: null, data: { webhook_id: id } });
      return after!;
    });
    // every instance signs with the new secret from now on
    await this.d.subscriptions.changed();
    return { endpoint: toEndpoint(updated), secret };
  }

  async deliveries(id: string, page: PageRequest): Promise<Page<Delivery>> {
    await this.#record(id);
    const entries = await readPage(page, (after, limit) => this.d.outbox.listForRecipient(this.d.db, 'webhook', id, { limit, after }));
    return { items: entries.items.map(toDelivery), nextCursor: entries.nextCursor };
  }

  /** sends a delivery again (any status) with the same webhook-id and a fresh attempt budget */
  async retry(id: string, deliveryId: string): Promise<Delivery> {
    await this.#record(id);
    const ok = await this.d.outbox.retry(this.d.db, 'webhook', id, deliveryId, new Date(this.d.clock.now()));
    if (!ok) throw commonErrors.notFound('No such delivery of this endpoint.');
    const entry = await this.d.outbox.findForRecipient(this.d.db, 'webhook', id, deliveryId);
    if (!entry) throw commonErrors.notFound('No such delivery of this endpoint.');
    return toDelivery(entry);
  }

  /**
   * The deliverer's view of an endpoint, kept like every cache of an instance (docs/architecture.md):
   * at most a second old, and dropped on every instance when any endpoint changes (an edit, a
   * disable, a rotation, a deletion), on this one before the change's answer. Whether the previous
   * secret still signs is decided at each call.
   */
  async forDelivery(id: string): Promise<EndpointForDelivery | null> {
    const now = this.d.clock.now();
    let hit = this.#forDelivery.get(id);
    if (!hit || now - hit.at > DELIVERY_CACHE_MS || now < hit.at) {
      const generation = this.#generation;
      const r = await this.d.repo.find(this.d.db, id);
      hit = {
        at: now,
        endpoint: r
          ? {
              url: r.url,
              enabled: r.enabled,
              secret: this.d.box.open(r.secretEnc),
              previous: r.previousSecretEnc && r.previousSecretExpiresAt ? { secret: this.d.box.open(r.previousSecretEnc), until: r.previousSecretExpiresAt.getTime() } : null,
            }
          : null,
      };
      // a change committed while this was read: not kept
      if (generation === this.#generation) this.#forDelivery.set(id, hit);
    }
    const e = hit.endpoint;
    if (!e) return null;
    const secrets = e.previous && e.previous.until > this.d.clock.now() ? [e.secret, e.previous.secret] : [e.secret];
    return { url: e.url, enabled: e.enabled, secrets };
  }

  /** re-seals every endpoint's secrets under the current SECRETS_KEY (`gatehouse secrets rekey`); how many endpoints were re-sealed */
  async rekeySecrets(): Promise<number> {
    let count = 0;
    for (const row of await this.d.repo.listSealedSecrets(this.d.db)) {
      const secretEnc = this.d.box.reseal(row.secretEnc);
      const previousSecretEnc = row.previousSecretEnc === null ? null : this.d.box.reseal(row.previousSecretEnc);
      if (secretEnc === null && previousSecretEnc === null) continue;
      const to = { secretEnc: secretEnc ?? row.secretEnc, previousSecretEnc: previousSecretEnc ?? row.previousSecretEnc };
      if (await this.d.repo.replaceSealedSecrets(this.d.db, row.id, row, to)) count++;
    }
    return count;
  }

  /** pending and dead deliveries (metrics) */
  depth(): Promise<{ pending: number; dead: number }> {
    return this.d.outbox.counts(this.d.db, 'webhook');
  }
}
