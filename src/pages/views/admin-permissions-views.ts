/**
 * The admin console's permissions page: the catalogue (built-in permissions marked, the operator's
 * own each with a delete button) and the form that adds a permission of the operator's own.
 */
import { html } from '../../http/html.js';
import type { PermissionEntry } from '../../roles/roles-service.js';
import type { FormErrors } from '../form-errors.js';
import { permissionHint } from './admin-settings-views.js';
import { adminNav, adminTitle } from './admin-views.js';
import { postButton } from './console-views.js';
import { alert, csrfField, field, hidden, page, type PageChrome } from './layout.js';

export interface PermissionsView {
  catalogue: PermissionEntry[];
  notice: string | null;
  /** a refused create form, with what was typed */
  created: { errors: FormErrors; values: { name: string; description: string } } | null;
  /** a refused delete */
  refused: string | null;
}

export function permissionsPage(chrome: PageChrome, v: PermissionsView): string {
  const { t } = chrome;
  const errors = v.created?.errors ?? null;
  const values = v.created?.values ?? { name: '', description: '' };
  const col = { name: t.t('admin.col.name'), description: t.t('admin.col.description'), kind: t.t('admin.permissions.kind'), actions: t.t('admin.col.actions') };
  const body = html`<h1>${t.t('admin.permissions.title')}</h1>
${adminNav('permissions', t)}
${alert('ok', v.notice)}
${alert('error', v.refused)}
<section class="card" aria-label="${t.t('admin.permissions.catalogue')}">
<p class="muted">${t.t('admin.permissions.intro')}</p>
<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${col.name}</th><th scope="col">${col.description}</th><th scope="col">${col.kind}</th><th scope="col">${col.actions}</th></tr></thead>
<tbody>${v.catalogue.map((p) => html`<tr data-permission="${p.name}"><td data-label="${col.name}"><code>${p.name}</code></td><td data-label="${col.description}">${(p.builtin ? permissionHint(t, p) : p.description) ?? '—'}</td>
<td data-label="${col.kind}">${p.builtin ? html`<span class="badge">${t.t('admin.permissions.builtin')}</span>` : html`<span class="badge on">${t.t('admin.permissions.own')}</span>`}</td>
<td data-label="${col.actions}">${p.builtin ? '—' : postButton({ action: '/admin/permissions/delete', csrf: chrome.csrf, label: t.t('admin.delete'), kind: 'danger', fields: hidden('name', p.name), ariaLabel: t.t('admin.deleteNamed', { name: p.name }) })}</td></tr>`)}</tbody></table></div>
</section>
<section class="card" aria-labelledby="new-permission-title">
<h2 id="new-permission-title">${t.t('admin.permissions.new.title')}</h2>
${errors && alert('error', errors.message)}
<form method="post" action="/admin/permissions" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'name', label: t.t('admin.permissions.new.name'), value: values.name, required: true, hint: t.t('admin.permissions.new.nameHint'), error: errors?.fields.name, idPrefix: 'new-permission' })}
${field({ name: 'description', label: t.t('admin.permissions.new.description'), value: values.description, error: errors?.fields.description, idPrefix: 'new-permission' })}
<button type="submit">${t.t('admin.permissions.new.submit')}</button>
</form>
</section>`;
  return page({ title: adminTitle(t, t.t('admin.permissions.title')), chrome, body });
}
