/**
 * The admin console's webhook pages: the endpoints with a form to add one, one endpoint (edit,
 * rotate its secret, delete, and its deliveries with a retry button each, newest first, in cursor
 * pages), and the page that shows a new signing secret — the only place it is ever rendered, as
 * the answer to the POST that made it (never in a URL, a cookie or a later page).
 */
import { html, type Html } from '../../http/html.js';
import type { Delivery, Endpoint } from '../../webhooks/webhooks-service.js';
import type { FormErrors } from '../form-errors.js';
import { adminNav } from './admin-views.js';
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

function enabledBadge(enabled: boolean): Html {
  return enabled ? html`<span class="badge on">enabled</span>` : html`<span class="badge off">disabled</span>`;
}

/** the known event types, folded away under the events field (no script needed) */
function eventCatalogue(types: readonly string[]): Html {
  return html`<details class="field"><summary>Event types</summary>
<p class="muted">Any of these, a prefix with <code>.*</code> (e.g. <code>login.*</code>), or <code>*</code> for every event.</p>
<p>${types.map((t, i) => html`${i > 0 ? ' ' : ''}<code>${t}</code>`)}</p>
</details>`;
}

function webhookForm(chrome: PageChrome, o: { action: string; values: WebhookFormValues; errors: FormErrors; types: readonly string[]; idPrefix: string; submit: string }): Html {
  const e = o.errors.fields;
  return html`${alert('error', o.errors.message)}
<form method="post" action="${o.action}" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${field({ name: 'url', label: 'URL', type: 'url', value: o.values.url, required: true, hint: 'where deliveries are POSTed: https (http only outside production)', error: e.url, idPrefix: o.idPrefix })}
${field({ name: 'events', label: 'Events', value: o.values.events, required: true, hint: 'separated by spaces or commas: user.created login.* or * for all', error: e.events, idPrefix: o.idPrefix })}
${eventCatalogue(o.types)}
${field({ name: 'description', label: 'Description', value: o.values.description, error: e.description, idPrefix: o.idPrefix })}
${checkbox({ name: 'enabled', label: 'Enabled (deliveries are sent)', checked: o.values.enabled, error: e.enabled, idPrefix: o.idPrefix })}
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
  const body = html`<h1>Webhooks</h1>
${adminNav('webhooks')}
${alert('ok', v.notice)}
<section class="card" aria-label="Endpoints">
${v.endpoints.length === 0 ? html`<p class="muted">No endpoint is subscribed to events yet.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
<tbody>${v.endpoints.map((e) => html`<tr data-webhook="${e.id}"><td><a href="/admin/webhooks/${e.id}"><code>${e.url}</code></a>${e.description ? html`<br><span class="muted">${e.description}</span>` : null}</td>
<td>${e.events.map((f, i) => html`${i > 0 ? ' ' : ''}<code>${f}</code>`)}</td><td>${enabledBadge(e.enabled)}</td><td>${when(e.createdAt)}</td>
<td><div class="row"><a class="button secondary" href="/admin/webhooks/${e.id}">Edit and deliveries</a>
${postButton({ action: `/admin/webhooks/${e.id}/${e.enabled ? 'disable' : 'enable'}`, csrf: chrome.csrf, label: e.enabled ? 'Disable' : 'Enable', ariaLabel: `${e.enabled ? 'Disable' : 'Enable'} ${e.url}` })}
${postButton({ action: `/admin/webhooks/${e.id}/delete`, csrf: chrome.csrf, label: 'Delete', kind: 'danger', ariaLabel: `Delete ${e.url}` })}</div></td></tr>`)}</tbody></table></div>`}
</section>
<section class="card" aria-labelledby="new-webhook-title">
<h2 id="new-webhook-title">Add an endpoint</h2>
<p class="muted">Each delivery is signed the Standard Webhooks way; the signing secret is shown once, right after the endpoint is added.</p>
${webhookForm(chrome, { action: '/admin/webhooks', values: v.values, errors: v.errors, types: v.types, idPrefix: 'new-webhook', submit: 'Add endpoint' })}
</section>`;
  return page({ title: 'Webhooks · Admin', chrome, body });
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

function deliveryStatus(d: Delivery): Html {
  const cls = d.status === 'delivered' ? 'badge on' : d.status === 'pending' ? 'badge' : 'badge off';
  return html`<span class="${cls}">${d.status}</span>`;
}

export function webhookPage(chrome: PageChrome, v: WebhookView): string {
  const e = v.endpoint;
  const body = html`<p><a href="/admin/webhooks">← All webhooks</a></p>
${adminNav('webhooks')}
${alert('ok', v.notice)}
<section class="card" aria-labelledby="webhook-title">
<h1 id="webhook-title">Endpoint <code>${e.url}</code> ${enabledBadge(e.enabled)}</h1>
<p class="muted">Created ${when(e.createdAt)} · changed ${when(e.updatedAt)}</p>
${webhookForm(chrome, { action: `/admin/webhooks/${e.id}`, values: v.values, errors: v.errors, types: v.types, idPrefix: 'webhook', submit: 'Save endpoint' })}
</section>
<section class="card" aria-labelledby="secret-title">
<h2 id="secret-title">Signing secret</h2>
<p>A new secret is shown once. For 24 hours deliveries carry a signature with the new secret and one with the old, so receivers can switch without missing any; a second rotation within them retires the oldest.</p>
<div class="row">${postButton({ action: `/admin/webhooks/${e.id}/secret`, csrf: chrome.csrf, label: 'Rotate the secret' })}
${postButton({ action: `/admin/webhooks/${e.id}/delete`, csrf: chrome.csrf, label: 'Delete this endpoint and its deliveries', kind: 'danger' })}</div>
</section>
<section class="card" aria-labelledby="deliveries-title">
<h2 id="deliveries-title">Deliveries</h2>
${alert('error', v.deliveriesError)}
${v.deliveries.length === 0 ? html`<p class="muted">No delivery${v.firstPage ? ' yet' : ' on this page'}.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Created</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last status code</th><th scope="col">Last error</th><th scope="col">Next attempt</th><th scope="col">Delivered</th><th scope="col">Actions</th></tr></thead>
<tbody>${v.deliveries.map((d) => html`<tr data-delivery="${d.id}"><td>${when(d.createdAt)}</td><td><code>${d.eventType}</code></td><td>${deliveryStatus(d)}</td><td>${String(d.attempts)}</td>
<td>${d.lastStatusCode === null ? '—' : String(d.lastStatusCode)}</td><td>${d.lastError ?? '—'}</td><td>${when(d.nextAttemptAt)}</td><td>${when(d.deliveredAt)}</td>
<td>${postButton({ action: `/admin/webhooks/${e.id}/deliveries/${d.id}/retry`, csrf: chrome.csrf, label: 'Retry', ariaLabel: `Retry delivery ${d.id}` })}</td></tr>`)}</tbody></table></div>`}
${pager(`/admin/webhooks/${e.id}`, {}, v.nextCursor, v.firstPage)}
</section>`;
  return page({ title: 'Webhook · Admin', chrome, body });
}

/** the answer to creating an endpoint or rotating its secret: the one time the secret is shown */
export function webhookSecretPage(chrome: PageChrome, v: { endpoint: Endpoint; secret: string; rotated: boolean }): string {
  const body = html`<p><a href="/admin/webhooks">← All webhooks</a></p>
${adminNav('webhooks')}
${alert('ok', v.rotated ? 'The secret is rotated; the previous one keeps signing beside it for 24 hours.' : 'The endpoint is added.')}
<section class="card" aria-labelledby="secret-title">
<h1 id="secret-title">Signing secret of <code>${v.endpoint.url}</code></h1>
<p><strong>Copy this secret now: it is shown only once.</strong> The receiver verifies each delivery with it (Standard Webhooks: the <code>webhook-signature</code> header).</p>
<p class="secret" data-secret>${v.secret}</p>
<p><a class="button" href="/admin/webhooks/${v.endpoint.id}">I have saved it — go to the endpoint</a></p>
</section>`;
  return page({ title: 'Webhook secret · Admin', chrome, body });
}
