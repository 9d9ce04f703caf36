/** /dashboard: who is signed in and the way out (the dashboard's other cards are added later). */
import { html } from '../../http/html.js';
import type { UserRecord } from '../../users/users-service.js';
import { csrfField, page, type PageChrome } from './layout.js';

export function dashboardPage(chrome: PageChrome, user: UserRecord): string {
  const body = html`<h1>Welcome${user.name ? html`, ${user.name}` : null}</h1>
<div class="card">
<h2>Signed in</h2>
<table>
<tr><th scope="row">Email</th><td>${user.email ?? '—'} ${user.email ? (user.emailVerified ? html`<span class="badge on">verified</span>` : html`<a class="badge" href="/verify-email">verify</a>`) : null}</td></tr>
<tr><th scope="row">Username</th><td>${user.username ?? '—'}</td></tr>
<tr><th scope="row">Name</th><td>${user.name ?? '—'}</td></tr>
<tr><th scope="row">Roles</th><td>${user.roles.join(', ')}</td></tr>
<tr><th scope="row">Two-step sign-in</th><td>${user.mfaEnabled ? html`<span class="badge on">on</span>` : html`off · <a href="/account#mfa">turn on</a>`}</td></tr>
</table>
<div class="row">
<a class="button secondary" href="/account">Manage your account</a>
<form method="post" action="/logout">${csrfField(chrome.csrf)}<button class="danger" type="submit">Sign out</button></form>
</div>
</div>`;
  return page({ title: 'Dashboard', chrome, body });
}
