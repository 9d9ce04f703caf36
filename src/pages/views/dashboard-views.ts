/**
 * /dashboard (docs/architecture.md): the profile (name, username, avatar URL) with its form, the live
 * sessions — browser and OS names, IP, location, last use, the current one marked — each with a
 * revoke button, and the connected accounts with unlink buttons
 * and links to connect the other enabled providers.
 */
import { html } from '../../http/html.js';
import type { IdentityRecord } from '../../social/social-service.js';
import type { SessionRecord } from '../../sessions/sessions-service.js';
import type { UserRecord } from '../../users/users-service.js';
import type { FormErrors } from '../form-errors.js';
import { postButton, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

export interface DashboardView {
  user: UserRecord;
  sessions: SessionRecord[];
  currentSessionId: string;
  identities: IdentityRecord[];
  providers: { id: string; name: string }[];
  notice: string | null;
  /** the profile form as typed, after a refusal */
  profile: { values: { name: string; username: string; avatar_url: string }; errors: FormErrors } | null;
  /** a refused revoke or unlink */
  error: string | null;
  /** the applications signed in to with Gatehouse (OpenID Connect grants) */
  apps?: { clientId: string; clientName: string; scopes: string[]; createdAt: Date }[];
}

function device(s: SessionRecord): string {
  const { browser, os, type } = s.device;
  const name = [browser, os].filter(Boolean).join(' on ');
  return name ? `${name}${type ? ` (${type})` : ''}` : 'Unknown device';
}

function place(s: SessionRecord): string {
  if (!s.location) return '—';
  return [s.location.city, s.location.country].filter(Boolean).join(', ') || '—';
}

export function dashboardPage(chrome: PageChrome, v: DashboardView): string {
  const { user } = v;
  const values = v.profile?.values ?? { name: user.name ?? '', username: user.username ?? '', avatar_url: user.avatarUrl ?? '' };
  const errors = v.profile?.errors ?? { message: null, fields: {} };
  const linked = new Set(v.identities.map((i) => i.provider));
  const linkable = v.providers.filter((p) => !linked.has(p.id));
  const body = html`<h1>Welcome${user.name ? html`, ${user.name}` : null}</h1>
${alert('ok', v.notice)}
${alert('error', v.error)}
<div class="grid">
<section class="card" id="profile" aria-labelledby="profile-title">
<h2 id="profile-title">Profile</h2>
<table>
<tr><th scope="row">Email</th><td>${user.email ?? '—'} ${user.email ? (user.emailVerified ? html`<span class="badge on">verified</span>` : html`<a class="badge" href="/verify-email">verify</a>`) : null}</td></tr>
<tr><th scope="row">Roles</th><td>${user.roles.join(', ')}</td></tr>
<tr><th scope="row">Two-step sign-in</th><td>${user.mfaEnabled ? html`<span class="badge on">on</span>` : html`off · <a href="/account#mfa">turn on</a>`}</td></tr>
</table>
${alert('error', errors.message)}
<form method="post" action="/dashboard/profile" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'name', label: 'Name', value: values.name, autocomplete: 'name', error: errors.fields.name, idPrefix: 'profile' })}
${field({ name: 'username', label: 'Username', value: values.username, autocomplete: 'username', error: errors.fields.username, hint: '3–32 of a–z, 0–9, _ . -', idPrefix: 'profile' })}
${field({ name: 'avatar_url', label: 'Avatar URL', type: 'url', value: values.avatar_url, error: errors.fields.avatar_url, hint: 'an https address of a picture; leave empty for none', idPrefix: 'profile' })}
<button type="submit">Save profile</button>
</form>
<div class="row"><a class="button secondary" href="/account">Password, email and deletion</a></div>
</section>
</div>
<section class="card" id="sessions" aria-labelledby="sessions-title">
<h2 id="sessions-title">Where you are signed in</h2>
<div class="table-wrap"><table>
<thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Location</th><th scope="col">Last used</th><th scope="col">Signed in</th><th scope="col">Action</th></tr></thead>
<tbody>
${v.sessions.map((s) => {
  const current = s.id === v.currentSessionId;
  return html`<tr data-session="${s.id}"${current ? html` data-current` : null}>
<td>${device(s)} ${current ? html`<span class="badge on">this device</span>` : null}</td>
<td>${s.ip ?? '—'}</td><td>${place(s)}</td><td>${when(s.lastUsedAt)}</td><td>${when(s.createdAt)}</td>
<td>${postButton({ action: `/dashboard/sessions/${s.id}/revoke`, csrf: chrome.csrf, label: current ? 'Sign out here' : 'Revoke', kind: 'danger', ariaLabel: `${current ? 'Sign out here:' : 'Revoke'} ${device(s)}` })}</td>
</tr>`;
})}
</tbody></table></div>
</section>
<section class="card" id="connected" aria-labelledby="connected-title">
<h2 id="connected-title">Connected accounts</h2>
${v.identities.length === 0 ? html`<p class="muted">No social sign-in is connected.</p>` : html`<ul class="stack">
${v.identities.map((i) => html`<li class="row" data-identity="${i.id}"><strong>${v.providers.find((p) => p.id === i.provider)?.name ?? i.provider}</strong> <span class="muted">${i.email ?? i.subject}</span> · connected ${when(i.createdAt)}
${postButton({ action: `/dashboard/identities/${i.id}/unlink`, csrf: chrome.csrf, label: 'Unlink', kind: 'danger', ariaLabel: `Unlink ${i.provider}` })}</li>`)}
</ul>`}
${linkable.length > 0 && html`<div class="row">${linkable.map((p) => postButton({ action: `/dashboard/identities/link/${encodeURIComponent(p.id)}`, csrf: chrome.csrf, label: `Connect ${p.name}`, kind: 'secondary' }))}</div>`}
</section>
<section class="card" id="apps" aria-labelledby="apps-title">
<h2 id="apps-title">Connected apps</h2>
${(v.apps ?? []).length === 0 ? html`<p class="muted">No application signs you in with Gatehouse.</p>` : html`<ul class="stack">
${(v.apps ?? []).map((a) => html`<li class="row" data-app="${a.clientId}"><strong>${a.clientName}</strong> <span class="muted">${a.scopes.join(' ')}</span> · connected ${when(a.createdAt)}
${postButton({ action: `/dashboard/apps/${encodeURIComponent(a.clientId)}/revoke`, csrf: chrome.csrf, label: 'Revoke', kind: 'danger', ariaLabel: `Revoke ${a.clientName}` })}</li>`)}
</ul>`}
</section>`;
  return page({ title: 'Dashboard', chrome, body });
}

/**
 * The step between the connect form and the provider: the form's own answer cannot redirect to
 * the provider (another origin; the pages' CSP allows forms to reach this origin only), so the
 * browser follows a plain link from here.
 */
export function connectProviderPage(chrome: PageChrome, v: { providerName: string; location: string }): string {
  const body = html`<section class="card" aria-labelledby="connect-title">
<h1 id="connect-title">Connect ${v.providerName}</h1>
<p>Sign in at ${v.providerName} to connect it to your account. You can then sign in with it; we email you that it was connected.</p>
<p><a class="button block" id="continue-to-provider" href="${v.location}">Continue to ${v.providerName}</a></p>
<p><a href="/dashboard#connected">Cancel</a></p>
</section>`;
  return page({ title: `Connect ${v.providerName}`, chrome, body, narrow: true });
}
