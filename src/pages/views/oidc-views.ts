/** The consent page of "Sign in with Gatehouse": the client by name, the scopes in words, allow or deny. */
import { html } from '../../http/html.js';
import { csrfField, page, type PageChrome } from './layout.js';

const SCOPE_WORDS: Record<string, string> = {
  openid: 'Know who you are (your Gatehouse account id)',
  profile: 'See your name, username and picture',
  email: 'See your email address and whether it is verified',
  roles: 'See your roles',
  offline_access: 'Stay connected while you are away (keep access until you withdraw it)',
};

export interface ConsentView {
  action: string;
  clientName: string;
  scopes: readonly string[];
}

export function consentPage(chrome: PageChrome, v: ConsentView): string {
  const body = html`<div class="card">
<h1>Allow ${v.clientName}?</h1>
<p><strong>${v.clientName}</strong> asks to sign you in with your Gatehouse account and to:</p>
<ul>${v.scopes.map((s) => html`<li>${SCOPE_WORDS[s] ?? s}</li>`)}</ul>
<form method="post" action="${v.action}">
${csrfField(chrome.csrf)}
<p><button class="block" type="submit" name="decision" value="allow">Allow</button></p>
<p><button class="secondary block" type="submit" name="decision" value="deny">Deny</button></p>
</form>
<p class="muted">You can withdraw this later from your dashboard.</p>
</div>`;
  return page({ title: `Allow ${v.clientName}?`, chrome, body, narrow: true });
}
