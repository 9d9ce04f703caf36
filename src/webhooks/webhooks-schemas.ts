/** Request and response schemas of /api/v1/admin/webhooks. Responses are whitelists: no secret leaves except the one just made. */
import { Type, type Static } from '@sinclair/typebox';
import { PageQuery } from '../http/pagination.js';
import { Nullable, Timestamp, Uuid } from '../http/schema-helpers.js';
import type { Delivery, Endpoint } from './webhooks-service.js';

const Url = Type.String({ minLength: 1, maxLength: 2048, description: 'https (http outside production); in production not a loopback, private or link-local address' });
const Events = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
  maxItems: 100,
  description: 'audit event types, "<prefix>.*" (e.g. "login.*") or "*"; kept in the order given',
});
const Description = Nullable(Type.String({ maxLength: 500 }));

export const CreateWebhookBody = Type.Object(
  { url: Url, events: Events, description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean({ default: true })) },
  { additionalProperties: false },
);

export const PatchWebhookBody = Type.Object(
  { url: Type.Optional(Url), events: Type.Optional(Events), description: Type.Optional(Description), enabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const WebhookParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const DeliveryParams = Type.Object({ id: Uuid, delivery_id: Uuid }, { additionalProperties: false });
export const DeliveriesQuery = Type.Object({ ...PageQuery });

export const WebhookSchema = Type.Object({
  id: Uuid,
  url: Type.String(),
  events: Type.Array(Type.String()),
  description: Nullable(Type.String()),
  enabled: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const WebhookWithSecret = Type.Object({
  ...WebhookSchema.properties,
  secret: Type.String({ description: 'whsec_…: shown this once; verify deliveries with it (Standard Webhooks)' }),
});

export const WebhookList = Type.Object({ items: Type.Array(WebhookSchema) });

export const DeliverySchema = Type.Object({
  id: Uuid,
  event_id: Nullable(Uuid),
  event_type: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('dead')]),
  attempts: Type.Integer(),
  last_status_code: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  next_attempt_at: Nullable(Timestamp),
  delivered_at: Nullable(Timestamp),
  created_at: Timestamp,
});

export const DeliveryPage = Type.Object({ items: Type.Array(DeliverySchema), next_cursor: Nullable(Type.String()) });

export function toWebhookView(e: Endpoint): Static<typeof WebhookSchema> {
  return { id: e.id, url: e.url, events: [...e.events], description: e.description, enabled: e.enabled, created_at: e.createdAt.toISOString(), updated_at: e.updatedAt.toISOString() };
}

export function toDeliveryView(d: Delivery): Static<typeof DeliverySchema> {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
    delivered_at: d.deliveredAt?.toISOString() ?? null,
    created_at: d.createdAt.toISOString(),
  };
}
