/**
 * Sign-in by emailed code or link: ask for a code (`email`), enter it (`email`, `code`), and the
 * emailed link's page, whose one button (`token`) signs in — opening the link alone spends nothing.
 * `_csrf` on every form.
 */
import { html } from '../../http/html.js';
import type { FormErrors } from '../form-errors.js';
import { alert, csrfField, field, hidden, page, type PageChrome } from './layout.js';

/** the small form /login shows under its own: an address to send a code to */
export function emailCodeRequestForm(chrome: PageChrome, v: { email: string; error?: string | null }) {
  const { t } = chrome;
  return html`<form method="post" action="/login/email/request" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'email', label: t.t('public.email'), type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.error ?? null, idPrefix: 'email-login' })}
<p><button class="secondary block" type="submit">${t.t('emailLogin.request.submit')}</button></p>
</form>`;
}

export function emailLoginRequestPage(chrome: PageChrome, v: { email: string; errors: FormErrors }): string {
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('emailLogin.request.title')}</h1>
<p class="muted">${t.t('emailLogin.request.intro')}</p>
${alert('error', v.errors.message)}
${emailCodeRequestForm(chrome, { email: v.email, error: v.errors.fields.email ?? null })}
</div>
<p class="muted"><a href="/login">${t.t('emailLogin.passwordInstead')}</a></p>`;
  return page({ title: t.t('emailLogin.request.title'), chrome, body, narrow: true });
}

export function emailLoginCodePage(chrome: PageChrome, v: { email: string; notice: string | null; errors: FormErrors }): string {
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('emailLogin.code.title')}</h1>
${alert('info', v.notice)}
${alert('error', v.errors.message)}
<form method="post" action="/login/email/code" novalidate>
${csrfField(chrome.csrf)}${hidden('email', v.email)}
${field({ name: 'code', label: t.t('public.reset.code'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true, error: v.errors.fields.code, autofocus: true, hint: t.t('emailLogin.code.hint', { email: v.email }) })}
<p><button class="block" type="submit">${t.t('public.signIn.submit')}</button></p>
</form>
</div>
<p class="muted"><a href="/login/email">${t.t('public.verify.resend')}</a> · <a href="/login">${t.t('emailLogin.password')}</a></p>`;
  return page({ title: t.t('emailLogin.code.title'), chrome, body, narrow: true });
}

/** the emailed link: one button while it is valid; otherwise why not */
export function emailLoginLinkPage(chrome: PageChrome, v: { token: string | null; refusal: { title: string; message: string } | null }): string {
  const { t } = chrome;
  const body = v.refusal
    ? html`<div class="card">
<h1>${v.refusal.title}</h1>
${alert('error', v.refusal.message)}
<p><a href="/login/email">${t.t('emailLogin.link.askAgain')}</a> · <a href="/login">${t.t('emailLogin.password')}</a></p>
</div>`
    : html`<div class="card">
<h1>${t.t('public.signIn.title')}</h1>
<p>${t.t('emailLogin.link.intro')}</p>
<form method="post" action="/login/email" novalidate>
${csrfField(chrome.csrf)}${hidden('token', v.token)}
<p><button class="block" type="submit">${t.t('public.signIn.submit')}</button></p>
</form>
</div>`;
  return page({ title: v.refusal?.title ?? t.t('public.signIn.title'), chrome, body, narrow: true });
}
