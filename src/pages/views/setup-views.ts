/**
 * The first-admin page (/setup, opened by the one-time link a start logs while no admin exists):
 * `_csrf`, the link's `token`, `email`, `password`.
 */
import { html } from '../../http/html.js';
import type { FormErrors } from '../form-errors.js';
import { alert, csrfField, field, hidden, page, type PageChrome } from './layout.js';

export interface SetupView {
  token: string;
  email: string;
  errors: FormErrors;
}

export function setupPage(chrome: PageChrome, v: SetupView): string {
  const body = html`<div class="card">
<h1>Create the first admin</h1>
<p class="muted">No administrator exists yet. This account gets the admin role; this page is gone once it exists.</p>
${alert('error', v.errors.message)}
<form method="post" action="/setup" novalidate>
${csrfField(chrome.csrf)}${hidden('token', v.token)}
${field({ name: 'email', label: 'Email', type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.errors.fields.email, autofocus: !v.email })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', required: true, error: v.errors.fields.password, autofocus: Boolean(v.email), hint: 'At least 8 characters; a phrase of several unrelated words is strong and easy to remember.' })}
<p><button class="block" type="submit">Create the admin</button></p>
</form>
</div>`;
  return page({ title: 'Create the first admin', chrome, body, narrow: true });
}
