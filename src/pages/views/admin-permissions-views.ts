/**
 * The admin console's permissions page: the catalogue (built-in permissions marked, the operator's
 * own each with a delete button) and the form that adds a permission of the operator's own.
 */
import { html } from '../../http/html.js';
import type { PermissionEntry } from '../../roles/roles-service.js';
import type { FormErrors } from '../form-errors.js';
import { adminNav } from './admin-views.js';
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
  const errors = v.created?.errors ?? null;
  const values = v.created?.values ?? { name: '', description: '' };
  const body = html`<h1>Permissions</h1>
${adminNav('permissions')}
${alert('ok', v.notice)}
${alert('error', v.refused)}
<section class="card" aria-label="Permission catalogue">
<p class="muted">Roles hold permissions of this catalogue; access tokens carry the permissions of the user's roles. Built-in permissions come with Gatehouse and its modules; add your own for the applications Gatehouse guards.</p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">Description</th><th scope="col">Kind</th><th scope="col">Actions</th></tr></thead>
<tbody>${v.catalogue.map((p) => html`<tr data-permission="${p.name}"><td><code>${p.name}</code></td><td>${p.description ?? '—'}</td>
<td>${p.builtin ? html`<span class="badge">built-in</span>` : html`<span class="badge on">yours</span>`}</td>
<td>${p.builtin ? '—' : postButton({ action: '/admin/permissions/delete', csrf: chrome.csrf, label: 'Delete', kind: 'danger', fields: hidden('name', p.name), ariaLabel: `Delete ${p.name}` })}</td></tr>`)}</tbody></table></div>
</section>
<section class="card" aria-labelledby="new-permission-title">
<h2 id="new-permission-title">New permission</h2>
${errors && alert('error', errors.message)}
<form method="post" action="/admin/permissions" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'name', label: 'Name', value: values.name, required: true, hint: '<namespace>:<action>, each of a–z, 0–9, _ and -, 3–64 characters in all (e.g. invoices:read)', error: errors?.fields.name, idPrefix: 'new-permission' })}
${field({ name: 'description', label: 'Description', value: values.description, error: errors?.fields.description, idPrefix: 'new-permission' })}
<button type="submit">Add permission</button>
</form>
</section>`;
  return page({ title: 'Permissions · Admin', chrome, body });
}
