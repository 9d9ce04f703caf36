/**
 * The frame of every page and the form pieces they share: header with the signed-in user's
 * navigation and sign-out button, a main landmark, labelled fields whose errors are tied to them
 * (aria-invalid + aria-describedby), and alerts announced to screen readers. No inline script or
 * style anywhere (the CSP forbids both); the only script, webauthn.js, is linked by the pages that
 * need it, with its messages in the reader's language as a data attribute of its own tag.
 */
import { html, type Html } from '../../http/html.js';
import { LOCALES, type Locale } from '../../i18n/locales.js';
import type { Translator } from '../../i18n/translator.js';
import { assetUrl } from '../assets.js';

export interface PageChrome {
  /** the CSRF token for the forms of this response (the sign-out button included) */
  csrf: string;
  /** who is signed in (navigation and sign-out), null on public pages without a session */
  user: { label: string; can?: { products: boolean; admin: boolean } } | null;
  /** the reader's language (and BRAND_NAME as `{brand}`): every text of the page comes from it */
  t: Translator;
  /** the page's own path and query, for the language switch to come back to */
  here?: string;
  /** BRAND_COLOR's stylesheet and BRAND_LOGO_FILE's URL (absent: the built-in look) */
  brand?: { stylesheet: string; logo: string | null } | undefined;
}

export interface PageOptions {
  title: string;
  chrome: PageChrome;
  body: Html;
  /** a single narrow column (sign-in, register, …) */
  narrow?: boolean;
  /** link the WebAuthn script */
  webauthn?: boolean;
}

export function page(o: PageOptions): string {
  const { chrome } = o;
  const { t } = chrome;
  return `<!doctype html>\n${html`<html lang="${t.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${t.t('layout.title', { title: o.title })}</title>
<link rel="stylesheet" href="${assetUrl('gatehouse.css')}">
${chrome.brand && html`<link rel="stylesheet" href="${chrome.brand.stylesheet}">`}
<link rel="icon" href="/favicon.ico">
${o.webauthn && html`<script src="${assetUrl('webauthn.js')}" defer data-messages="${webauthnMessages(t)}"></script>`}
</head>
<body>
<a class="skip" href="#main">${t.t('layout.skip')}</a>
<header class="top"><div class="bar">
${chrome.brand?.logo
  ? html`<a class="brand logo" href="${chrome.user ? '/dashboard' : '/login'}"><img src="${chrome.brand.logo}" alt="${t.brand}" height="32"></a>`
  : html`<a class="brand" href="${chrome.user ? '/dashboard' : '/login'}">${t.brand}</a>`}
<nav class="main" aria-label="${t.t('layout.nav')}">
${chrome.user
  ? html`<a href="/dashboard">${t.t('layout.nav.dashboard')}</a>${chrome.user.can?.products && html`<a href="/products">${t.t('layout.nav.products')}</a>`}${chrome.user.can?.admin && html`<a href="/admin">${t.t('layout.nav.admin')}</a>`}<a href="/account">${t.t('layout.nav.account')}</a>
<span class="muted">${chrome.user.label}</span>
<form method="post" action="/logout">${csrfField(chrome.csrf)}<button class="secondary" type="submit">${t.t('layout.signOut')}</button></form>`
  : html`<a href="/login">${t.t('layout.signIn')}</a><a href="/register">${t.t('layout.createAccount')}</a>`}
</nav>
</div></header>
<main id="main" class="${o.narrow ? 'narrow' : ''}">
${o.body}
</main>
<footer class="bottom"><p>${t.t('layout.footer')}</p>
${languageSwitch(chrome)}</footer>
</body>
</html>
`}`;
}

/**
 * What webauthn.js may say, in the reader's language, as JSON for its tag's `data-messages` (an
 * attribute, escaped like any: no inline script, so the CSP stays `script-src 'self'`). The script
 * shows `codes[problem.code]` for a refusal it knows, else `failed`; `cancelled` when the browser's
 * passkey prompt was dismissed or timed out; `error` for anything else. It holds no text of its own.
 */
export function webauthnMessages(t: Translator): string {
  const codes: Record<string, string> = {
    unauthorized: t.t('error.code.unauthorized'),
    invalid_credentials: t.t('passkeyScript.notRecognised'),
    invalid_password: t.t('error.code.invalid_password'),
    forbidden: t.t('error.code.forbidden.reauthenticate'),
    account_disabled: t.t('error.code.account_disabled'),
    account_locked: t.t('error.code.account_locked'),
    mfa_not_enabled: t.t('error.code.mfa_not_enabled'),
    validation_error: t.t('passkeyScript.invalid'),
    rate_limited: t.t('passkeyScript.rateLimited'),
    too_many_attempts: t.t('passkeyScript.rateLimited'),
    server_busy: t.t('error.code.server_busy'),
  };
  return JSON.stringify({ cancelled: t.t('passkeyScript.cancelled'), failed: t.t('passkeyScript.failed'), error: t.t('passkeyScript.error'), codes });
}

/** each language by its own name, in its own language */
const LANGUAGE_NAMES: Record<Locale, string> = { en: 'English', de: 'Deutsch' };

/** links that set the `gh_lang` cookie and come back here; the reader's current language is marked */
function languageSwitch(chrome: PageChrome): Html {
  const { t } = chrome;
  const back = chrome.here && chrome.here.startsWith('/') && chrome.here.length <= 1024 ? `?next=${encodeURIComponent(chrome.here)}` : '';
  return html`<nav class="languages" aria-label="${t.t('layout.language')}"><ul>${LOCALES.map((locale) =>
    html`<li><a href="/language/${locale}${back}" lang="${locale}" hreflang="${locale}"${locale === t.locale ? html` aria-current="true"` : null}>${LANGUAGE_NAMES[locale]}</a></li>`)}</ul></nav>`;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

/** a form's own message (role=alert, so it is read out when the page comes back with it) */
export function alert(kind: 'error' | 'ok' | 'info', message: string | null | undefined): Html | null {
  if (!message) return null;
  return html`<div class="alert ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</div>`;
}

export interface FieldOptions {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'url' | 'search';
  value?: string | null;
  autocomplete?: string;
  required?: boolean;
  error?: string | null;
  hint?: string | null;
  inputmode?: 'numeric' | 'text';
  autofocus?: boolean;
  /** id prefix when a page has several forms with the same field name */
  idPrefix?: string;
}

export function field(f: FieldOptions): Html {
  const id = `${f.idPrefix ?? 'f'}-${f.name}`;
  const described = [f.hint ? `${id}-hint` : null, f.error ? `${id}-error` : null].filter(Boolean).join(' ');
  return html`<div class="field">
<label for="${id}">${f.label}</label>
<input id="${id}" name="${f.name}" type="${f.type ?? 'text'}"${f.value ? html` value="${f.value}"` : null}${f.autocomplete ? html` autocomplete="${f.autocomplete}"` : null}${f.required ? html` required` : null}${f.inputmode ? html` inputmode="${f.inputmode}"` : null}${f.autofocus ? html` autofocus` : null}${f.error ? html` aria-invalid="true"` : null}${described ? html` aria-describedby="${described}"` : null}>
${f.hint && html`<p class="hint" id="${id}-hint">${f.hint}</p>`}
${f.error && html`<p class="error" id="${id}-error">${f.error}</p>`}
</div>`;
}

export function hidden(name: string, value: string | null | undefined): Html | null {
  return value ? html`<input type="hidden" name="${name}" value="${value}">` : null;
}
