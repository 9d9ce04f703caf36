/**
 * The public pages (docs/architecture.md): sign-in, registration, forgotten and reset password, email
 * verification. Field names are contract: `login`, `password`, `next`; `email`, `username`,
 * `name`, `password`; `email`, `code`, `new_password`; `_csrf` on every form.
 */
import { html, type Html } from '../../http/html.js';
import type { MessageKey } from '../../i18n/translator.js';
import type { FormErrors } from '../form-errors.js';
import { emailCodeRequestForm } from './email-login-views.js';
import { alert, csrfField, field, hidden, page, type PageChrome } from './layout.js';

export interface LoginView {
  login: string;
  next: string | null;
  errors: FormErrors;
  notice: string | null;
  providers: { id: string; name: string }[];
  registrationOpen: boolean;
  /** EMAIL_LOGIN=on: offer a code by email */
  emailLogin: boolean;
}

export function loginPage(chrome: PageChrome, v: LoginView): string {
  const { t } = chrome;
  const redirectTo = encodeURIComponent(v.next ?? '/dashboard');
  const body = html`<div class="card" data-webauthn-scope>
<h1>${t.t('public.signIn.title')}</h1>
${alert('info', v.notice)}
${alert('error', v.errors.message)}
<form method="post" action="/login" novalidate>
${csrfField(chrome.csrf)}${hidden('next', v.next)}
${field({ name: 'login', label: t.t('public.signIn.login'), value: v.login, autocomplete: 'username webauthn', required: true, error: v.errors.fields.login, autofocus: !v.login })}
${field({ name: 'password', label: t.t('public.password'), type: 'password', autocomplete: 'current-password', required: true, error: v.errors.fields.password, autofocus: Boolean(v.login) })}
<p><button class="block" type="submit">${t.t('public.signIn.submit')}</button></p>
</form>
<p><a href="/forgot-password">${t.t('public.signIn.forgot')}</a></p>
<div class="divider">${t.t('public.or')}</div>
<div class="providers">
<button class="secondary block" type="button" data-webauthn="sign-in" data-next="${v.next ?? '/dashboard'}" hidden>${t.t('public.signIn.passkey')}</button>
<p class="error" data-webauthn-error role="alert" hidden></p>
${v.providers.map((p) => html`<a class="button secondary block" href="/api/v1/auth/oauth/${encodeURIComponent(p.id)}/authorize?redirect_to=${redirectTo}">${t.t('public.signIn.provider', { provider: p.name })}</a>`)}
</div>
${v.emailLogin && html`<div class="divider">${t.t('public.or')}</div>
${emailCodeRequestForm(chrome, { email: '' })}`}
</div>
${v.registrationOpen && html`<p class="muted">${t.t('public.signIn.newHere')} <a href="/register">${t.t('public.register.link')}</a></p>`}`;
  return page({ title: t.t('public.signIn.title'), chrome, body, narrow: true, webauthn: true });
}

export interface RegisterView {
  values: { email: string; username: string; name: string };
  errors: FormErrors;
  closed: boolean;
  emailOptional: boolean;
}

export function registerPage(chrome: PageChrome, v: RegisterView): string {
  const { t } = chrome;
  const body = v.closed
    ? html`<div class="card"><h1>${t.t('public.register.title')}</h1>${alert('info', t.t('public.register.closed'))}<p><a href="/login">${t.t('public.signIn.title')}</a></p></div>`
    : html`<div class="card">
<h1>${t.t('public.register.title')}</h1>
${alert('error', v.errors.message)}
<form method="post" action="/register" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'email', label: v.emailOptional ? t.t('public.emailOptional') : t.t('public.email'), type: 'email', value: v.values.email, autocomplete: 'email', required: !v.emailOptional, error: v.errors.fields.email })}
${field({ name: 'username', label: t.t('public.register.username'), value: v.values.username, autocomplete: 'username', error: v.errors.fields.username, hint: t.t('public.register.usernameHint') })}
${field({ name: 'name', label: t.t('public.register.name'), value: v.values.name, autocomplete: 'name', error: v.errors.fields.name })}
${field({ name: 'password', label: t.t('public.password'), type: 'password', autocomplete: 'new-password', required: true, error: v.errors.fields.password, hint: t.t('public.passwordHint') })}
<p><button class="block" type="submit">${t.t('public.register.submit')}</button></p>
</form>
</div>
<p class="muted">${t.t('public.register.haveAccount')} <a href="/login">${t.t('public.signIn.title')}</a></p>`;
  return page({ title: t.t('public.register.title'), chrome, body, narrow: true });
}

