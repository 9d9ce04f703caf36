/**
 * The admin console's OpenID Connect clients (/admin/oidc-clients): the list with enable/disable,
 * secret rotation and deletion, a form to register one, one client's page to edit it (its type is
 * fixed once registered), and the page that shows a new secret once (it is never shown again).
 */
import { html, type Html } from '../../http/html.js';
import type { OidcClientView } from '../../oidc/oidc-clients-service.js';
import type { FormErrors } from '../form-errors.js';
import { adminNav, adminTitle, enabledBadge } from './admin-views.js';
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
  enabled: boolean;
}

export function oidcClientValues(c: OidcClientView): OidcClientFormValues {
  return {
    name: c.name,
    type: c.type,
    redirect_uris: c.redirectUris.join('\n'),
    post_logout_redirect_uris: c.postLogoutRedirectUris.join('\n'),
    grant_types: [...c.grantTypes],
    scopes: [...c.scopes],
    permissions: [...c.permissions],
    skip_consent: c.skipConsent,
    enabled: c.enabled,
  };
}

export interface OidcClientsView {
  clients: OidcClientView[];
  notice: string | null;
  values: OidcClientFormValues;
  errors: FormErrors;
  permissions: readonly string[];
}

export const GRANTS = ['authorization_code', 'refresh_token', 'client_credentials'];
export const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'roles'];

/** the client form: registering (`existing` null: the type is chosen) or editing one client */
function clientForm(chrome: PageChrome, o: { values: OidcClientFormValues; errors: FormErrors; permissions: readonly string[]; existing: OidcClientView | null }): Html {
  const { t } = chrome;
  const e = o.errors.fields;
  const prefix = o.existing ? 'edit-client' : 'client';
  const typeLabel = (type: string) => (type === 'public' ? t.t('admin.oidc.type.public') : t.t('admin.oidc.type.confidential'));
  return html`${alert('error', o.errors.message)}
<form method="post" action="${o.existing ? `/admin/oidc-clients/${o.existing.clientId}` : '/admin/oidc-clients'}" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${field({ name: 'name', label: t.t('admin.oidc.field.name'), value: o.values.name, required: true, error: e.name, idPrefix: prefix })}
${o.existing
  ? html`<div class="field"><span class="label">${t.t('admin.oidc.field.type')}</span><p data-client-type="${o.existing.type}">${typeLabel(o.existing.type)}</p><p class="hint">${t.t('admin.oidc.field.typeFixed')}</p></div>`
  : select({ name: 'type', label: t.t('admin.oidc.field.type'), value: o.values.type, options: [{ value: 'confidential', label: typeLabel('confidential') }, { value: 'public', label: typeLabel('public') }], idPrefix: prefix, error: e.type })}
${textArea({ name: 'redirect_uris', label: t.t('admin.oidc.field.redirectUris'), value: o.values.redirect_uris, error: e.redirect_uris, idPrefix: prefix, rows: 3 })}
${textArea({ name: 'post_logout_redirect_uris', label: t.t('admin.oidc.field.postLogout'), value: o.values.post_logout_redirect_uris, error: e.post_logout_redirect_uris, idPrefix: prefix, rows: 2 })}
${checkboxes({ name: 'grant_types', legend: t.t('admin.oidc.field.grants'), options: GRANTS.map((g) => ({ value: g, label: g })), checked: o.values.grant_types, error: e.grant_types, idPrefix: prefix })}
${checkboxes({ name: 'scopes', legend: t.t('admin.oidc.field.scopes'), options: SCOPES.map((s) => ({ value: s, label: s })), checked: o.values.scopes, error: e.scopes, idPrefix: prefix })}
${checkboxes({ name: 'permissions', legend: t.t('admin.oidc.field.permissions'), options: o.permissions.map((p) => ({ value: p, label: p })), checked: o.values.permissions, error: e.permissions, idPrefix: prefix })}
${checkbox({ name: 'skip_consent', label: t.t('admin.oidc.field.skipConsent'), checked: o.values.skip_consent, idPrefix: prefix })}
${o.existing ? checkbox({ name: 'enabled', label: t.t('admin.oidc.field.enabled'), checked: o.values.enabled, idPrefix: prefix }) : null}
<button type="submit">${o.existing ? t.t('admin.oidc.edit.submit') : t.t('admin.oidc.new.submit')}</button>
</form>`;
}

