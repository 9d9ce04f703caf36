/**
 * The admin console's settings pages: roles (each with its permissions from the catalogue,
 * the admin role shown but not editable), sign-in providers (client secrets are write-only: the
 * form has an empty secret field and the page never shows a stored secret), and the audit log
 * with its filters (event type, the user an event is about) and cursor pages — read as words:
 * each event type a phrase of the catalogue, the actor and the subject by their email, the data
 * as key/value pairs.
 */
import { html, type Html } from '../../http/html.js';
import type { AuditRow } from '../../audit/audit-service.js';
import type { MessageKey, Translator } from '../../i18n/translator.js';
import { CATALOGUES } from '../../i18n/translator.js';
import type { ProviderView } from '../../social/providers-service.js';
import type { RoleRecord } from '../../roles/roles-service.js';
import type { FormErrors } from '../form-errors.js';
import { adminNav, adminTitle, enabledBadge } from './admin-views.js';
import { checkbox, checkboxes, pager, postButton, select, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

/** a catalogue key made at run time, when the catalogue has it */
function known(key: string): MessageKey | null {
  return Object.hasOwn(CATALOGUES.en, key) ? (key as MessageKey) : null;
}

/** a permission's description: a built-in one in the reader's language, the operator's own as typed */
export function permissionHint(t: Translator, p: { name: string; description: string | null }): string | null {
  const key = known(`admin.builtin.${p.name}`);
  return key ? t.t(key) : p.description;
}

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
  const { t } = chrome;
  const perms = v.catalogue.map((p) => ({ value: p.name, label: p.name, hint: permissionHint(t, p) }));
  const errorsFor = (form: string) => (v.refused?.form === form ? v.refused.errors : null);
  const inCatalogue = new Set(v.catalogue.map((p) => p.name));
  const roleCard = (r: RoleRecord): Html => {
    const errors = errorsFor(r.name);
    const values = v.refused?.form === r.name && v.refused.values ? v.refused.values : { name: r.name, description: r.description ?? '', permissions: r.permissions };
    const prefix = `role-${r.name}`;
    // a permission the role holds that left the catalogue (its module is off) stays offered, so
    // saving the form keeps it
    const inert = r.permissions.filter((p) => !inCatalogue.has(p)).map((p) => ({ value: p, label: p, hint: t.t('admin.roles.inert') }));
    return html`<section class="card" data-role="${r.name}" aria-labelledby="${prefix}-title">
<h2 id="${prefix}-title">${r.name} ${r.name === v.defaultRole ? html`<span class="badge">${t.t('admin.roles.default')}</span>` : null}</h2>
${errors && alert('error', errors.message ?? Object.values(errors.fields).join(' '))}
${r.name === v.protectedRole
  ? html`<p>${r.description ?? ''}</p><p class="muted">${t.t('admin.roles.protected', { permissions: r.permissions.join(', ') })}</p>`
  : html`<form method="post" action="/admin/roles/${r.name}">
${csrfField(chrome.csrf)}
${field({ name: 'description', label: t.t('admin.roles.description'), value: values.description, error: errors?.fields.description, idPrefix: prefix })}
${checkboxes({ name: 'permissions', legend: t.t('admin.roles.permissions'), options: [...perms, ...inert], checked: values.permissions, error: errors?.fields.permissions, idPrefix: prefix })}
<div class="row"><button type="submit">${t.t('admin.roles.save', { name: r.name })}</button></div>
</form>
<div class="row">${postButton({ action: `/admin/roles/${r.name}/delete`, csrf: chrome.csrf, label: t.t('admin.deleteNamed', { name: r.name }), kind: 'danger' })}</div>`}
</section>`;
  };
  const created = errorsFor('new');
  const nv = v.refused?.form === 'new' && v.refused.values ? v.refused.values : { name: '', description: '', permissions: [] };
  const body = html`<h1>${t.t('admin.roles.title')}</h1>
${adminNav('roles', t)}
${alert('ok', v.notice)}
${v.roles.map(roleCard)}
<section class="card" aria-labelledby="new-role-title">
<h2 id="new-role-title">${t.t('admin.roles.new.title')}</h2>
${created && alert('error', created.message)}
<form method="post" action="/admin/roles" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'name', label: t.t('admin.roles.new.name'), value: nv.name, required: true, hint: t.t('admin.roles.new.nameHint'), error: created?.fields.name, idPrefix: 'new-role' })}
${field({ name: 'description', label: t.t('admin.roles.description'), value: nv.description, error: created?.fields.description, idPrefix: 'new-role' })}
${checkboxes({ name: 'permissions', legend: t.t('admin.roles.permissions'), options: perms, checked: nv.permissions, error: created?.fields.permissions, idPrefix: 'new-role' })}
<button type="submit">${t.t('admin.roles.new.submit')}</button>
</form>
</section>`;
  return page({ title: adminTitle(t, t.t('admin.roles.title')), chrome, body });
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
  const { t } = chrome;
  const e = errors.fields;
  const prefix = existing ? 'provider' : 'new-provider';
  return html`${alert('error', errors.message)}
<form method="post" action="${existing ? `/admin/oauth-providers/${values.id}` : '/admin/oauth-providers'}" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${existing ? null : field({ name: 'id', label: t.t('admin.providers.field.id'), value: values.id, required: true, hint: t.t('admin.providers.field.idHint'), error: e.id, idPrefix: prefix })}
${field({ name: 'name', label: t.t('admin.providers.field.name'), value: values.name, error: e.name, idPrefix: prefix })}
${field({ name: 'issuer', label: t.t('admin.providers.field.issuer'), type: 'url', value: values.issuer, error: e.issuer, idPrefix: prefix })}
${field({ name: 'client_id', label: t.t('admin.providers.field.clientId'), value: values.client_id, required: !existing, error: e.client_id, idPrefix: prefix })}
${field({ name: 'client_secret', label: t.t('admin.providers.field.clientSecret'), type: 'password', autocomplete: 'new-password', error: e.client_secret, hint: existing ? t.t('admin.providers.field.secretKeep') : t.t('admin.providers.field.secretNew'), idPrefix: prefix })}
${existing ? checkbox({ name: 'remove_secret', label: t.t('admin.providers.field.removeSecret'), idPrefix: prefix }) : null}
${field({ name: 'authorization_url', label: t.t('admin.providers.field.authorizationUrl'), type: 'url', value: values.authorization_url, error: e.authorization_url, idPrefix: prefix })}
${field({ name: 'token_url', label: t.t('admin.providers.field.tokenUrl'), type: 'url', value: values.token_url, error: e.token_url, idPrefix: prefix })}
${field({ name: 'userinfo_url', label: t.t('admin.providers.field.userinfoUrl'), type: 'url', value: values.userinfo_url, error: e.userinfo_url, idPrefix: prefix })}
${field({ name: 'scopes', label: t.t('admin.providers.field.scopes'), value: values.scopes, hint: t.t('admin.providers.field.scopesHint'), error: e.scopes, idPrefix: prefix })}
${checkbox({ name: 'enabled', label: t.t('admin.providers.field.enabled'), checked: values.enabled, idPrefix: prefix })}
<button type="submit">${existing ? t.t('admin.providers.save') : t.t('admin.providers.add')}</button>
</form>`;
}

