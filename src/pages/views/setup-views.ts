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
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('setup.title')}</h1>
<p class="muted">${t.t('setup.intro')}</p>
${alert('error', v.errors.message)}
<form method="post" action="/setup" novalidate>
${csrfField(chrome.csrf)}${hidden('token', v.token)}
${field({ name: 'email', label: t.t('public.email'), type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.errors.fields.email, autofocus: !v.email })}
${field({ name: 'password', label: t.t('public.password'), type: 'password', autocomplete: 'new-password', required: true, error: v.errors.fields.password, autofocus: Boolean(v.email), hint: t.t('public.passwordHint') })}
<p><button class="block" type="submit">${t.t('setup.submit')}</button></p>
</form>
</div>`;
  return page({ title: t.t('setup.title'), chrome, body, narrow: true });
}