export function oidcClientsPage(chrome: PageChrome, v: OidcClientsView): string {
  const { t } = chrome;
  const col = {
    name: t.t('admin.col.name'),
    clientId: t.t('admin.oidc.clientId'),
    type: t.t('admin.oidc.type'),
    grants: t.t('admin.oidc.grants'),
    status: t.t('admin.col.status'),
    created: t.t('admin.col.created'),
    actions: t.t('admin.col.actions'),
  };
  const body = html`<h1>${t.t('admin.oidc.title')}</h1>
${adminNav('oidc', t)}
${alert('ok', v.notice)}
<section class="card" aria-label="${t.t('admin.oidc.list')}">
${v.clients.length === 0 ? html`<p class="muted">${t.t('admin.oidc.empty')}</p>` : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${col.name}</th><th scope="col">${col.clientId}</th><th scope="col">${col.type}</th><th scope="col">${col.grants}</th><th scope="col">${col.status}</th><th scope="col">${col.created}</th><th scope="col">${col.actions}</th></tr></thead>
<tbody>${v.clients.map((c) => html`<tr data-client="${c.clientId}"><td data-label="${col.name}"><a href="/admin/oidc-clients/${c.clientId}">${c.name}</a></td><td data-label="${col.clientId}"><code>${c.clientId}</code></td><td data-label="${col.type}">${c.type === 'public' ? t.t('admin.oidc.typeShort.public') : t.t('admin.oidc.typeShort.confidential')}</td><td data-label="${col.grants}">${c.grantTypes.map((g, i) => html`${i > 0 ? ' ' : ''}<code>${g}</code>`)}</td>
<td data-label="${col.status}">${enabledBadge(c.enabled, t)}</td><td data-label="${col.created}">${when(c.createdAt, t)}</td>
<td data-label="${col.actions}"><div class="row"><a class="button secondary" href="/admin/oidc-clients/${c.clientId}" aria-label="${t.t('admin.editNamed', { name: c.name })}">${t.t('admin.edit')}</a>
${postButton({ action: `/admin/oidc-clients/${c.clientId}/${c.enabled ? 'disable' : 'enable'}`, csrf: chrome.csrf, label: c.enabled ? t.t('admin.disable') : t.t('admin.enable'), ariaLabel: t.t(c.enabled ? 'admin.disableNamed' : 'admin.enableNamed', { name: c.name }) })}
${c.type === 'confidential' ? postButton({ action: `/admin/oidc-clients/${c.clientId}/secret`, csrf: chrome.csrf, label: t.t('admin.oidc.newSecret'), ariaLabel: t.t('admin.oidc.newSecretFor', { name: c.name }) }) : null}
${postButton({ action: `/admin/oidc-clients/${c.clientId}/delete`, csrf: chrome.csrf, label: t.t('admin.delete'), kind: 'danger', ariaLabel: t.t('admin.deleteNamed', { name: c.name }) })}</div></td></tr>`)}</tbody></table></div>`}
</section>
<section class="card" aria-labelledby="new-client-title">
<h2 id="new-client-title">${t.t('admin.oidc.new.title')}</h2>
${clientForm(chrome, { values: v.values, errors: v.errors, permissions: v.permissions, existing: null })}
</section>`;
  return page({ title: adminTitle(t, t.t('admin.oidc.title')), chrome, body });
}

export interface OidcClientView1 {
  client: OidcClientView;
  notice: string | null;
  values: OidcClientFormValues;
  errors: FormErrors;
  permissions: readonly string[];
}

/** one client: its form (every field but the type), its secret and its removal */
export function oidcClientPage(chrome: PageChrome, v: OidcClientView1): string {
  const { t } = chrome;
  const c = v.client;
  const body = html`<p><a href="/admin/oidc-clients">${t.t('admin.oidc.back')}</a></p>
${adminNav('oidc', t)}
${alert('ok', v.notice)}
<section class="card" aria-labelledby="client-title" data-client="${c.clientId}">
<h1 id="client-title">${t.t('admin.oidc.edit.title', { name: c.name })} ${enabledBadge(c.enabled, t)}</h1>
<p><code data-client-id>${c.clientId}</code></p>
${clientForm(chrome, { values: v.values, errors: v.errors, permissions: v.permissions, existing: c })}
</section>
<section class="card" aria-labelledby="client-actions-title">
<h2 id="client-actions-title">${t.t('admin.oidc.edit.actions')}</h2>
${c.type === 'confidential' ? html`<p>${t.t('admin.oidc.edit.rotateText')}</p>` : null}
<div class="row">${c.type === 'confidential' ? postButton({ action: `/admin/oidc-clients/${c.clientId}/secret`, csrf: chrome.csrf, label: t.t('admin.oidc.edit.rotate') }) : null}
${postButton({ action: `/admin/oidc-clients/${c.clientId}/delete`, csrf: chrome.csrf, label: t.t('admin.oidc.edit.delete'), kind: 'danger' })}</div>
</section>`;
  return page({ title: adminTitle(t, `${c.name} · ${t.t('admin.oidc.title')}`), chrome, body });
}

/** a client's secret, shown this once (the answer to the POST that made it, never a later page) */
export function oidcSecretPage(chrome: PageChrome, v: { client: OidcClientView; secret: string; created: boolean }): string {
  const { t } = chrome;
  const body = html`<p><a href="/admin/oidc-clients">${t.t('admin.oidc.back')}</a></p>
<section class="card" aria-labelledby="secret-title">
<h1 id="secret-title">${v.created ? t.t('admin.oidc.secret.created', { name: v.client.name }) : t.t('admin.oidc.secret.rotated', { name: v.client.name })}</h1>
${alert('info', t.t('admin.secretOnce'))}
<table class="facts">
<tr><th scope="row">${t.t('admin.oidc.clientId')}</th><td><code data-client-id>${v.client.clientId}</code></td></tr>
<tr><th scope="row">${t.t('admin.oidc.secret.clientSecret')}</th><td><code data-client-secret>${v.secret}</code></td></tr>
</table>
</section>`;
  return page({ title: adminTitle(t, t.t('admin.oidc.secret.pageTitle')), chrome, body });
}
