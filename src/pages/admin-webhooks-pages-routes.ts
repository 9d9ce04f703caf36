/**
 * The admin console's webhook pages: /admin/webhooks and /admin/webhooks/{id} (users:admin). Each
 * form is checked against the admin API's body schema and handed to the same WebhooksService
 * method as that API route, so URL and event rules answer here as they do there, next to the field
 * they name. A signing secret is rendered once, in the answer to the POST that made it (creation,
 * rotation): it never travels in a URL or a cookie, and no later page shows it.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AUDIT_TYPES } from '../audit/audit-service.js';
import { commonErrors } from '../errors.js';
import { requestContext } from '../http/route-guard.js';
import type { MessageKey } from '../i18n/translator.js';
import { checkBody } from '../http/validation.js';
import { CreateWebhookBody, PatchWebhookBody } from '../webhooks/webhooks-schemas.js';
import type { Endpoint, WebhooksService } from '../webhooks/webhooks-service.js';
import { adminPage } from './admin-users-pages-routes.js';
import { consoleRefusal, formChecked, isUuid, noticeIn, orNull, pathId, withNotice } from './console-kit.js';
import { NO_ERRORS, type FormErrors, type Refusal } from './form-errors.js';
import { formField, queryParam, type PageKit } from './page-kit.js';
import { EMPTY_WEBHOOK, webhookPage, webhookSecretPage, webhooksPage, webhookValues, type WebhookFormValues } from './views/admin-webhooks-views.js';

export interface AdminWebhooksPagesOptions {
  kit: PageKit;
  webhooks: WebhooksService;
}

const NOTICES: Record<string, MessageKey> = {
  webhook_saved: 'admin.notice.webhookSaved',
  webhook_enabled: 'admin.notice.webhookEnabled',
  webhook_disabled: 'admin.notice.webhookDisabled',
  webhook_deleted: 'admin.notice.webhookDeleted',
  delivery_retried: 'admin.notice.deliveryRetried',
};

const DELIVERIES_PER_PAGE = 25;

function typedWebhook(request: FastifyRequest): WebhookFormValues {
  return {
    url: formField(request, 'url').trim(),
    events: formField(request, 'events').trim(),
    description: formField(request, 'description').trim(),
    enabled: formChecked(request, 'enabled'),
  };
}

/** the event filters as typed: separated by spaces, commas or both */
function eventsOf(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/**
 * the refusal as the form shows it: a complaint about one filter (`events.<i>`) goes next to the
 * events field and quotes the filter, since the field holds them all
 */
function formErrorsOf(r: Refusal, events: string[]): FormErrors {
  const fields: Record<string, string> = {};
  const about: string[] = [];
  for (const [name, message] of Object.entries(r.errors.fields)) {
    const item = /^events\.(\d+)$/.exec(name);
    if (item) about.push(`“${events[Number(item[1])] ?? ''}” ${message.replace(/^Events\.\d+ /, '')}`);
    else fields[name] = name === 'url' ? message.replace(/^Url /, 'URL ') : message;
  }
  if (about.length > 0) fields.events = [fields.events, ...about].filter(Boolean).join(' ');
  return { message: r.errors.message, fields };
}

/** the path's delivery id when it is a UUID; anything else names nothing (404) */
function deliveryId(request: FastifyRequest): string {
  const id = (request.params as Record<string, unknown>).delivery_id;
  if (typeof id !== 'string' || !isUuid(id)) throw commonErrors.notFound('No such delivery.');
  return id;
}

export const adminWebhooksPagesRoutes: FastifyPluginAsync<AdminWebhooksPagesOptions> = async (app, { kit, webhooks }) => {
  async function showList(request: FastifyRequest, reply: FastifyReply, status = 200, values = EMPTY_WEBHOOK, errors: FormErrors = NO_ERRORS, headers: Record<string, string> = {}) {
    const endpoints = await webhooks.list();
    return kit.render(request, reply, status, (chrome) => webhooksPage(chrome, { endpoints, types: AUDIT_TYPES, notice: noticeIn(request, NOTICES, kit.translator(request)), values, errors }), headers);
  }

  async function showEndpoint(request: FastifyRequest, reply: FastifyReply, endpoint: Endpoint, status = 200, values?: WebhookFormValues, errors: FormErrors = NO_ERRORS, headers: Record<string, string> = {}) {
    const cursor = queryParam(request, 'cursor') || null;
    let deliveries: Awaited<ReturnType<WebhooksService['deliveries']>> = { items: [], nextCursor: null };
    let deliveriesError: string | null = null;
    try {
      deliveries = await webhooks.deliveries(endpoint.id, { limit: DELIVERIES_PER_PAGE, cursor });
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request));
      if (r.status === 404) throw error;
      deliveriesError = r.text;
      if (status === 200) status = r.status;
    }
    return kit.render(
      request,
      reply,
      status,
      (chrome) =>
        webhookPage(chrome, {
          endpoint,
          types: AUDIT_TYPES,
          notice: noticeIn(request, NOTICES, kit.translator(request)),
          values: values ?? webhookValues(endpoint),
          errors,
          deliveries: deliveries.items,
          nextCursor: deliveries.nextCursor,
          firstPage: cursor === null,
          deliveriesError,
        }),
      headers,
    );
  }

  app.get('/admin/webhooks', { config: adminPage }, async function webhookList(request, reply) {
    return showList(request, reply);
  });

  app.post('/admin/webhooks', { config: adminPage }, async function createWebhook(request, reply) {
    const values = typedWebhook(request);
    const events = eventsOf(values.events);
    let created: { endpoint: Endpoint; secret: string };
    try {
      const input = { url: values.url, events, description: orNull(values.description), enabled: values.enabled };
      checkBody(CreateWebhookBody, input);
      created = await webhooks.create(requestContext(request), input);
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request));
      return showList(request, reply, r.status, values, formErrorsOf(r, events), r.headers);
    }
    // the secret is in this answer only (no redirect could carry it without a URL or a cookie)
    return kit.render(request, reply, 201, (chrome) => webhookSecretPage(chrome, { endpoint: created.endpoint, secret: created.secret, rotated: false }));
  });

  app.get('/admin/webhooks/:id', { config: adminPage }, async function webhookDetail(request, reply) {
    return showEndpoint(request, reply, await webhooks.get(pathId(request, 'webhook endpoint')));
  });

  app.post('/admin/webhooks/:id', { config: adminPage }, async function saveWebhook(request, reply) {
    const id = pathId(request, 'webhook endpoint');
    const before = await webhooks.get(id);
    const values = typedWebhook(request);
    const events = eventsOf(values.events);
    const description = orNull(values.description);
    // only what changed, so the audit event names exactly that
    const patch = {
      ...(values.url !== before.url ? { url: values.url } : {}),
      ...(events.join(' ') !== before.events.join(' ') ? { events } : {}),
      ...(description !== before.description ? { description } : {}),
      ...(values.enabled !== before.enabled ? { enabled: values.enabled } : {}),
    };
    try {
      checkBody(PatchWebhookBody, patch);
      if (Object.keys(patch).length > 0) await webhooks.update(requestContext(request), id, patch);
    } catch (error) {
      const r = consoleRefusal(error, kit.translator(request));
      if (r.status === 404) throw error;
      return showEndpoint(request, reply, before, r.status, values, formErrorsOf(r, events), r.headers);
    }
    return kit.redirect(reply, withNotice(`/admin/webhooks/${id}`, 'webhook_saved'));
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/admin/webhooks/:id/${action}`, { config: adminPage }, async function switchWebhook(request, reply) {
      await webhooks.update(requestContext(request), pathId(request, 'webhook endpoint'), { enabled });
      return kit.redirect(reply, withNotice('/admin/webhooks', enabled ? 'webhook_enabled' : 'webhook_disabled'));
    });
  }

  app.post('/admin/webhooks/:id/delete', { config: adminPage }, async function deleteWebhook(request, reply) {
    await webhooks.delete(requestContext(request), pathId(request, 'webhook endpoint'));
    return kit.redirect(reply, withNotice('/admin/webhooks', 'webhook_deleted'));
  });

  app.post('/admin/webhooks/:id/secret', { config: adminPage }, async function rotateWebhookSecret(request, reply) {
    const { endpoint, secret } = await webhooks.rotateSecret(requestContext(request), pathId(request, 'webhook endpoint'));
    return kit.render(request, reply, 200, (chrome) => webhookSecretPage(chrome, { endpoint, secret, rotated: true }));
  });

  app.post('/admin/webhooks/:id/deliveries/:delivery_id/retry', { config: adminPage }, async function retryDelivery(request, reply) {
    const id = pathId(request, 'webhook endpoint');
    await webhooks.retry(id, deliveryId(request));
    return kit.redirect(reply, withNotice(`/admin/webhooks/${id}`, 'delivery_retried'));
  });
};
