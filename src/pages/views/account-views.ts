/**
 * The /account sections of docs/architecture.md: change the password (`current_password`, `new_password`),
 * change the email address (`new_email`, `password`, then the emailed `code`), and delete the
 * account (`password` and a ticked confirmation). Password-less accounts (social sign-in only) are
 * asked what the API asks them: no current password when setting a first one or deleting from a
 * fresh sign-in, and a code sent to the current address before changing it.
 */
import { html, type Html } from '../../http/html.js';
import type { UserRecord } from '../../users/users-service.js';
import type { FormErrors } from '../form-errors.js';
import { checkbox, postButton } from './console-views.js';
import { alert, csrfField, field } from './layout.js';

export type AccountFormState =
  | { kind: 'error'; errors: FormErrors; values?: Record<string, string> }
  | { kind: 'done'; message: string }
  /** email change: the code went to the new address */
  | { kind: 'code-sent'; newEmail: string; errors?: FormErrors };

const NONE: FormErrors = { message: null, fields: {} };

function errorsOf(state: AccountFormState | undefined): FormErrors {
  return state?.kind === 'error' ? state.errors : state?.kind === 'code-sent' ? (state.errors ?? NONE) : NONE;
}

export function passwordSection(csrf: string, user: UserRecord, state: AccountFormState | undefined): Html {
  const errors = errorsOf(state);
  const hasPassword = user.passwordHash !== null;
  return html`<section class="card" id="password" aria-labelledby="password-title">
<h2 id="password-title">${hasPassword ? 'Change your password' : 'Set a password'}</h2>
${state?.kind === 'done' ? alert('ok', state.message) : null}
${alert('error', errors.message)}
<p class="muted">Every other device is signed out when the password changes.</p>
<form method="post" action="/account/password" novalidate>
${csrfField(csrf)}
${hasPassword ? field({ name: 'current_password', label: 'Current password', type: 'password', autocomplete: 'current-password', required: true, error: errors.fields.current_password, idPrefix: 'pw' }) : html`<p class="hint">Your account has no password yet: setting one works within ten minutes of signing in.</p>`}
${field({ name: 'new_password', label: 'New password', type: 'password', autocomplete: 'new-password', required: true, error: errors.fields.new_password, hint: '8 to 128 characters; a long phrase is best', idPrefix: 'pw' })}
<button type="submit">${hasPassword ? 'Change password' : 'Set password'}</button>
</form>
</section>`;
}

export function emailSection(csrf: string, user: UserRecord, state: AccountFormState | undefined): Html {
  const errors = errorsOf(state);
  const values = state?.kind === 'error' ? (state.values ?? {}) : {};
  const proveByCode = user.passwordHash === null && user.email !== null;
  const confirm = state?.kind === 'code-sent'
    ? html`<form method="post" action="/account/email/confirm" novalidate>
${csrfField(csrf)}
<p>We sent a code to <strong>${state.newEmail}</strong>. Enter it to finish the change.</p>
${field({ name: 'code', label: 'Code from the email', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, error: errors.fields.code, idPrefix: 'em', autofocus: true })}
<button type="submit">Confirm new address</button>
</form>`
    : null;
  return html`<section class="card" id="email" aria-labelledby="email-title">
<h2 id="email-title">Email address</h2>
<p>Current address: <strong>${user.email ?? 'none'}</strong></p>
${state?.kind === 'done' ? alert('ok', state.message) : null}
${alert('error', errors.message)}
${confirm ?? html`<form method="post" action="/account/email" novalidate>
${csrfField(csrf)}
${field({ name: 'new_email', label: 'New email address', type: 'email', autocomplete: 'email', required: true, value: values.new_email ?? '', error: errors.fields.new_email, idPrefix: 'em' })}
${proveByCode
  ? field({ name: 'current_email_code', label: 'Code sent to your current address', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, error: errors.fields.current_email_code, idPrefix: 'em' })
  : user.passwordHash !== null ? field({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password', required: true, error: errors.fields.password, idPrefix: 'em' }) : null}
<button type="submit">Send a code to the new address</button>
</form>
${proveByCode && html`<p class="hint">Your account has no password: first prove you still read your current address.</p>${postButton({ action: '/account/email/current-code', csrf, label: 'Send a code to my current address' })}`}`}
</section>`;
}

export function deleteSection(csrf: string, user: UserRecord, state: AccountFormState | undefined): Html {
  const errors = errorsOf(state);
  return html`<section class="card" id="delete" aria-labelledby="delete-title">
<h2 id="delete-title">Delete your account</h2>
<p>This removes your account, every session, your connected accounts and your products. It cannot be undone.</p>
${alert('error', errors.message)}
<form method="post" action="/account/delete" novalidate>
${csrfField(csrf)}
${user.passwordHash !== null ? field({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password', required: true, error: errors.fields.password, idPrefix: 'del' }) : html`<p class="hint">Your account has no password: deleting works within ten minutes of signing in.</p>`}
${checkbox({ name: 'confirm', label: 'I understand that my account and its data are deleted for good', error: errors.fields.confirm, idPrefix: 'del' })}
<button class="danger" type="submit">Delete my account</button>
</form>
</section>`;
}
