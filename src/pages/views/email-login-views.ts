/**
 * Sign-in by emailed code or link: ask for a code (`email`), enter it (`email`, `code`), and the
 * emailed link's page, whose one button (`token`) signs in — opening the link alone spends nothing.
 * `_csrf` on every form.
 */
import { html } from '../../http/html.js';
import type { FormErrors } from '../form-errors.js';
import { alert, csrfField, field, hidden, page, type PageChrome } from './layout.js';

/** the small form /login shows under its own: an address to send a code to */
export function emailCodeRequestForm(csrf: string, v: { email: string; error?: string | null }) {
  return html`<form method="post" action="/login/email/request" novalidate>
${csrfField(csrf)}
${field({ name: 'email', label: 'Email', type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.error ?? null, idPrefix: 'email-login' })}
<p><button class="secondary block" type="submit">Email me a sign-in code</button></p>
</form>`;
}

export function emailLoginRequestPage(chrome: PageChrome, v: { email: string; errors: FormErrors }): string {
  const body = html`<div class="card">
<h1>Sign in with an emailed code</h1>
<p class="muted">Enter the address of your account. We will send it a code and a link that sign you in once, valid for 15 minutes.</p>
${alert('error', v.errors.message)}
${emailCodeRequestForm(chrome.csrf, { email: v.email, error: v.errors.fields.email ?? null })}
</div>
<p class="muted"><a href="/login">Sign in with your password instead</a></p>`;
  return page({ title: 'Sign in by email', chrome, body, narrow: true });
}

export function emailLoginCodePage(chrome: PageChrome, v: { email: string; notice: string | null; errors: FormErrors }): string {
  const body = html`<div class="card">
<h1>Enter your sign-in code</h1>
${alert('info', v.notice)}
${alert('error', v.errors.message)}
<form method="post" action="/login/email/code" novalidate>
${csrfField(chrome.csrf)}${hidden('email', v.email)}
${field({ name: 'code', label: 'Code from the email', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, error: v.errors.fields.code, autofocus: true, hint: `The 8-digit code we sent to ${v.email}.` })}
<p><button class="block" type="submit">Sign in</button></p>
</form>
</div>
<p class="muted"><a href="/login/email">Send a new code</a> · <a href="/login">Sign in with your password</a></p>`;
  return page({ title: 'Enter your sign-in code', chrome, body, narrow: true });
}

/** the emailed link: one button while it is valid; otherwise why not */
export function emailLoginLinkPage(chrome: PageChrome, v: { token: string | null; refusal: { title: string; message: string } | null }): string {
  const body = v.refusal
    ? html`<div class="card">
<h1>${v.refusal.title}</h1>
${alert('error', v.refusal.message)}
<p><a href="/login/email">Ask for a new sign-in code</a> · <a href="/login">Sign in with your password</a></p>
</div>`
    : html`<div class="card">
<h1>Sign in</h1>
<p>Press the button to sign in with the link from your email. It works once.</p>
<form method="post" action="/login/email" novalidate>
${csrfField(chrome.csrf)}${hidden('token', v.token)}
<p><button class="block" type="submit">Sign in</button></p>
</form>
</div>`;
  return page({ title: v.refusal?.title ?? 'Sign in', chrome, body, narrow: true });
}