export function forgotPasswordPage(chrome: PageChrome, v: { email: string; errors: FormErrors }): string {
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('public.forgot.title')}</h1>
<p class="muted">${t.t('public.forgot.intro')}</p>
${alert('error', v.errors.message)}
<form method="post" action="/forgot-password" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'email', label: t.t('public.email'), type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.errors.fields.email })}
<p><button class="block" type="submit">${t.t('public.forgot.submit')}</button></p>
</form>
</div>
<p class="muted"><a href="/login">${t.t('public.backToSignIn')}</a></p>`;
  return page({ title: t.t('public.forgot.title'), chrome, body, narrow: true });
}

export interface ResetView {
  /** the one-click link's token: then no email or code is asked */
  token: string | null;
  email: string;
  notice: string | null;
  errors: FormErrors;
}

export function resetPasswordPage(chrome: PageChrome, v: ResetView): string {
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('public.reset.title')}</h1>
${alert('info', v.notice)}
${alert('error', v.errors.message)}
<form method="post" action="/reset-password" novalidate>
${csrfField(chrome.csrf)}${hidden('token', v.token)}
${v.token ? null : html`${field({ name: 'email', label: t.t('public.email'), type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.errors.fields.email })}
${field({ name: 'code', label: t.t('public.reset.code'), value: '', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, error: v.errors.fields.code, autofocus: Boolean(v.email) })}`}
${field({ name: 'new_password', label: t.t('public.reset.newPassword'), type: 'password', autocomplete: 'new-password', required: true, error: v.errors.fields.new_password })}
<p><button class="block" type="submit">${t.t('public.reset.submit')}</button></p>
</form>
<p class="muted">${t.t('public.reset.everywhere')}</p>
</div>`;
  return page({ title: t.t('public.reset.title'), chrome, body, narrow: true });
}

export interface VerifyView {
  /** the outcome of a link or code, when there was one */
  result: { kind: 'ok' | 'error'; title: string; message: string } | null;
  signedIn: boolean;
  verified: boolean;
  notice: string | null;
  errors: FormErrors;
}

export function verifyEmailPage(chrome: PageChrome, v: VerifyView): string {
  const { t } = chrome;
  let form: Html | null = null;
  if (v.signedIn && !v.verified) {
    form = html`<form method="post" action="/verify-email" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'code', label: t.t('public.verify.code'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true, error: v.errors.fields.code, hint: t.t('public.verify.codeHint') })}
<p><button type="submit">${t.t('public.verify.submit')}</button></p>
</form>
<form method="post" action="/verify-email/resend">${csrfField(chrome.csrf)}<button class="link" type="submit">${t.t('public.verify.resend')}</button></form>`;
  } else if (!v.signedIn && !v.result) {
    form = html`<p>${t.t('public.verify.openLink')} <a href="/login?next=%2Fverify-email">${t.t('public.verify.signInForCode')}</a></p>`;
  }
  const body = html`<div class="card">
<h1>${v.result?.title ?? t.t('public.verify.title')}</h1>
${v.result && alert(v.result.kind, v.result.message)}
${alert('info', v.notice)}
${alert('error', v.errors.message)}
${v.signedIn && v.verified && !v.result ? alert('ok', t.t('public.verify.done')) : null}
${form}
${v.signedIn ? html`<p><a href="/dashboard">${t.t('error.page.dashboard')}</a></p>` : null}
</div>`;
  return page({ title: v.result?.title ?? t.t('public.verify.title'), chrome, body, narrow: true });
}

const STATUSES_WITH_TEXT = new Set([400, 401, 403, 404, 409, 413, 429, 500, 503]);

/**
 * The error page (404, 403, 500 … for a browser): title and explanation by status from the
 * catalogue. English readers also get the service's own detail (it is written in English and
 * more specific: "No such user."); other languages get the status's explanation.
 */
export function errorPage(chrome: PageChrome, e: { status: number; title: string; detail: string | null; requestId: string | null }): string {
  const { t } = chrome;
  const status = STATUSES_WITH_TEXT.has(e.status) ? String(e.status) : 'other';
  const title = t.t(`error.status.${status}.title` as MessageKey);
  const detail = t.locale === 'en' && e.detail ? e.detail : t.t(`error.status.${status}.detail` as MessageKey);
  const body = html`<div class="card">
<p class="muted">${t.t('error.page.status', { status: e.status })}</p>
<h1>${title}</h1>
<p>${detail}</p>
${e.requestId ? html`<p class="muted">${t.t('error.page.requestId')} <code>${e.requestId}</code></p>` : null}
<p><a href="/dashboard">${t.t('error.page.dashboard')}</a> · <a href="/login">${t.t('error.page.signIn')}</a></p>
</div>`;
  return page({ title, chrome, body, narrow: true });
}
