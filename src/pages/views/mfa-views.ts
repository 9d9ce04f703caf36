/**
 * Multi-factor pages (docs/security.md): the second sign-in step, and the account page's section for
 * the authenticator app (TOTP, with its secret as text and a QR code Gatehouse renders), recovery
 * codes (shown once, with a download) and passkeys. Passkey forms need the WebAuthn script and
 * stay hidden without it; everything else is a plain form. Forms that change how the user signs
 * in ask for the password again (re-authentication), unless the account has none.
 */
import { html, type Html } from '../../http/html.js';
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
  const error = (form: SecondStepView['failed']) => (v.failed === form ? v.errors.fields[form!] ?? v.errors.message : null);
  const body = html`<div class="card" data-webauthn-scope>
<h1>Two-step sign-in</h1>
<p class="muted">Your password was right. Finish signing in with your second factor.</p>
${v.failed === null ? alert('error', v.errors.message) : null}
${v.methods.includes('totp') && html`<form method="post" action="/login/mfa" novalidate>
${csrfField(chrome.csrf)}${hidden('next', v.next)}
${field({ name: 'code', label: 'Code from your authenticator app', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, autofocus: true, error: error('code'), idPrefix: 'totp' })}
<p><button class="block" type="submit">Verify</button></p>
</form>`}
${v.methods.includes('webauthn') && html`<form method="post" action="/login/mfa" data-webauthn="second-step" data-options="/login/mfa/options" hidden>
${csrfField(chrome.csrf)}${hidden('next', v.next)}<input type="hidden" name="webauthn" value="">
<p><button class="secondary block" type="submit">Use a passkey</button></p>
${alert('error', error('webauthn'))}
<p class="error" data-webauthn-error role="alert" hidden></p>
</form>`}
${v.methods.includes('recovery_code') && html`<details${v.failed === 'recovery_code' || !v.methods.includes('totp') ? html` open` : null}>
<summary>Use a recovery code</summary>
<form method="post" action="/login/mfa" novalidate>
${csrfField(chrome.csrf)}${hidden('next', v.next)}
${field({ name: 'recovery_code', label: 'Recovery code', autocomplete: 'off', required: true, error: error('recovery_code'), hint: 'One of the codes you saved, like abcde-fgh23. Each works once.', idPrefix: 'recovery' })}
<p><button class="secondary" type="submit">Use the recovery code</button></p>
</form>
</details>`}
</div>
<p class="muted"><a href="/login">Start again</a></p>`;
  return page({ title: 'Two-step sign-in', chrome, body, narrow: true, webauthn: v.methods.includes('webauthn') });
}

/** what the MFA section shows after one of its forms was posted */
export type MfaSectionState =
  | { kind: 'setup'; secret: string; otpauthUri: string; qr: string; error?: string | null }
  | { kind: 'codes'; codes: string[]; message: string }
  | { kind: 'done'; message: string }
  | { kind: 'error'; form: 'totp-setup' | 'totp-disable' | 'codes' | 'passkey-add' | `passkey-remove:${string}`; message: string };

export interface MfaSectionView {
  csrf: string;
  hasPassword: boolean;
  overview: MfaOverview;
  state: MfaSectionState | undefined;
}

