/**
 * The /account sections of docs/architecture.md: change the password (`current_password`, `new_password`),
 * change the email address (`new_email`, `password`, then the emailed `code`), and delete the
 * account (`password` and a ticked confirmation). Password-less accounts (social sign-in only) are
 * asked what the API asks them: no current password when setting a first one or deleting from a
 * fresh sign-in, and a code sent to the current address before changing it. Every text comes from
 * the reader's catalogue; a success arrives as a notice of the redirect that followed the form.
 */
import { html, type Html } from '../../http/html.js';
import type { AccountSectionInput } from '../account-page.js';
import type { FormErrors } from '../form-errors.js';
import { checkbox, postButton } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

export type AccountFormState =
  | { kind: 'error'; errors: FormErrors; values?: Record<string, string> }
  /** email change: the code went to the new address (a wrong code comes back with its errors) */
  | { kind: 'code-sent'; errors?: FormErrors };

const NONE: FormErrors = { message: null, fields: {} };

function errorsOf(state: AccountFormState | undefined): FormErrors {
  return state?.kind === 'error' ? state.errors : state?.kind === 'code-sent' ? (state.errors ?? NONE) : NONE;
}

export function passwordSection({ csrf, user, t, notice }: AccountSectionInput, state: AccountFormState | undefined): Html {
  const errors = errorsOf(state);
  const hasPassword = user.passwordHash !== null;
  return html`<section class="card" id="password" aria-labelledby="password-title">
<h2 id="password-title">${hasPassword ? t.t('account.password.change') : t.t('account.password.set')}</h2>
${alert('ok', notice?.text)}
${alert('error', errors.message)}
<p class="muted">${t.t('account.password.othersSignedOut')}</p>
<form method="post" action="/account/password" novalidate>
${csrfField(csrf)}
${hasPassword ? field({ name: 'current_password', label: t.t('account.password.current'), type: 'password', autocomplete: 'current-password', required: true, error: errors.fields.current_password, idPrefix: 'pw' }) : html`<p class="hint">${t.t('account.password.none')}</p>`}
${field({ name: 'new_password', label: t.t('account.password.new'), type: 'password', autocomplete: 'new-password', required: true, error: errors.fields.new_password, hint: t.t('account.password.newHint'), idPrefix: 'pw' })}
<button type="submit">${hasPassword ? t.t('account.password.submitChange') : t.t('account.password.submitSet')}</button>
</form>
</section>`;
}

export function emailSection({ csrf, user, t, notice }: AccountSectionInput, state: AccountFormState | undefined): Html {
  const errors = errorsOf(state);
  const values = state?.kind === 'error' ? (state.values ?? {}) : {};
  const proveByCode = user.passwordHash === null && user.email !== null;
  // the code form: right after the change was asked for (the redirect's notice), or a wrong code
  const codeSent = state?.kind === 'code-sent' || notice?.key === 'email_code_sent';
  const confirm = codeSent
    ? html`<form method="post" action="/account/email/confirm" novalidate>
${csrfField(csrf)}
${notice ? null : html`<p>${t.t('account.email.codeSent')}</p>`}
${field({ name: 'code', label: t.t('account.email.code'), inputmode: 'numeric', autocomplete: 'one-time-code', required: true, error: errors.fields.code, idPrefix: 'em', autofocus: true })}
<button type="submit">${t.t('account.email.confirm')}</button>
</form>
<p><a href="/account#email">${t.t('account.email.startOver')}</a></p>`
    : null;
  return html`<section class="card" id="email" aria-labelledby="email-title">
<h2 id="email-title">${t.t('account.email.title')}</h2>
<p class="wrap">${t.t('account.email.current')} <strong>${user.email ?? t.t('account.email.none')}</strong></p>
${alert('ok', notice?.text)}
${alert('error', errors.message)}
${confirm ?? html`<form method="post" action="/account/email" novalidate>
${csrfField(csrf)}
${field({ name: 'new_email', label: t.t('account.email.new'), type: 'email', autocomplete: 'email', required: true, value: values.new_email ?? '', error: errors.fields.new_email, idPrefix: 'em' })}
${proveByCode
  ? field({ name: 'current_email_code', label: t.t('account.email.currentCode'), inputmode: 'numeric', autocomplete: 'one-time-code', required: true, error: errors.fields.current_email_code, idPrefix: 'em' })
  : user.passwordHash !== null ? field({ name: 'password', label: t.t('account.email.password'), type: 'password', autocomplete: 'current-password', required: true, error: errors.fields.password, idPrefix: 'em' }) : null}
<button type="submit">${t.t('account.email.send')}</button>
</form>
${proveByCode && html`<p class="hint">${t.t('account.email.noPassword')}</p>${postButton({ action: '/account/email/current-code', csrf, label: t.t('account.email.sendCurrent') })}`}`}
</section>`;
}

export function deleteSection({ csrf, user, t }: AccountSectionInput, state: AccountFormState | undefined): Html {
  const errors = errorsOf(state);
  return html`<section class="card" id="delete" aria-labelledby="delete-title">
<h2 id="delete-title">${t.t('account.delete.title')}</h2>
<p>${t.t('account.delete.text')}</p>
${alert('error', errors.message)}
<form method="post" action="/account/delete" novalidate>
${csrfField(csrf)}
${user.passwordHash !== null ? field({ name: 'password', label: t.t('account.delete.password'), type: 'password', autocomplete: 'current-password', required: true, error: errors.fields.password, idPrefix: 'del' }) : html`<p class="hint">${t.t('account.delete.noPassword')}</p>`}
${checkbox({ name: 'confirm', label: t.t('account.delete.confirm'), error: errors.fields.confirm, idPrefix: 'del' })}
<button class="danger" type="submit">${t.t('account.delete.submit')}</button>
</form>
</section>`;
}

/** where a deleted account's browser lands: nobody is signed in any more */
export function accountDeletedPage(chrome: PageChrome): string {
  const { t } = chrome;
  const body = html`<div class="card"><h1>${t.t('account.deleted.title')}</h1>${alert('ok', t.t('account.deleted.text'))}<p><a href="/register">${t.t('account.deleted.register')}</a></p></div>`;
  return page({ title: t.t('account.deleted.title'), chrome, body, narrow: true });
}
