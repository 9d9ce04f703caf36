/**
 * The frame of every page and the form pieces they share: header with the signed-in user's
 * navigation and sign-out button, a main landmark, labelled fields whose errors are tied to them
 * (aria-invalid + aria-describedby), and alerts announced to screen readers. No inline script or
 * style anywhere (the CSP forbids both); the only script, webauthn.js, is linked by the pages that
 * need it.
 */
import { html, type Html } from '../../http/html.js';
import { assetUrl } from '../assets.js';

export interface PageChrome {
  /** the CSRF token for the forms of this response (the sign-out button included) */
  csrf: string;
  /** who is signed in (navigation and sign-out), null on public pages without a session */
  user: { label: string; can?: { products: boolean; admin: boolean } } | null;
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
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title} · Gatehouse</title>
<link rel="stylesheet" href="${assetUrl('gatehouse.css')}">
${o.webauthn && html`<script src="${assetUrl('webauthn.js')}" defer></script>`}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><div class="bar">
<a class="brand" href="${chrome.user ? '/dashboard' : '/login'}">Gatehouse</a>
<nav class="main" aria-label="Main">
${chrome.user
  ? html`<a href="/dashboard">Dashboard</a>${chrome.user.can?.products && html`<a href="/products">Products</a>`}${chrome.user.can?.admin && html`<a href="/admin">Admin</a>`}<a href="/account">Account</a>
<span class="muted">${chrome.user.label}</span>
<form method="post" action="/logout">${csrfField(chrome.csrf)}<button class="secondary" type="submit">Sign out</button></form>`
  : html`<a href="/login">Sign in</a><a href="/register">Create account</a>`}
</nav>
</div></header>
<main id="main" class="${o.narrow ? 'narrow' : ''}">
${o.body}
</main>
<footer class="bottom">Gatehouse · your sign-in is protected by this service</footer>
</body>
</html>
`}`;
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
