/** /api/v1/admin/webhooks: endpoints that hear Gatehouse's events, their secrets and deliveries (users:admin). */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_PAGE_LIMIT } from '../http/pagination.js';
import { requestContext } from '../http/route-guard.js';
import { errorResponses } from '../http/schema-helpers.js';
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryPage,
  DeliveryParams,
  DeliverySchema,
  PatchWebhookBody,
  toDeliveryView,
  toWebhookView,
  WebhookList,
  WebhookParams,
  WebhookSchema,
  WebhookWithSecret,
} from './webhooks-schemas.js';
import type { WebhooksService } from './webhooks-service.js';

const tags = ['webhooks'];
const security = [{ bearer: [] }];
const admin = { auth: 'required', permission: 'users:admin' } as const;

export const webhooksRoutes: FastifyPluginAsyncTypebox<{ webhooks: WebhooksService }> = async (app, { webhooks }) => {
  app.get('/webhooks', {
    config: admin,
    schema: { tags, summary: 'Every webhook endpoint', security, response: { 200: WebhookList, ...errorResponses(401, 403) } },
  }, async function listWebhooks() {
    return { items: (await webhooks.list()).map(toWebhookView) };
  });

  app.post('/webhooks', {
    config: admin,
    schema: { tags, summary: 'Subscribe an endpoint to events; the secret is in this answer only', security, body: CreateWebhookBody, response: { 201: WebhookWithSecret, ...errorResponses(400, 401, 403) } },
  }, async function createWebhook(request, reply) {
    const b = request.body;
    const { endpoint, secret } = await webhooks.create(requestContext(request), { url: b.url, events: b.events, description: b.description ?? null, enabled: b.enabled ?? true });
    return reply.status(201).send({ ...toWebhookView(endpoint), secret });
  });

  app.get('/webhooks/:id', {
    config: admin,
    schema: { tags, summary: 'One webhook endpoint', security, params: WebhookParams, response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function getWebhook(request) {
    return toWebhookView(await webhooks.get(request.params.id));
  });

  app.patch('/webhooks/:id', {
    config: admin,
    schema: { tags, summary: 'Change the URL, events, description or enabled', security, params: WebhookParams, body: PatchWebhookBody, response: { 200: WebhookSchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function patchWebhook(request) {
    const b = request.body;
    return toWebhookView(
      await webhooks.update(requestContext(request), request.params.id, {
        ...(b.url !== undefined ? { url: b.url } : {}),
        ...(b.events !== undefined ? { events: b.events } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
      }),
    );
  });

  app.delete('/webhooks/:id', {
    config: admin,
    schema: { tags, summary: 'Delete an endpoint and its deliveries', security, params: WebhookParams, response: { 204: { type: 'null' }, ...errorResponses(400, 401, 403, 404) } },
  }, async function deleteWebhook(request, reply) {
    await webhooks.delete(requestContext(request), request.params.id);
    return reply.status(204).send();
  });

  app.post('/webhooks/:id/secret', {
    config: admin,
    schema: { tags, summary: 'Rotate the secret: for 24 h deliveries carry both signatures', security, params: WebhookParams, response: { 200: WebhookWithSecret, ...errorResponses(400, 401, 403, 404) } },
  }, async function rotateWebhookSecret(request) {
    const { endpoint, secret } = await webhooks.rotateSecret(requestContext(request), request.params.id);
    return { ...toWebhookView(endpoint), secret };
  });

  app.get('/webhooks/:id/deliveries', {
    config: admin,
    schema: { tags, summary: "An endpoint's deliveries, newest first", security, params: WebhookParams, querystring: DeliveriesQuery, response: { 200: DeliveryPage, ...errorResponses(400, 401, 403, 404) } },
  }, async function listDeliveries(request) {
    const { limit = DEFAULT_PAGE_LIMIT, cursor } = request.query;
    const page = await webhooks.deliveries(request.params.id, { limit, cursor: cursor ?? null });
    return { items: page.items.map(toDeliveryView), next_cursor: page.nextCursor };
  });

  app.post('/webhooks/:id/deliveries/:delivery_id/retry', {
    config: admin,
    schema: { tags, summary: 'Send a delivery again: same webhook-id, a fresh attempt budget', security, params: DeliveryParams, response: { 202: DeliverySchema, ...errorResponses(400, 401, 403, 404) } },
  }, async function retryDelivery(request, reply) {
    const delivery = await webhooks.retry(request.params.id, request.params.delivery_id);
    return reply.status(202).send(toDeliveryView(delivery));
  });
};
