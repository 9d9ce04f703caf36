/**
 * Multi-factor pages (docs/security.md): the second sign-in step, and the account page's section for
 * the authenticator app (TOTP, with its secret as text and a QR code Gatehouse renders), recovery
 * codes (shown once, with a download) and passkeys. Passkey forms need the WebAuthn script and
 * stay hidden without it; everything else is a plain form. Forms that change how the user signs
 * in ask for the password again (re-authentication), unless the account has none.
 */
import { html, type Html } from '../../http/html.js';
import type { Translator } from '../../i18n/translator.js';
import type { MfaOverview } from '../../mfa/mfa-service.js';
import type { FormErrors } from '../form-errors.js';
import { alert, csrfField, field, hidden, page, type PageChrome } from './layout.js';

export interface SecondStepView {
  methods: string[];
  next: string | null;
  errors: FormErrors;
  /** the form the error belongs to */
  failed: 'code' | 'recovery_code' | 'webauthn' | null;
}

export function secondStepPage(chrome: PageChrome, v: SecondStepView): string {
  const { t } = chrome;
  const error = (form: SecondStepView['failed']) => (v.failed === form ? v.errors.fields[form!] ?? v.errors.message : null);
  const body = html`<div class="card" data-webauthn-scope>
<h1>${t.t('mfa.title')}</h1>
<p class="muted">${t.t('mfa.step.intro')}</p>
${v.failed === null ? alert('error', v.errors.message) : null}
${v.methods.includes('totp') && html`<form method="post" action="/login/mfa" novalidate>
${csrfField(chrome.csrf)}${hidden('next', v.next)}
${field({ name: 'code', label: t.t('mfa.step.code'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true, autofocus: true, error: error('code'), idPrefix: 'totp' })}
<p><button class="block" type="submit">${t.t('public.verify.submit')}</button></p>
</form>`}
${v.methods.includes('webauthn') && html`<form method="post" action="/login/mfa" data-webauthn="second-step" data-options="/login/mfa/options" hidden>
${csrfField(chrome.csrf)}${hidden('next', v.next)}<input type="hidden" name="webauthn" value="">
<p><button class="secondary block" type="submit">${t.t('mfa.step.passkey')}</button></p>
${alert('error', error('webauthn'))}
<p class="error" data-webauthn-error role="alert" hidden></p>
</form>`}
${v.methods.includes('recovery_code') && html`<details${v.failed === 'recovery_code' || !v.methods.includes('totp') ? html` open` : null}>
<summary>${t.t('mfa.step.recovery')}</summary>
<form method="post" action="/login/mfa" novalidate>
${csrfField(chrome.csrf)}${hidden('next', v.next)}
${field({ name: 'recovery_code', label: t.t('error.field.recovery_code'), autocomplete: 'off', required: true, error: error('recovery_code'), hint: t.t('mfa.step.recoveryHint'), idPrefix: 'recovery' })}
<p><button class="secondary" type="submit">${t.t('mfa.step.recoverySubmit')}</button></p>
</form>
</details>`}
</div>
<p class="muted"><a href="/login">${t.t('mfa.step.restart')}</a></p>`;
  return page({ title: t.t('mfa.title'), chrome, body, narrow: true, webauthn: v.methods.includes('webauthn') });
}

/** what the MFA section shows after one of its forms was posted */
export type MfaSectionState =
  | { kind: 'setup'; secret: string; otpauthUri: string; qr: string; error?: string | null }
  | { kind: 'codes'; codes: string[]; message: string }
  | { kind: 'done'; message: string }
  | { kind: 'error'; form: 'totp-setup' | 'totp-disable' | 'codes' | 'passkey-add' | `passkey-remove:${string}`; message: string };

export interface MfaSectionView {
  csrf: string;
  t: Translator;
  hasPassword: boolean;
  overview: MfaOverview;
  state: MfaSectionState | undefined;
}

export function mfaSection(v: MfaSectionView): Html {
  const { overview, state, csrf, t } = v;
  const errorFor = (form: string) => (state?.kind === 'error' && state.form === form ? state.message : null);
  const reauth = (prefix: string, form: string) =>
    v.hasPassword ? field({ name: 'password', label: t.t('mfa.account.yourPassword'), type: 'password', autocomplete: 'current-password', required: true, idPrefix: prefix, error: errorFor(form) }) : alert('error', errorFor(form));
  const hasMfa = overview.totp || overview.passkeys.length > 0;
  const date = (d: Date | null) => (d ? t.dateTime(d) : t.t('mfa.account.never'));

  let totp: Html;
  if (state?.kind === 'setup') {
    totp = html`<p>${t.t('mfa.account.scan')}</p>
<div class="row"><img class="qr" src="${state.qr}" alt="${t.t('mfa.account.qrAlt')}" width="192" height="192"></div>
<p>${t.t('mfa.account.key')} <span class="secret" data-totp-secret>${state.secret}</span></p>
<form method="post" action="/account/totp/confirm" novalidate>
${csrfField(csrf)}${hidden('secret', state.secret)}${hidden('otpauth_uri', state.otpauthUri)}
${field({ name: 'code', label: t.t('mfa.account.appCode'), autocomplete: 'one-time-code', inputmode: 'numeric', required: true, autofocus: true, error: state.error, idPrefix: 'totp-confirm' })}
<p><button type="submit">${t.t('mfa.account.turnOn')}</button></p>
</form>`;
  } else if (overview.totp) {
    totp = html`<p><span class="badge on">${t.t('mfa.account.on')}</span> ${t.t('mfa.account.totpOn')}</p>
<details${errorFor('totp-disable') ? html` open` : null}><summary>${t.t('mfa.account.totpOffSummary')}</summary>
<form method="post" action="/account/totp/disable" novalidate>
${csrfField(csrf)}
${reauth('totp-off', 'totp-disable')}
${field({ name: 'code', label: t.t('mfa.account.currentOrRecovery'), autocomplete: 'one-time-code', required: true, idPrefix: 'totp-off' })}
<p><button class="danger" type="submit">${t.t('mfa.account.turnOff')}</button></p>
</form></details>`;
  } else {
    totp = html`<p>${t.t('mfa.account.totpIntro')}</p>
<form method="post" action="/account/totp/setup" novalidate>
${csrfField(csrf)}
${reauth('totp-setup', 'totp-setup')}
<p><button type="submit">${t.t('mfa.account.totpSetup')}</button></p>
</form>`;
  }

  let codes: Html | null = null;
  if (state?.kind === 'codes') {
    const text = `${t.t('mfa.account.codesFileTitle')}\n${t.t('mfa.account.codesFileNote')}\n\n${state.codes.join('\n')}\n`;
    codes = html`${alert('ok', state.message)}
<p><strong>${t.t('mfa.account.codesSaveNow')}</strong> ${t.t('mfa.account.codesEach')}</p>
<ul class="codes" data-recovery-codes>${state.codes.map((c) => html`<li>${c}</li>`)}</ul>
<p><a class="button secondary" download="gatehouse-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(text)}">${t.t('mfa.account.codesDownload')}</a></p>`;
  } else if (hasMfa) {
    codes = html`<p>${t.t('mfa.account.codesLeft', { left: overview.recoveryCodesLeft, total: 10 })}</p>
<details${errorFor('codes') ? html` open` : null}><summary>${t.t('mfa.account.codesNewSummary')}</summary>
<form method="post" action="/account/recovery-codes" novalidate>
${csrfField(csrf)}
${reauth('codes', 'codes')}
<p><button class="secondary" type="submit">${t.t('mfa.account.codesNew')}</button></p>
</form></details>`;
  }

  const passkeys = html`${overview.passkeys.length === 0
    ? html`<p class="muted">${t.t('mfa.account.noPasskeys')}</p>`
    : html`<table class="stack"><thead><tr><th scope="col">${t.t('mfa.account.passkeyName')}</th><th scope="col">${t.t('mfa.account.added')}</th><th scope="col">${t.t('mfa.account.lastUsed')}</th><th scope="col"><span class="skip">${t.t('mfa.account.actions')}</span></th></tr></thead><tbody>
${overview.passkeys.map((p) => html`<tr><td data-label="${t.t('mfa.account.passkeyName')}">${p.name}</td><td data-label="${t.t('mfa.account.added')}">${date(p.createdAt)}</td><td data-label="${t.t('mfa.account.lastUsed')}">${date(p.lastUsedAt)}</td><td data-label="${t.t('mfa.account.actions')}">
<details${errorFor(`passkey-remove:${p.id}`) ? html` open` : null}><summary>${t.t('mfa.account.remove')}</summary>
<form method="post" action="/account/passkeys/${p.id}/delete" novalidate>
${csrfField(csrf)}
${reauth(`passkey-${p.id}`, `passkey-remove:${p.id}`)}
<button class="danger" type="submit">${t.t('mfa.account.removePasskey')}</button>
</form></details></td></tr>`)}
</tbody></table>`}
<div data-webauthn-scope>
<form method="post" action="/account/passkeys" data-webauthn="register" data-options="/account/passkeys/options" novalidate hidden>
${csrfField(csrf)}<input type="hidden" name="response" value="">
${field({ name: 'name', label: t.t('mfa.account.passkeyNewName'), autocomplete: 'off', hint: t.t('mfa.account.passkeyHint'), idPrefix: 'passkey' })}
${reauth('passkey-add', 'passkey-add')}
<p><button class="secondary" type="submit">${t.t('mfa.account.addPasskey')}</button></p>
<p class="error" data-webauthn-error role="alert" hidden></p>
</form>
<noscript><p class="muted">${t.t('mfa.account.needsScript')}</p></noscript>
</div>`;

  return html`<section class="card" id="mfa" aria-labelledby="mfa-title">
<h2 id="mfa-title">${t.t('mfa.title')}</h2>
${state?.kind === 'done' ? alert('ok', state.message) : null}
<h3>${t.t('mfa.account.app')}</h3>
${totp}
${codes && html`<h3>${t.t('mfa.account.codes')}</h3>${codes}`}
<h3>${t.t('mfa.account.passkeys')}</h3>
${passkeys}
</section>`;
}
