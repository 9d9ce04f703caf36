/**
 * The admin console's OpenID Connect clients (/admin/oidc-clients): the list with enable/disable,
 * secret rotation and deletion, a form to register one, and the page that shows a new secret
 * once (it is never shown again).
 */
import { html } from '../../http/html.js';
import type { OidcClientView } from '../../oidc/oidc-clients-service.js';
import type { FormErrors } from '../form-errors.js';
import { adminNav } from './admin-views.js';
import { checkbox, checkboxes, postButton, select, textArea, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

export interface OidcClientFormValues {
  name: string;
  type: string;
  redirect_uris: string;
  post_logout_redirect_uris: string;
  grant_types: string[];
  scopes: string[];
  permissions: string[];
  skip_consent: boolean;
}

export interface OidcClientsView {
  clients: OidcClientView[];
  notice: string | null;
  values: OidcClientFormValues;
  errors: FormErrors;
  permissions: readonly string[];
}

const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'roles'];

export function oidcClientsPage(chrome: PageChrome, v: OidcClientsView): string {
  const e = v.errors.fields;
  const body = html`<h1>OpenID Connect clients</h1>
${adminNav('oidc')}
${alert('ok', v.notice)}
<section class="card" aria-label="Clients">
${v.clients.length === 0 ? html`<p class="muted">No application signs in with Gatehouse yet.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Client id</th><th scope="col">Type</th><th scope="col">Grants</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
<tbody>${v.clients.map((c) => html`<tr data-client="${c.clientId}"><td>${c.name}</td><td><code>${c.clientId}</code></td><td>${c.type}</td><td>${c.grantTypes.join(', ')}</td>
<td>${c.enabled ? html`<span class="badge on">enabled</span>` : html`<span class="badge off">disabled</span>`}</td><td>${when(c.createdAt)}</td>
<td><div class="row">${postButton({ action: `/admin/oidc-clients/${c.clientId}/${c.enabled ? 'disable' : 'enable'}`, csrf: chrome.csrf, label: c.enabled ? 'Disable' : 'Enable' })}
${c.type === 'confidential' ? postButton({ action: `/admin/oidc-clients/${c.clientId}/secret`, csrf: chrome.csrf, label: 'New secret', ariaLabel: `New secret for ${c.name}` }) : null}
${postButton({ action: `/admin/oidc-clients/${c.clientId}/delete`, csrf: chrome.csrf, label: 'Delete', kind: 'danger', ariaLabel: `Delete ${c.name}` })}</div></td></tr>`)}</tbody></table></div>`}
</section>
<section class="card" aria-labelledby="new-client-title">
<h2 id="new-client-title">Register a client</h2>
${alert('error', v.errors.message)}
<form method="post" action="/admin/oidc-clients" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${field({ name: 'name', label: 'Name (shown on the consent page)', value: v.values.name, required: true, error: e.name, idPrefix: 'client' })}
${select({ name: 'type', label: 'Type', value: v.values.type, options: [{ value: 'confidential', label: 'confidential (a server: gets a secret)' }, { value: 'public', label: 'public (browser or native app: PKCE, no secret)' }], idPrefix: 'client', error: e.type })}
${textArea({ name: 'redirect_uris', label: 'Redirect URIs (one per line)', value: v.values.redirect_uris, error: e.redirect_uris, idPrefix: 'client', rows: 3 })}
${textArea({ name: 'post_logout_redirect_uris', label: 'Post-logout redirect URIs (one per line)', value: v.values.post_logout_redirect_uris, error: e.post_logout_redirect_uris, idPrefix: 'client', rows: 2 })}
${checkboxes({ name: 'grant_types', legend: 'Grant types', options: GRANTS.map((g) => ({ value: g, label: g })), checked: v.values.grant_types, error: e.grant_types, idPrefix: 'client' })}
${checkboxes({ name: 'scopes', legend: 'Scopes it may ask for', options: SCOPES.map((s) => ({ value: s, label: s })), checked: v.values.scopes, error: e.scopes, idPrefix: 'client' })}
${checkboxes({ name: 'permissions', legend: 'Permissions (client credentials)', options: v.permissions.map((p) => ({ value: p, label: p })), checked: v.values.permissions, error: e.permissions, idPrefix: 'client' })}
${checkbox({ name: 'skip_consent', label: 'Skip the consent page (first-party application)', checked: v.values.skip_consent, idPrefix: 'client' })}
<button type="submit">Register</button>
</form>
</section>`;
  return page({ title: 'OpenID Connect clients · Admin', chrome, body });
}

/** a client's secret, shown this once */
export function oidcSecretPage(chrome: PageChrome, v: { client: OidcClientView; secret: string; created: boolean }): string {
  const body = html`<p><a href="/admin/oidc-clients">← All clients</a></p>
<section class="card" aria-labelledby="secret-title">
<h1 id="secret-title">${v.created ? 'Client registered' : 'New secret'}: ${v.client.name}</h1>
${alert('info', 'Copy the secret now: it is not shown again.')}
<table>
<tr><th scope="row">Client id</th><td><code data-client-id>${v.client.clientId}</code></td></tr>
<tr><th scope="row">Client secret</th><td><code data-client-secret>${v.secret}</code></td></tr>
</table>
</section>`;
  return page({ title: 'Client secret · Admin', chrome, body });
}
