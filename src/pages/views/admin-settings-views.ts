/**
 * The admin console's settings pages: roles (each with its permissions from the catalogue,
 * the admin role shown but not editable), sign-in providers (client secrets are write-only: the
 * form has an empty secret field and the page never shows a stored secret), and the audit log with
 * its filters (event type, the user an event is about) and cursor pages.
 */
import { html, type Html } from '../../http/html.js';
import type { AuditRow } from '../../audit/audit-service.js';
import type { ProviderView } from '../../social/providers-service.js';
import type { RoleRecord } from '../../roles/roles-service.js';
import type { FormErrors } from '../form-errors.js';
import { adminNav } from './admin-views.js';
import { checkbox, checkboxes, pager, postButton, select, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

export interface RolesView {
  roles: RoleRecord[];
  catalogue: { name: string; description: string | null }[];
  protectedRole: string;
  defaultRole: string;
  notice: string | null;
  /** a refused form: 'new' or a role's name */
  refused: { form: string; errors: FormErrors; values?: { name: string; description: string; permissions: string[] } } | null;
}

export function rolesPage(chrome: PageChrome, v: RolesView): string {
  const perms = v.catalogue.map((p) => ({ value: p.name, label: p.name, hint: p.description }));
  const errorsFor = (form: string) => (v.refused?.form === form ? v.refused.errors : null);
  const known = new Set(v.catalogue.map((p) => p.name));
  const roleCard = (r: RoleRecord): Html => {
    const errors = errorsFor(r.name);
    const values = v.refused?.form === r.name && v.refused.values ? v.refused.values : { name: r.name, description: r.description ?? '', permissions: r.permissions };
    const prefix = `role-${r.name}`;
    // a permission the role holds that left the catalogue (its module is off) stays offered, so
    // saving the form keeps it
    const inert = r.permissions.filter((p) => !known.has(p)).map((p) => ({ value: p, label: p, hint: 'not in the catalogue (its module is off): kept, grants nothing' }));
    return html`<section class="card" data-role="${r.name}" aria-labelledby="${prefix}-title">
<h2 id="${prefix}-title">${r.name} ${r.name === v.defaultRole ? html`<span class="badge">default for new accounts</span>` : null}</h2>
${errors && alert('error', errors.message ?? Object.values(errors.fields).join(' '))}
${r.name === v.protectedRole
  ? html`<p>${r.description ?? ''}</p><p class="muted">The admin role holds every permission and cannot be changed: ${r.permissions.join(', ')}.</p>`
  : html`<form method="post" action="/admin/roles/${r.name}">
${csrfField(chrome.csrf)}
${field({ name: 'description', label: 'Description', value: values.description, error: errors?.fields.description, idPrefix: prefix })}
${checkboxes({ name: 'permissions', legend: 'Permissions', options: [...perms, ...inert], checked: values.permissions, error: errors?.fields.permissions, idPrefix: prefix })}
<div class="row"><button type="submit">Save ${r.name}</button></div>
</form>
<div class="row">${postButton({ action: `/admin/roles/${r.name}/delete`, csrf: chrome.csrf, label: `Delete ${r.name}`, kind: 'danger' })}</div>`}
</section>`;
  };
  const created = errorsFor('new');
  const nv = v.refused?.form === 'new' && v.refused.values ? v.refused.values : { name: '', description: '', permissions: [] };
  const body = html`<h1>Roles</h1>
${adminNav('roles')}
${alert('ok', v.notice)}
${v.roles.map(roleCard)}
<section class="card" aria-labelledby="new-role-title">
<h2 id="new-role-title">New role</h2>
${created && alert('error', created.message)}
<form method="post" action="/admin/roles" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'name', label: 'Name', value: nv.name, required: true, hint: '2–32 of a–z, 0–9, _ and -', error: created?.fields.name, idPrefix: 'new-role' })}
${field({ name: 'description', label: 'Description', value: nv.description, error: created?.fields.description, idPrefix: 'new-role' })}
${checkboxes({ name: 'permissions', legend: 'Permissions', options: perms, checked: nv.permissions, error: created?.fields.permissions, idPrefix: 'new-role' })}
<button type="submit">Create role</button>
</form>
</section>`;
  return page({ title: 'Roles · Admin', chrome, body });
}

export interface ProviderFormValues {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  authorization_url: string;
  token_url: string;
  userinfo_url: string;
  scopes: string;
  enabled: boolean;
}

export function providerValues(p: ProviderView): ProviderFormValues {
  return {
    id: p.id,
    name: p.name,
    issuer: p.issuer ?? '',
    client_id: p.clientId,
    authorization_url: p.authorizationUrl ?? '',
    token_url: p.tokenUrl ?? '',
    userinfo_url: p.userinfoUrl ?? '',
    scopes: (p.scopes ?? []).join(' '),
    enabled: p.enabled,
  };
}

/** the provider form; `existing`: editing (the id is fixed, a blank secret keeps the stored one) */
function providerForm(chrome: PageChrome, values: ProviderFormValues, errors: FormErrors, existing: boolean): Html {
  const e = errors.fields;
  const prefix = existing ? 'provider' : 'new-provider';
  return html`${alert('error', errors.message)}
<form method="post" action="${existing ? `/admin/oauth-providers/${values.id}` : '/admin/oauth-providers'}" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${existing ? null : field({ name: 'id', label: 'Id', value: values.id, required: true, hint: 'google, github, facebook, twitter, or any other id for a generic OpenID Connect provider', error: e.id, idPrefix: prefix })}
${field({ name: 'name', label: 'Name shown on the sign-in page', value: values.name, error: e.name, idPrefix: prefix })}
${field({ name: 'issuer', label: 'Issuer (OpenID Connect)', type: 'url', value: values.issuer, error: e.issuer, idPrefix: prefix })}
${field({ name: 'client_id', label: 'Client id', value: values.client_id, required: !existing, error: e.client_id, idPrefix: prefix })}
${field({ name: 'client_secret', label: 'Client secret', type: 'password', autocomplete: 'new-password', error: e.client_secret, hint: existing ? 'write-only: leave empty to keep the stored secret' : 'write-only: stored encrypted, never shown again', idPrefix: prefix })}
${existing ? checkbox({ name: 'remove_secret', label: 'Remove the stored secret', idPrefix: prefix }) : null}
${field({ name: 'authorization_url', label: 'Authorization URL (override)', type: 'url', value: values.authorization_url, error: e.authorization_url, idPrefix: prefix })}
${field({ name: 'token_url', label: 'Token URL (override)', type: 'url', value: values.token_url, error: e.token_url, idPrefix: prefix })}
${field({ name: 'userinfo_url', label: 'Userinfo URL (override)', type: 'url', value: values.userinfo_url, error: e.userinfo_url, idPrefix: prefix })}
${field({ name: 'scopes', label: 'Scopes', value: values.scopes, hint: 'separated by spaces; empty for the defaults', error: e.scopes, idPrefix: prefix })}
${checkbox({ name: 'enabled', label: 'Enabled (shown on the sign-in page)', checked: values.enabled, idPrefix: prefix })}
<button type="submit">${existing ? 'Save provider' : 'Add provider'}</button>
</form>`;
}

export function providersPage(chrome: PageChrome, v: { providers: ProviderView[]; notice: string | null; values: ProviderFormValues; errors: FormErrors }): string {
  const body = html`<h1>Sign-in providers</h1>
${adminNav('providers')}
${alert('ok', v.notice)}
<section class="card" aria-label="Providers">
${v.providers.length === 0 ? html`<p class="muted">No provider is configured in the database (providers from the environment are not listed here).</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Client id</th><th scope="col">Status</th><th scope="col">Actions</th></tr></thead>
<tbody>${v.providers.map((p) => html`<tr data-provider="${p.id}"><td><code>${p.id}</code></td><td>${p.name}</td><td><code>${p.clientId}</code></td>
<td>${p.enabled ? html`<span class="badge on">enabled</span>` : html`<span class="badge off">disabled</span>`}</td>
<td><div class="row"><a class="button secondary" href="/admin/oauth-providers/${p.id}">Edit</a>
${postButton({ action: `/admin/oauth-providers/${p.id}/${p.enabled ? 'disable' : 'enable'}`, csrf: chrome.csrf, label: p.enabled ? 'Disable' : 'Enable' })}
${postButton({ action: `/admin/oauth-providers/${p.id}/delete`, csrf: chrome.csrf, label: 'Delete', kind: 'danger', ariaLabel: `Delete ${p.id}` })}</div></td></tr>`)}</tbody></table></div>`}
</section>
<section class="card" aria-labelledby="new-provider-title">
<h2 id="new-provider-title">Add a provider</h2>
${providerForm(chrome, v.values, v.errors, false)}
</section>`;
  return page({ title: 'Sign-in providers · Admin', chrome, body });
}

export function providerEditPage(chrome: PageChrome, v: { values: ProviderFormValues; errors: FormErrors }): string {
  const body = html`<p><a href="/admin/oauth-providers">← All providers</a></p>
${adminNav('providers')}
<section class="card" aria-labelledby="provider-title">
<h1 id="provider-title">Provider <code>${v.values.id}</code></h1>
${providerForm(chrome, v.values, v.errors, true)}
</section>`;
  return page({ title: `${v.values.id} · Sign-in providers · Admin`, chrome, body });
}

export interface AuditView {
  events: AuditRow[];
  types: readonly string[];
  type: string;
  userId: string;
  nextCursor: string | null;
  firstPage: boolean;
  errors: FormErrors;
}

export function auditPage(chrome: PageChrome, v: AuditView): string {
  const body = html`<h1>Audit log</h1>
${adminNav('audit')}
<form class="card filters" method="get" action="/admin/audit" role="search" novalidate>
${select({ name: 'type', label: 'Event type', value: v.type, options: [{ value: '', label: 'Any type' }, ...v.types.map((t) => ({ value: t, label: t }))], idPrefix: 'audit', error: v.errors.fields.type })}
${field({ name: 'user_id', label: 'About user (id)', value: v.userId, error: v.errors.fields.user_id, idPrefix: 'audit' })}
<div><button type="submit">Filter</button></div>
</form>
${alert('error', v.errors.message)}
<section class="card" aria-label="Events">
${v.events.length === 0 ? html`<p class="muted">No events match.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">When</th><th scope="col">Type</th><th scope="col">About</th><th scope="col">By</th><th scope="col">IP address</th><th scope="col">Details</th></tr></thead>
<tbody>${v.events.map((e) => html`<tr data-event="${e.id}"><td>${when(e.createdAt)}</td><td><code>${e.type}</code></td>
<td>${e.userId ? html`<a href="/admin/audit?user_id=${e.userId}"><code>${e.userId.slice(0, 8)}</code></a>` : '—'}</td>
<td>${e.actorId ? html`<code>${e.actorId.slice(0, 8)}</code>` : '—'}</td><td>${e.ip ?? '—'}</td>
<td><code>${JSON.stringify(e.data)}</code></td></tr>`)}</tbody></table></div>`}
${pager('/admin/audit', { type: v.type || null, user_id: v.userId || null }, v.nextCursor, v.firstPage)}
</section>`;
  return page({ title: 'Audit log · Admin', chrome, body });
}
