/** The consent page of "Sign in with Gatehouse": the client by name, the scopes in words, allow or deny. */
import { Html, html } from '../../http/html.js';
import type { MessageKey } from '../../i18n/translator.js';
import { csrfField, page, type PageChrome } from './layout.js';

const SCOPE_WORDS: Record<string, MessageKey> = {
  openid: 'oidc.scope.openid',
  profile: 'oidc.scope.profile',
  email: 'oidc.scope.email',
  roles: 'oidc.scope.roles',
  offline_access: 'oidc.scope.offline_access',
};

export interface ConsentView {
  action: string;
  clientName: string;
  scopes: readonly string[];
}

export function consentPage(chrome: PageChrome, v: ConsentView): string {
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('oidc.consent.title', { client: v.clientName })}</h1>
<p><strong>${v.clientName}</strong> ${t.t('oidc.consent.asks')}</p>
<ul>${v.scopes.map((s) => html`<li>${Object.hasOwn(SCOPE_WORDS, s) ? t.t(SCOPE_WORDS[s]!) : s}</li>`)}</ul>
<form method="post" action="${v.action}">
${csrfField(chrome.csrf)}
<p><button class="block" type="submit" name="decision" value="allow">${t.t('oidc.consent.allow')}</button></p>
<p><button class="secondary block" type="submit" name="decision" value="deny">${t.t('oidc.consent.deny')}</button></p>
</form>
<p class="muted">${t.t('oidc.consent.withdraw')}</p>
</div>`;
  return page({ title: t.t('oidc.consent.title', { client: v.clientName }), chrome, body, narrow: true });
}

/** the error codes the library's error page explains in words; any other gets the general text */
const EXPLAINED_ERRORS = [
  'invalid_request', 'invalid_client', 'unauthorized_client', 'invalid_redirect_uri', 'access_denied', 'login_required',
  'consent_required', 'interaction_required', 'invalid_scope', 'unsupported_response_type', 'invalid_grant', 'invalid_target',
  'server_error', 'temporarily_unavailable',
] as const;

/**
 * The library's error page: what went wrong in the reader's words (by the error code) and what to do.
 * The code and the library's own description are kept as a technical detail for whoever builds the
 * application: folded away, the description marked as English (it comes from the library, in
 * English only). Both are untrusted text (the request may have shaped them), escaped as all text is.
 */
export function oidcErrorView(chrome: PageChrome, e: { error: string; description: string | undefined }): string {
  const { t } = chrome;
  const known = (EXPLAINED_ERRORS as readonly string[]).includes(e.error) ? (e.error as (typeof EXPLAINED_ERRORS)[number]) : null;
  const explanation = t.t(known ? `oidcError.code.${known}` : 'oidcError.code.other');
  const body = html`<div class="card">
<h1>${t.t('oidcError.title')}</h1>
<p>${explanation}</p>
<p>${t.t('oidcError.next')}</p>
<details><summary>${t.t('oidcError.technical')}</summary>
<p><code>${e.error.slice(0, 100)}</code></p>
${e.description && html`<p lang="en">${e.description.slice(0, 500)}</p>`}
</details>
<p><a href="/dashboard">${t.t('error.page.dashboard')}</a></p>
</div>`;
  return page({ title: t.t('oidcError.title'), chrome, body, narrow: true });
}

/**
 * The library's sign-out question (RP-initiated logout). `libraryForm` is markup the library makes
 * (its action and xsrf field, no reader input): embedded as it is, and the two buttons submit it.
 */
export function logoutQuestionView(chrome: PageChrome, libraryForm: string): string {
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('oidc.logout.title')}</h1>
${new Html(libraryForm)}
<p><button class="block" type="submit" form="op.logoutForm" value="yes" name="logout">${t.t('oidc.logout.yes')}</button></p>
<p><button class="secondary block" type="submit" form="op.logoutForm">${t.t('oidc.logout.no')}</button></p>
</div>`;
  return page({ title: t.t('oidc.logout.title'), chrome, body, narrow: true });
}

/** after a sign-out the application asked for, when it named no address to go back to */
export function loggedOutView(chrome: PageChrome): string {
  const { t } = chrome;
  const body = html`<div class="card">
<h1>${t.t('oidc.loggedOut.title')}</h1>
<p>${t.t('oidc.loggedOut.body')}</p>
</div>`;
  return page({ title: t.t('oidc.loggedOut.title'), chrome, body, narrow: true });
}