export function mfaSection(v: MfaSectionView): Html {
  const { overview, state, csrf } = v;
  const errorFor = (form: string) => (state?.kind === 'error' && state.form === form ? state.message : null);
  const reauth = (prefix: string, form: string) =>
    v.hasPassword ? field({ name: 'password', label: 'Your password', type: 'password', autocomplete: 'current-password', required: true, idPrefix: prefix, error: errorFor(form) }) : alert('error', errorFor(form));
  const hasMfa = overview.totp || overview.passkeys.length > 0;
  const date = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'never');

  let totp: Html;
  if (state?.kind === 'setup') {
    totp = html`<p>Scan this QR code with your authenticator app, or type the key in by hand. Then enter the 6-digit code it shows.</p>
<div class="row"><img class="qr" src="${state.qr}" alt="QR code for your authenticator app" width="192" height="192"></div>
<p>Key: <span class="secret" data-totp-secret>${state.secret}</span></p>
<form method="post" action="/account/totp/confirm" novalidate>
${csrfField(csrf)}${hidden('secret', state.secret)}${hidden('otpauth_uri', state.otpauthUri)}
${field({ name: 'code', label: 'Code from the app', autocomplete: 'one-time-code', inputmode: 'numeric', required: true, autofocus: true, error: state.error, idPrefix: 'totp-confirm' })}
<p><button type="submit">Turn on</button></p>
</form>`;
  } else if (overview.totp) {
    totp = html`<p><span class="badge on">On</span> Sign-ins ask for a code from your app.</p>
<details${errorFor('totp-disable') ? html` open` : null}><summary>Turn the authenticator app off</summary>
<form method="post" action="/account/totp/disable" novalidate>
${csrfField(csrf)}
${reauth('totp-off', 'totp-disable')}
${field({ name: 'code', label: 'A current code or a recovery code', autocomplete: 'one-time-code', required: true, idPrefix: 'totp-off' })}
<p><button class="danger" type="submit">Turn off</button></p>
</form></details>`;
  } else {
    totp = html`<p>Use an app such as Google Authenticator, 1Password or Aegis for a code at each sign-in.</p>
<form method="post" action="/account/totp/setup" novalidate>
${csrfField(csrf)}
${reauth('totp-setup', 'totp-setup')}
<p><button type="submit">Set up an authenticator app</button></p>
</form>`;
  }

  let codes: Html | null = null;
  if (state?.kind === 'codes') {
    const text = `Gatehouse recovery codes\nEach code works once. Keep them somewhere safe.\n\n${state.codes.join('\n')}\n`;
    codes = html`${alert('ok', state.message)}
<p><strong>Save these recovery codes now: they are shown only once.</strong> Each one lets you sign in once if you lose your second factor.</p>
<ul class="codes" data-recovery-codes>${state.codes.map((c) => html`<li>${c}</li>`)}</ul>
<p><a class="button secondary" download="gatehouse-recovery-codes.txt" href="data:text/plain;charset=utf-8,${encodeURIComponent(text)}">Download the codes</a></p>`;
  } else if (hasMfa) {
    codes = html`<p>${overview.recoveryCodesLeft} of 10 recovery codes left.</p>
<details${errorFor('codes') ? html` open` : null}><summary>Make a new set (the old codes stop working)</summary>
<form method="post" action="/account/recovery-codes" novalidate>
${csrfField(csrf)}
${reauth('codes', 'codes')}
<p><button class="secondary" type="submit">New recovery codes</button></p>
</form></details>`;
  }

  const passkeys = html`${overview.passkeys.length === 0
    ? html`<p class="muted">No passkeys yet.</p>`
    : html`<table><thead><tr><th scope="col">Name</th><th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="skip">Actions</span></th></tr></thead><tbody>
${overview.passkeys.map((p) => html`<tr><td>${p.name}</td><td>${date(p.createdAt)}</td><td>${date(p.lastUsedAt)}</td><td>
<details${errorFor(`passkey-remove:${p.id}`) ? html` open` : null}><summary>Remove</summary>
<form method="post" action="/account/passkeys/${p.id}/delete" novalidate>
${csrfField(csrf)}
${reauth(`passkey-${p.id}`, `passkey-remove:${p.id}`)}
<button class="danger" type="submit">Remove this passkey</button>
</form></details></td></tr>`)}
</tbody></table>`}
<div data-webauthn-scope>
<form method="post" action="/account/passkeys" data-webauthn="register" data-options="/account/passkeys/options" novalidate hidden>
${csrfField(csrf)}<input type="hidden" name="response" value="">
${field({ name: 'name', label: 'Name of the new passkey', autocomplete: 'off', hint: 'For example “Laptop” or “Phone”.', idPrefix: 'passkey' })}
${reauth('passkey-add', 'passkey-add')}
<p><button class="secondary" type="submit">Add a passkey</button></p>
<p class="error" data-webauthn-error role="alert" hidden></p>
</form>
<noscript><p class="muted">Adding a passkey needs JavaScript: your browser creates the key.</p></noscript>
</div>`;

  return html`<section class="card" id="mfa" aria-labelledby="mfa-title">
<h2 id="mfa-title">Two-step sign-in</h2>
${state?.kind === 'done' ? alert('ok', state.message) : null}
<h3>Authenticator app</h3>
${totp}
${codes && html`<h3>Recovery codes</h3>${codes}`}
<h3>Passkeys</h3>
${passkeys}
</section>`;
}
