/**
 * The audit trail's wiring. Its two listeners are ports of features above it, handed in: the
 * fan-out that queues an event's webhook deliveries in the event's own statement (the webhooks'
 * subscriptions, made before the audit for that reason), and what is told of an event once
 * committed (metrics).
 */
import type { Clock } from '../clock.js';
import type { Db } from '../db/database-types.js';
import { AuditRepository } from './audit-repository.js';
import { AuditService, type AuditEventInput, type EventFanOut } from './audit-service.js';
import type { ChainKeys } from './audit-chain.js';

export interface AuditWiring {
  db: Db;
  clock: Clock;
  keys: ChainKeys;
  /** told of an event once it is committed */
  onCommitted: (event: AuditEventInput) => void;
  /** queues an event's webhook deliveries in the event's own statement */
  fanOut: EventFanOut;
}

export function wireAudit({ db, clock, keys, onCommitted, fanOut }: AuditWiring): AuditService {
  return new AuditService(db, new AuditRepository(), clock, keys, onCommitted, fanOut);
}