export function providersPage(chrome: PageChrome, v: { providers: ProviderView[]; notice: string | null; values: ProviderFormValues; errors: FormErrors }): string {
  const { t } = chrome;
  const col = { id: t.t('admin.col.id'), name: t.t('admin.col.name'), clientId: t.t('admin.providers.clientId'), status: t.t('admin.col.status'), actions: t.t('admin.col.actions') };
  const body = html`<h1>${t.t('admin.providers.title')}</h1>
${adminNav('providers', t)}
${alert('ok', v.notice)}
<section class="card" aria-label="${t.t('admin.providers.list')}">
${v.providers.length === 0 ? html`<p class="muted">${t.t('admin.providers.empty')}</p>` : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${col.id}</th><th scope="col">${col.name}</th><th scope="col">${col.clientId}</th><th scope="col">${col.status}</th><th scope="col">${col.actions}</th></tr></thead>
<tbody>${v.providers.map((p) => html`<tr data-provider="${p.id}"><td data-label="${col.id}"><code>${p.id}</code></td><td data-label="${col.name}">${p.name}</td><td data-label="${col.clientId}"><code>${p.clientId}</code></td>
<td data-label="${col.status}">${enabledBadge(p.enabled, t)}</td>
<td data-label="${col.actions}"><div class="row"><a class="button secondary" href="/admin/oauth-providers/${p.id}" aria-label="${t.t('admin.editNamed', { name: p.id })}">${t.t('admin.edit')}</a>
${postButton({ action: `/admin/oauth-providers/${p.id}/${p.enabled ? 'disable' : 'enable'}`, csrf: chrome.csrf, label: p.enabled ? t.t('admin.disable') : t.t('admin.enable'), ariaLabel: t.t(p.enabled ? 'admin.disableNamed' : 'admin.enableNamed', { name: p.id }) })}
${postButton({ action: `/admin/oauth-providers/${p.id}/delete`, csrf: chrome.csrf, label: t.t('admin.delete'), kind: 'danger', ariaLabel: t.t('admin.deleteNamed', { name: p.id }) })}</div></td></tr>`)}</tbody></table></div>`}
</section>
<section class="card" aria-labelledby="new-provider-title">
<h2 id="new-provider-title">${t.t('admin.providers.new.title')}</h2>
${providerForm(chrome, v.values, v.errors, false)}
</section>`;
  return page({ title: adminTitle(t, t.t('admin.providers.title')), chrome, body });
}

export function providerEditPage(chrome: PageChrome, v: { values: ProviderFormValues; errors: FormErrors }): string {
  const { t } = chrome;
  const body = html`<p><a href="/admin/oauth-providers">${t.t('admin.providers.back')}</a></p>
