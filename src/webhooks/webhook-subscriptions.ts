/**
 * Which endpoints hear an event, decided while the event is recorded: every audit event passes
 * through `deliveries`, which adds the matching endpoints' deliveries to the event's own
 * statement (audit-service.ts's EventFanOut). A delivery therefore exists exactly when its event
 * does — committed together, never queued by a listener that runs before (or without) the commit —
 * and recording an event costs no extra round trip.
 *
 * The endpoints' filters are kept in memory: loaded at start, reloaded on every instance when an
 * endpoint changes (the invalidation bus), and at most one second old otherwise (a stale list is
 * used once while a fresh one loads in the background, so no event waits for a query).
 * The body is fixed here, from the event as the admin audit API shows it, so every attempt of a
 * delivery sends the same bytes.
 *
 * When the event's writer says when its transaction commits (an AfterCommit) and this process's
 * delivery worker runs with room for them, the deliveries are queued already leased to it and
 * handed over after the commit: no claim statement, and no other worker woken (outbox-worker.ts).
 */
import { randomUUID } from 'node:crypto';
import { auditEventView, type EventFanOut, type RecordedEvent } from '../audit/audit-service.js';
import type { InvalidationBus } from '../cache/invalidation-bus.js';
import type { Clock } from '../clock.js';
import type { Db, StatementStart } from '../db/database-types.js';
import type { AfterCommit } from '../db/after-commit.js';
import { CteTemplate, type StatementPart } from '../db/statement-template.js';
import { claimable, leased, readBack, withQueuedEach, type QueuedEachParams } from '../outbox/outbox-queue.js';
import type { Reservation } from '../outbox/outbox-worker.js';
import { matches } from './webhook-events.js';
import type { WebhooksRepository } from './webhooks-repository.js';

interface Subscription {
  id: string;
  events: string[];
}

const MAX_AGE_MS = 1000;

/**
 * An event's deliveries, one outbox row per endpoint: the endpoints and the rows' ids are two array
 * parameters, and the due time and attempts (claimable, or leased to this process) two more, so
 * any number of them, either way, is one statement text, built and compiled once
 * (db/statement-template.ts).
 */
const queuedDeliveries = new CteTemplate((start: StatementStart, m: Omit<QueuedEachParams, 'channel'>) =>
  withQueuedEach(start, 'webhook_deliveries_queued', { ...m, channel: 'webhook' }),
);
export const WEBHOOKS_TOPIC = 'webhooks';

/** this process's delivery worker, as the fan-out hands deliveries to it (OutboxWorker) */
export interface LocalDeliveries {
  reserve(to: readonly string[]): Reservation | null;
}

export class WebhookSubscriptions implements EventFanOut {
  #list: Subscription[] = [];
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | null = null;
  #generation = 0;
  readonly #listeners: Array<() => void> = [];
  #local: LocalDeliveries | null = null;

  constructor(
    private readonly db: Db,
    private readonly repo: WebhooksRepository,
    private readonly bus: InvalidationBus,
    private readonly clock: Clock,
  ) {
    bus.on(WEBHOOKS_TOPIC, () => {
      this.#tellChanged();
      void this.reload().catch(() => {});
    });
  }

  /** the worker deliveries are handed to after their event's commit (wired once the worker exists) */
  deliverLocally(worker: LocalDeliveries): void {
    this.#local = worker;
  }

  /** `listener` runs whenever an endpoint changed, on this instance or another (a cache of endpoints drops its entries) */
  onChanged(listener: () => void): void {
    this.#listeners.push(listener);
  }

  #tellChanged(): void {
    for (const listener of this.#listeners) listener();
  }

  /** loads the list now (start-up, and after a change on this instance) */
  async reload(): Promise<void> {
    const generation = ++this.#generation;
    const rows = await this.repo.list(this.db);
    // a newer load that finished first wins
    if (generation !== this.#generation) return;
    this.#list = rows.filter((r) => r.enabled).map((r) => ({ id: r.id, events: r.events }));
    this.#loadedAt = this.clock.now();
  }

  /** tells every instance (this one at once) that the endpoints changed */
  async changed(): Promise<void> {
    this.#tellChanged();
    await this.reload();
    await this.bus.publish(WEBHOOKS_TOPIC, '*');
  }

  #refreshIfStale(): void {
    if (this.clock.now() - this.#loadedAt <= MAX_AGE_MS || this.#loading) return;
    this.#loading = this.reload()
      .catch(() => {})
      .finally(() => {
        this.#loading = null;
      });
  }

  deliveries(event: RecordedEvent, after?: AfterCommit): StatementPart | null {
    this.#refreshIfStale();
    const targets = this.#list.filter((s) => matches(s.events, event.type));
    if (targets.length === 0) return null;
    const ids = targets.map(() => randomUUID());
    const to = targets.map((t) => t.id);
    const data = JSON.stringify({ type: event.type, timestamp: event.createdAt.toISOString(), data: auditEventView(event) });
    const reservation = after ? (this.#local?.reserve(to) ?? null) : null;
    if (reservation && after) {
      const body = readBack(data);
      after.add(
        () => reservation.handOff(ids.map((id, i) => ({ id, template: event.type, to: to[i]!, data: body, attempts: 1, budgetAttempts: 1, createdAt: event.createdAt }))),
        () => reservation.release(),
      );
    }
    return queuedDeliveries.of({
      ids,
      to,
      template: event.type,
      userId: event.userId,
      eventId: event.id,
      data,
      createdAt: event.createdAt,
      ...(reservation ? leased(reservation.leaseUntil) : claimable(event.createdAt)),
    });
  }
}
