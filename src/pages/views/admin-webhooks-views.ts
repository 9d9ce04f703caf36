/**
 * The admin console's webhook pages: the endpoints with a form to add one, one endpoint (edit,
 * rotate its secret, delete, and its deliveries with a retry button each, newest first, in cursor
 * pages), and the page that shows a new signing secret — the only place it is ever rendered, as
 * the answer to the POST that made it (never in a URL, a cookie or a later page).
 */
import { html, type Html } from '../../http/html.js';
import type { Delivery, Endpoint } from '../../webhooks/webhooks-service.js';
import type { FormErrors } from '../form-errors.js';
import type { Translator } from '../../i18n/translator.js';
import { auditTypeText } from './admin-settings-views.js';
import { adminNav, adminTitle, enabledBadge } from './admin-views.js';
import { checkbox, pager, postButton, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

export interface WebhookFormValues {
  url: string;
  /** the event filters as typed: separated by spaces or commas */
  events: string;
  description: string;
  enabled: boolean;
}

export const EMPTY_WEBHOOK: WebhookFormValues = { url: '', events: '', description: '', enabled: true };

export function webhookValues(e: Endpoint): WebhookFormValues {
  return { url: e.url, events: e.events.join(' '), description: e.description ?? '', enabled: e.enabled };
}

/** the known event types, folded away under the events field (no script needed) */
function eventCatalogue(types: readonly string[], t: Translator): Html {
  return html`<details class="field"><summary>${t.t('admin.webhooks.types.summary')}</summary>
<p class="muted">${t.t('admin.webhooks.types.text')}</p>
<ul class="event-types">${types.map((type) => html`<li><code>${type}</code> <span class="muted">${auditTypeText(t, type)}</span></li>`)}</ul>
</details>`;
}

function webhookForm(chrome: PageChrome, o: { action: string; values: WebhookFormValues; errors: FormErrors; types: readonly string[]; idPrefix: string; submit: string }): Html {
  const { t } = chrome;
  const e = o.errors.fields;
  return html`${alert('error', o.errors.message)}
<form method="post" action="${o.action}" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${field({ name: 'url', label: t.t('admin.webhooks.field.url'), type: 'url', value: o.values.url, required: true, hint: t.t('admin.webhooks.field.urlHint'), error: e.url, idPrefix: o.idPrefix })}
${field({ name: 'events', label: t.t('admin.webhooks.field.events'), value: o.values.events, required: true, hint: t.t('admin.webhooks.field.eventsHint'), error: e.events, idPrefix: o.idPrefix })}
${eventCatalogue(o.types, t)}
${field({ name: 'description', label: t.t('admin.webhooks.field.description'), value: o.values.description, error: e.description, idPrefix: o.idPrefix })}
${checkbox({ name: 'enabled', label: t.t('admin.webhooks.field.enabled'), checked: o.values.enabled, error: e.enabled, idPrefix: o.idPrefix })}
<button type="submit">${o.submit}</button>
</form>`;
}

export interface WebhooksView {
  endpoints: Endpoint[];
  types: readonly string[];
  notice: string | null;
  values: WebhookFormValues;
  errors: FormErrors;
}

export function webhooksPage(chrome: PageChrome, v: WebhooksView): string {
  const { t } = chrome;
  const col = { url: t.t('admin.webhooks.url'), events: t.t('admin.webhooks.events'), status: t.t('admin.col.status'), created: t.t('admin.col.created'), actions: t.t('admin.col.actions') };
  const body = html`<h1>${t.t('admin.webhooks.title')}</h1>
${adminNav('webhooks', t)}
${alert('ok', v.notice)}
<section class="card" aria-label="${t.t('admin.webhooks.list')}">
${v.endpoints.length === 0 ? html`<p class="muted">${t.t('admin.webhooks.empty')}</p>` : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${col.url}</th><th scope="col">${col.events}</th><th scope="col">${col.status}</th><th scope="col">${col.created}</th><th scope="col">${col.actions}</th></tr></thead>
<tbody>${v.endpoints.map((e) => html`<tr data-webhook="${e.id}"><td data-label="${col.url}"><a href="/admin/webhooks/${e.id}"><code>${e.url}</code></a>${e.description ? html`<br><span class="muted">${e.description}</span>` : null}</td>
<td data-label="${col.events}">${e.events.map((f, i) => html`${i > 0 ? ' ' : ''}<code>${f}</code>`)}</td><td data-label="${col.status}">${enabledBadge(e.enabled, t)}</td><td data-label="${col.created}">${when(e.createdAt, t)}</td>
<td data-label="${col.actions}"><div class="row"><a class="button secondary" href="/admin/webhooks/${e.id}">${t.t('admin.webhooks.open')}</a>
${postButton({ action: `/admin/webhooks/${e.id}/${e.enabled ? 'disable' : 'enable'}`, csrf: chrome.csrf, label: e.enabled ? t.t('admin.disable') : t.t('admin.enable'), ariaLabel: t.t(e.enabled ? 'admin.disableNamed' : 'admin.enableNamed', { name: e.url }) })}
${postButton({ action: `/admin/webhooks/${e.id}/delete`, csrf: chrome.csrf, label: t.t('admin.delete'), kind: 'danger', ariaLabel: t.t('admin.deleteNamed', { name: e.url }) })}</div></td></tr>`)}</tbody></table></div>`}
</section>
<section class="card" aria-labelledby="new-webhook-title">
<h2 id="new-webhook-title">${t.t('admin.webhooks.new.title')}</h2>
<p class="muted">${t.t('admin.webhooks.new.intro')}</p>
${webhookForm(chrome, { action: '/admin/webhooks', values: v.values, errors: v.errors, types: v.types, idPrefix: 'new-webhook', submit: t.t('admin.webhooks.new.submit') })}
</section>`;
  return page({ title: adminTitle(t, t.t('admin.webhooks.title')), chrome, body });
}

export interface WebhookView {
  endpoint: Endpoint;
  types: readonly string[];
  notice: string | null;
  values: WebhookFormValues;
  errors: FormErrors;
  deliveries: Delivery[];
  nextCursor: string | null;
  firstPage: boolean;
  /** a refused deliveries page (a cursor that does not decode) */
  deliveriesError: string | null;
}

function deliveryStatus(d: Delivery, t: Translator): Html {
  const cls = d.status === 'delivered' ? 'badge on' : d.status === 'pending' ? 'badge' : 'badge off';
  return html`<span class="${cls}" data-status="${d.status}">${t.t(`admin.webhooks.status.${d.status}`)}</span>`;
}

export function webhookPage(chrome: PageChrome, v: WebhookView): string {
  const { t } = chrome;
  const e = v.endpoint;
  const col = {
    created: t.t('admin.col.created'),
    event: t.t('admin.webhooks.deliveries.event'),
    status: t.t('admin.col.status'),
    attempts: t.t('admin.webhooks.deliveries.attempts'),
    code: t.t('admin.webhooks.deliveries.code'),
    error: t.t('admin.webhooks.deliveries.error'),
    next: t.t('admin.webhooks.deliveries.next'),
    delivered: t.t('admin.webhooks.deliveries.delivered'),
    actions: t.t('admin.col.actions'),
  };
  const body = html`<p><a href="/admin/webhooks">${t.t('admin.webhooks.back')}</a></p>
${adminNav('webhooks', t)}
${alert('ok', v.notice)}
<section class="card" aria-labelledby="webhook-title">
<h1 id="webhook-title" class="wrap-anywhere">${t.t('admin.webhooks.endpoint', { url: e.url })} ${enabledBadge(e.enabled, t)}</h1>
<p class="muted">${t.t('admin.webhooks.dates', { created: t.dateTime(e.createdAt), updated: t.dateTime(e.updatedAt) })}</p>
${webhookForm(chrome, { action: `/admin/webhooks/${e.id}`, values: v.values, errors: v.errors, types: v.types, idPrefix: 'webhook', submit: t.t('admin.webhooks.save') })}
</section>
<section class="card" aria-labelledby="secret-title">
<h2 id="secret-title">${t.t('admin.webhooks.secret.title')}</h2>
<p>${t.t('admin.webhooks.secret.text')}</p>
<div class="row">${postButton({ action: `/admin/webhooks/${e.id}/secret`, csrf: chrome.csrf, label: t.t('admin.webhooks.secret.rotate') })}
${postButton({ action: `/admin/webhooks/${e.id}/delete`, csrf: chrome.csrf, label: t.t('admin.webhooks.deleteAll'), kind: 'danger' })}</div>
</section>
<section class="card" aria-labelledby="deliveries-title">
<h2 id="deliveries-title">${t.t('admin.webhooks.deliveries')}</h2>
${alert('error', v.deliveriesError)}
${v.deliveries.length === 0 ? html`<p class="muted">${v.firstPage ? t.t('admin.webhooks.deliveries.none') : t.t('admin.webhooks.deliveries.noneHere')}</p>` : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${col.created}</th><th scope="col">${col.event}</th><th scope="col">${col.status}</th><th scope="col">${col.attempts}</th><th scope="col">${col.code}</th><th scope="col">${col.error}</th><th scope="col">${col.next}</th><th scope="col">${col.delivered}</th><th scope="col">${col.actions}</th></tr></thead>
<tbody>${v.deliveries.map((d) => html`<tr data-delivery="${d.id}"><td data-label="${col.created}">${when(d.createdAt, t)}</td><td data-label="${col.event}"><span class="event-name" title="${d.eventType}">${auditTypeText(t, d.eventType)}</span></td><td data-label="${col.status}">${deliveryStatus(d, t)}</td><td data-label="${col.attempts}">${t.number(d.attempts)}</td>
<td data-label="${col.code}">${d.lastStatusCode === null ? '—' : String(d.lastStatusCode)}</td><td data-label="${col.error}">${d.lastError ?? '—'}</td><td data-label="${col.next}">${when(d.nextAttemptAt, t)}</td><td data-label="${col.delivered}">${when(d.deliveredAt, t)}</td>
<td data-label="${col.actions}">${postButton({ action: `/admin/webhooks/${e.id}/deliveries/${d.id}/retry`, csrf: chrome.csrf, label: t.t('admin.webhooks.deliveries.retry'), ariaLabel: t.t('admin.webhooks.deliveries.retryLabel', { event: auditTypeText(t, d.eventType), when: t.dateTime(d.createdAt) }) })}</td></tr>`)}</tbody></table></div>`}
${pager(`/admin/webhooks/${e.id}`, {}, v.nextCursor, v.firstPage, t)}
</section>`;
  return page({ title: adminTitle(t, t.t('admin.webhooks.title')), chrome, body });
}

/** the answer to creating an endpoint or rotating its secret: the one time the secret is shown */
export function webhookSecretPage(chrome: PageChrome, v: { endpoint: Endpoint; secret: string; rotated: boolean }): string {
  const { t } = chrome;
  const body = html`<p><a href="/admin/webhooks">${t.t('admin.webhooks.back')}</a></p>
${adminNav('webhooks', t)}
${alert('ok', v.rotated ? t.t('admin.webhooks.secretPage.rotated') : t.t('admin.webhooks.secretPage.created'))}
<section class="card" aria-labelledby="secret-title">
<h1 id="secret-title" class="wrap-anywhere">${t.t('admin.webhooks.secretPage.heading', { url: v.endpoint.url })}</h1>
<p><strong>${t.t('admin.webhooks.secretPage.copy')}</strong></p>
<p class="secret" data-secret>${v.secret}</p>
<p><a class="button" href="/admin/webhooks/${v.endpoint.id}">${t.t('admin.webhooks.secretPage.done')}</a></p>
</section>`;
  return page({ title: adminTitle(t, t.t('admin.webhooks.secretPage.title')), chrome, body });
}
