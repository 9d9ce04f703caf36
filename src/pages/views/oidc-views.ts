/** The consent page of "Sign in with Gatehouse": the client by name, the scopes in words, allow or deny. */
import { html } from '../../http/html.js';
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
