/**
 * The public pages (docs/architecture.md): sign-in, registration, forgotten and reset password, email
 * verification. Field names are contract: `login`, `password`, `next`; `email`, `username`,
 * `name`, `password`; `email`, `code`, `new_password`; `_csrf` on every form.
 */
import { html, type Html } from '../../http/html.js';
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
  const redirectTo = encodeURIComponent(v.next ?? '/dashboard');
  const body = html`<div class="card" data-webauthn-scope>
<h1>Sign in</h1>
${alert('info', v.notice)}
${alert('error', v.errors.message)}
<form method="post" action="/login" novalidate>
${csrfField(chrome.csrf)}${hidden('next', v.next)}
${field({ name: 'login', label: 'Email or username', value: v.login, autocomplete: 'username webauthn', required: true, error: v.errors.fields.login, autofocus: !v.login })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', required: true, error: v.errors.fields.password, autofocus: Boolean(v.login) })}
<p><button class="block" type="submit">Sign in</button></p>
</form>
<p><a href="/forgot-password">Forgot your password?</a></p>
<div class="divider">or</div>
<div class="providers">
<button class="secondary block" type="button" data-webauthn="sign-in" data-next="${v.next ?? '/dashboard'}" hidden>Sign in with a passkey</button>
<p class="error" data-webauthn-error role="alert" hidden></p>
${v.providers.map((p) => html`<a class="button secondary block" href="/api/v1/auth/oauth/${encodeURIComponent(p.id)}/authorize?redirect_to=${redirectTo}">Continue with ${p.name}</a>`)}
</div>
${v.emailLogin && html`<div class="divider">or</div>
${emailCodeRequestForm(chrome.csrf, { email: '' })}`}
</div>
${v.registrationOpen && html`<p class="muted">New here? <a href="/register">Create an account</a></p>`}`;
  return page({ title: 'Sign in', chrome, body, narrow: true, webauthn: true });
}

export interface RegisterView {
  values: { email: string; username: string; name: string };
  errors: FormErrors;
  closed: boolean;
  emailOptional: boolean;
}

export function registerPage(chrome: PageChrome, v: RegisterView): string {
  const body = v.closed
    ? html`<div class="card"><h1>Create an account</h1>${alert('info', 'Registration is closed: accounts are created by an administrator.')}<p><a href="/login">Sign in</a></p></div>`
    : html`<div class="card">
<h1>Create an account</h1>
${alert('error', v.errors.message)}
<form method="post" action="/register" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'email', label: v.emailOptional ? 'Email (optional)' : 'Email', type: 'email', value: v.values.email, autocomplete: 'email', required: !v.emailOptional, error: v.errors.fields.email })}
${field({ name: 'username', label: 'Username (optional)', value: v.values.username, autocomplete: 'username', error: v.errors.fields.username, hint: '3–32 characters: letters, digits, _ . -' })}
${field({ name: 'name', label: 'Name (optional)', value: v.values.name, autocomplete: 'name', error: v.errors.fields.name })}
${field({ name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', required: true, error: v.errors.fields.password, hint: 'At least 8 characters; a phrase of several unrelated words is strong and easy to remember.' })}
<p><button class="block" type="submit">Create account</button></p>
</form>
</div>
<p class="muted">Already have an account? <a href="/login">Sign in</a></p>`;
  return page({ title: 'Create an account', chrome, body, narrow: true });
}

export function forgotPasswordPage(chrome: PageChrome, v: { email: string; errors: FormErrors }): string {
  const body = html`<div class="card">
<h1>Forgot your password?</h1>
<p class="muted">Enter the email address of your account. We will send you a code and a link to choose a new password.</p>
${alert('error', v.errors.message)}
<form method="post" action="/forgot-password" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'email', label: 'Email', type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.errors.fields.email })}
<p><button class="block" type="submit">Send the code</button></p>
</form>
</div>
<p class="muted"><a href="/login">Back to sign in</a></p>`;
  return page({ title: 'Forgot password', chrome, body, narrow: true });
}

export interface ResetView {
  /** the one-click link's token: then no email or code is asked */
  token: string | null;
  email: string;
  notice: string | null;
  errors: FormErrors;
}

export function resetPasswordPage(chrome: PageChrome, v: ResetView): string {
  const body = html`<div class="card">
<h1>Choose a new password</h1>
${alert('info', v.notice)}
${alert('error', v.errors.message)}
<form method="post" action="/reset-password" novalidate>
${csrfField(chrome.csrf)}${hidden('token', v.token)}
${v.token ? null : html`${field({ name: 'email', label: 'Email', type: 'email', value: v.email, autocomplete: 'email', required: true, error: v.errors.fields.email })}
${field({ name: 'code', label: 'Code from the email', value: '', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, error: v.errors.fields.code, autofocus: Boolean(v.email) })}`}
${field({ name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true, error: v.errors.fields.new_password })}
<p><button class="block" type="submit">Set the new password</button></p>
</form>
<p class="muted">Signing in again is needed everywhere afterwards: every session ends.</p>
</div>`;
  return page({ title: 'Reset password', chrome, body, narrow: true });
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
  let form: Html | null = null;
  if (v.signedIn && !v.verified) {
    form = html`<form method="post" action="/verify-email" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'code', label: 'Verification code', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, error: v.errors.fields.code, hint: 'The 8-digit code from the email we sent you.' })}
<p><button type="submit">Verify</button></p>
</form>
<form method="post" action="/verify-email/resend">${csrfField(chrome.csrf)}<button class="link" type="submit">Send a new code</button></form>`;
  } else if (!v.signedIn && !v.result) {
    form = html`<p>Open the link in the email we sent you, or <a href="/login?next=%2Fverify-email">sign in</a> to enter its code.</p>`;
  }
  const body = html`<div class="card">
<h1>${v.result?.title ?? 'Verify your email address'}</h1>
${v.result && alert(v.result.kind, v.result.message)}
${alert('info', v.notice)}
${alert('error', v.errors.message)}
${v.signedIn && v.verified && !v.result ? alert('ok', 'Your email address is verified.') : null}
${form}
${v.signedIn ? html`<p><a href="/dashboard">Go to your dashboard</a></p>` : null}
</div>`;
  return page({ title: v.result?.title ?? 'Verify your email', chrome, body, narrow: true });
}

export function errorPage(chrome: PageChrome, e: { status: number; title: string; detail: string | null; requestId: string | null }): string {
  const body = html`<div class="card">
<p class="muted">Error ${e.status}</p>
<h1>${e.title}</h1>
${e.detail ? html`<p>${e.detail}</p>` : null}
${e.requestId ? html`<p class="muted">Request id: <code>${e.requestId}</code></p>` : null}
<p><a href="/dashboard">Go to your dashboard</a> · <a href="/login">Sign in</a></p>
</div>`;
  return page({ title: e.title, chrome, body, narrow: true });
}