${adminNav('providers', t)}
<section class="card" aria-labelledby="provider-title">
<h1 id="provider-title">${t.t('admin.providers.heading', { id: v.values.id })}</h1>
${providerForm(chrome, v.values, v.errors, true)}
</section>`;
  return page({ title: adminTitle(t, `${v.values.id} · ${t.t('admin.providers.title')}`), chrome, body });
}

/** an audit event type as a phrase of the reader's language; a type the catalogue lacks stays as it is */
export function auditTypeText(t: Translator, type: string): string {
  const key = known(`admin.audit.type.${type}`);
  return key ? t.t(key) : type;
}

/** one value of an event's data, as words: lists joined, yes/no, nested objects as JSON */
function dataValue(t: Translator, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return t.t(value ? 'admin.yes' : 'admin.no');
  if (typeof value === 'number') return t.number(value);
  if (typeof value === 'string') {
    // a field name or a method the catalogue knows reads as a word; anything else as recorded
    const key = known(`admin.audit.value.${value}`);
    return key ? t.t(key) : value;
  }
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.length === 0 ? '—' : value.map((v) => dataValue(t, v)).join(', ');
  return JSON.stringify(value);
}

/** an event's data as a definition list: each key a phrase when the catalogue has one */
function dataList(t: Translator, data: Record<string, unknown>): Html | string {
  const entries = Object.entries(data);
  if (entries.length === 0) return '—';
  return html`<dl class="audit-data">${entries.map(([k, value]) => {
    const key = known(`admin.audit.data.${k}`);
    return html`<dt>${key ? t.t(key) : k}</dt><dd>${dataValue(t, value)}</dd>`;
  })}</dl>`;
}

export interface AuditView {
  events: AuditRow[];
  /** the accounts the events name (actor, subject), by id: one lookup per page */
  people: ReadonlyMap<string, { email: string | null; username: string | null }>;
  types: readonly string[];
  type: string;
  userId: string;
  nextCursor: string | null;
  firstPage: boolean;
  errors: FormErrors;
}

export function auditPage(chrome: PageChrome, v: AuditView): string {
  const { t } = chrome;
  const col = { when: t.t('admin.audit.when'), event: t.t('admin.audit.event'), about: t.t('admin.audit.about'), by: t.t('admin.audit.by'), ip: t.t('admin.audit.ip'), details: t.t('admin.audit.details') };
  /** who an id is: their email (or username), "a deleted account" when they are gone */
  const who = (id: string): string => {
    const p = v.people.get(id);
    return p ? (p.email ?? p.username ?? id) : t.t('admin.audit.someone');
  };
  const person = (id: string | null, linkToEvents: boolean): Html | string => {
    if (!id) return '—';
    const name = who(id);
    return html`<span class="person" data-person="${id}">${v.people.has(id) ? html`<a href="/admin/users/${id}">${name}</a>` : name}${linkToEvents ? html` <a class="muted" href="/admin/audit?user_id=${id}" aria-label="${t.t('admin.audit.aboutLink', { who: name })}">⌕</a>` : null}</span>`;
  };
  const body = html`<h1>${t.t('admin.audit.title')}</h1>
${adminNav('audit', t)}
<form class="card filters" method="get" action="/admin/audit" role="search" novalidate>
${select({ name: 'type', label: t.t('admin.audit.type'), value: v.type, options: [{ value: '', label: t.t('admin.audit.anyType') }, ...v.types.map((type) => ({ value: type, label: auditTypeText(t, type) }))], idPrefix: 'audit', error: v.errors.fields.type })}
${field({ name: 'user_id', label: t.t('admin.audit.user'), value: v.userId, error: v.errors.fields.user_id, idPrefix: 'audit' })}
<div><button type="submit">${t.t('admin.audit.filter')}</button></div>
</form>
${alert('error', v.errors.message)}
<section class="card" aria-label="${t.t('admin.audit.events')}">
${v.events.length === 0 ? html`<p class="muted">${t.t('admin.audit.empty')}</p>` : html`<div class="table-wrap"><table class="stack audit">
<thead><tr><th scope="col">${col.when}</th><th scope="col">${col.event}</th><th scope="col">${col.about}</th><th scope="col">${col.by}</th><th scope="col">${col.ip}</th><th scope="col">${col.details}</th></tr></thead>
<tbody>${v.events.map((e) => html`<tr data-event="${e.id}" data-type="${e.type}"><td data-label="${col.when}">${when(e.createdAt, t)}</td><td data-label="${col.event}"><span class="event-name" title="${e.type}">${auditTypeText(t, e.type)}</span></td>
<td data-label="${col.about}">${person(e.userId, true)}</td>
<td data-label="${col.by}">${person(e.actorId, false)}</td><td data-label="${col.ip}">${e.ip ?? '—'}</td>
<td data-label="${col.details}">${dataList(t, e.data)}</td></tr>`)}</tbody></table></div>`}
${pager('/admin/audit', { type: v.type || null, user_id: v.userId || null }, v.nextCursor, v.firstPage, t)}
</section>`;
  return page({ title: adminTitle(t, t.t('admin.audit.title')), chrome, body });
}
