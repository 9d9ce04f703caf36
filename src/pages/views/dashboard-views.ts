/**
 * /dashboard (docs/architecture.md): the profile (name, username, avatar URL) with its form, the live
 * sessions — browser and OS names, IP, location, last use, the current one marked — each with a
 * revoke button, the connected accounts with unlink buttons and buttons to connect the other
 * enabled providers, and the applications signed in to with this service. Every text comes from
 * the reader's catalogue (chrome.t); the three lists are tables that stack on phones.
 */
import { html } from '../../http/html.js';
import type { Translator } from '../../i18n/translator.js';
import type { IdentityRecord } from '../../social/social-service.js';
import type { SessionRecord } from '../../sessions/sessions-service.js';
import type { UserRecord } from '../../users/users-service.js';
import type { FormErrors } from '../form-errors.js';
import { postButton } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';
import { timeIn } from './time-view.js';

export interface DashboardView {
  user: UserRecord;
  sessions: SessionRecord[];
  currentSessionId: string;
  identities: IdentityRecord[];
  providers: { id: string; name: string }[];
  /** the notice a redirect carried, already in the reader's language */
  notice: string | null;
  /** the profile form as typed, after a refusal */
  profile: { values: { name: string; username: string; avatar_url: string }; errors: FormErrors } | null;
  /** a refused revoke or unlink */
  error: string | null;
  /** the applications signed in to with Gatehouse (OpenID Connect grants) */
  apps?: { clientId: string; clientName: string; scopes: string[]; createdAt: Date }[];
}

/** "Chrome on Mac OS (computer)", in the reader's language */
export function deviceName(t: Translator, s: SessionRecord): string {
  const { browser, os, type } = s.device;
  const name = browser && os ? t.t('dashboard.sessions.browserOnOs', { browser, os }) : (browser ?? os ?? '');
  if (!name) return t.t('dashboard.sessions.unknownDevice');
  return type ? `${name} (${t.t('dashboard.sessions.deviceType', { type })})` : name;
}

function place(s: SessionRecord): string {
  if (!s.location) return '—';
  return [s.location.city, s.location.country].filter(Boolean).join(', ') || '—';
}

export function dashboardPage(chrome: PageChrome, v: DashboardView): string {
  const { t } = chrome;
  const { user } = v;
  const values = v.profile?.values ?? { name: user.name ?? '', username: user.username ?? '', avatar_url: user.avatarUrl ?? '' };
  const errors = v.profile?.errors ?? { message: null, fields: {} };
  const linked = new Set(v.identities.map((i) => i.provider));
  const linkable = v.providers.filter((p) => !linked.has(p.id));
  const providerName = (id: string) => v.providers.find((p) => p.id === id)?.name ?? id;
  const apps = v.apps ?? [];
  const col = {
    device: t.t('dashboard.sessions.device'),
    ip: t.t('dashboard.sessions.ip'),
    location: t.t('dashboard.sessions.location'),
    lastUsed: t.t('dashboard.sessions.lastUsed'),
    signedIn: t.t('dashboard.sessions.signedIn'),
    action: t.t('dashboard.sessions.action'),
  };
  const body = html`<h1 class="wrap">${user.name ? t.t('dashboard.welcomeName', { name: user.name }) : t.t('dashboard.welcome')}</h1>
${alert('ok', v.notice)}
${alert('error', v.error)}
<div class="grid">
<section class="card" id="profile" aria-labelledby="profile-title">
<h2 id="profile-title">${t.t('dashboard.profile.title')}</h2>
<table>
<tr><th scope="row">${t.t('dashboard.profile.email')}</th><td class="wrap">${user.email ?? '—'} ${user.email ? (user.emailVerified ? html`<span class="badge on">${t.t('dashboard.profile.verified')}</span>` : html`<a class="badge" href="/verify-email">${t.t('dashboard.profile.verify')}</a>`) : null}</td></tr>
<tr><th scope="row">${t.t('dashboard.profile.roles')}</th><td>${user.roles.join(', ')}</td></tr>
<tr><th scope="row">${t.t('dashboard.profile.mfa')}</th><td>${user.mfaEnabled ? html`<span class="badge on">${t.t('dashboard.profile.mfaOn')}</span>` : html`${t.t('dashboard.profile.mfaOff')} · <a href="/account#mfa">${t.t('dashboard.profile.mfaTurnOn')}</a>`}</td></tr>
</table>
${alert('error', errors.message)}
<form method="post" action="/dashboard/profile" novalidate>
${csrfField(chrome.csrf)}
${field({ name: 'name', label: t.t('dashboard.profile.name'), value: values.name, autocomplete: 'name', error: errors.fields.name, idPrefix: 'profile' })}
${field({ name: 'username', label: t.t('dashboard.profile.username'), value: values.username, autocomplete: 'username', error: errors.fields.username, hint: t.t('dashboard.profile.usernameHint'), idPrefix: 'profile' })}
${field({ name: 'avatar_url', label: t.t('dashboard.profile.avatar'), type: 'url', value: values.avatar_url, error: errors.fields.avatar_url, hint: t.t('dashboard.profile.avatarHint'), idPrefix: 'profile' })}
<button type="submit">${t.t('dashboard.profile.save')}</button>
</form>
<div class="row"><a class="button secondary" href="/account">${t.t('dashboard.profile.accountLink')}</a></div>
</section>
</div>
<section class="card" id="sessions" aria-labelledby="sessions-title">
<h2 id="sessions-title">${t.t('dashboard.sessions.title')}</h2>
<table class="stack">
<thead><tr><th scope="col">${col.device}</th><th scope="col">${col.ip}</th><th scope="col">${col.location}</th><th scope="col">${col.lastUsed}</th><th scope="col">${col.signedIn}</th><th scope="col">${col.action}</th></tr></thead>
<tbody>
${v.sessions.map((s) => {
  const current = s.id === v.currentSessionId;
  const device = deviceName(t, s);
  return html`<tr data-session="${s.id}"${current ? html` data-current` : null}>
<td data-label="${col.device}">${device} ${current ? html`<span class="badge on">${t.t('dashboard.sessions.current')}</span>` : null}</td>
<td data-label="${col.ip}" class="wrap">${s.ip ?? '—'}</td><td data-label="${col.location}">${place(s)}</td><td data-label="${col.lastUsed}">${timeIn(t, s.lastUsedAt)}</td><td data-label="${col.signedIn}">${timeIn(t, s.createdAt)}</td>
<td data-label="${col.action}">${postButton({
    action: `/dashboard/sessions/${s.id}/revoke`,
    csrf: chrome.csrf,
    label: current ? t.t('dashboard.sessions.signOutHere') : t.t('dashboard.sessions.revoke'),
    kind: 'danger',
    ariaLabel: current ? t.t('dashboard.sessions.signOutOf', { device }) : t.t('dashboard.sessions.revokeOne', { device }),
  })}</td>
</tr>`;
})}
</tbody></table>
</section>
<section class="card" id="connected" aria-labelledby="connected-title">
<h2 id="connected-title">${t.t('dashboard.connected.title')}</h2>
${v.identities.length === 0 ? html`<p class="muted">${t.t('dashboard.connected.none')}</p>` : identitiesTable(chrome, v.identities, providerName)}
${linkable.length > 0 && html`<div class="row">${linkable.map((p) => postButton({ action: `/dashboard/identities/link/${encodeURIComponent(p.id)}`, csrf: chrome.csrf, label: t.t('dashboard.connected.connect', { provider: p.name }), kind: 'secondary' }))}</div>`}
</section>
<section class="card" id="apps" aria-labelledby="apps-title">
<h2 id="apps-title">${t.t('dashboard.apps.title')}</h2>
${apps.length === 0 ? html`<p class="muted">${t.t('dashboard.apps.none')}</p>` : appsTable(chrome, apps)}
</section>`;
  return page({ title: t.t('dashboard.title'), chrome, body });
}

function identitiesTable(chrome: PageChrome, identities: IdentityRecord[], providerName: (id: string) => string) {
  const { t } = chrome;
  const col = { provider: t.t('dashboard.connected.provider'), account: t.t('dashboard.connected.account'), since: t.t('dashboard.connected.since'), action: t.t('dashboard.connected.action') };
  return html`<table class="stack">
<thead><tr><th scope="col">${col.provider}</th><th scope="col">${col.account}</th><th scope="col">${col.since}</th><th scope="col">${col.action}</th></tr></thead>
<tbody>${identities.map((i) => html`<tr data-identity="${i.id}">
<td data-label="${col.provider}"><strong>${providerName(i.provider)}</strong></td><td data-label="${col.account}" class="wrap">${i.email ?? i.subject}</td><td data-label="${col.since}">${timeIn(t, i.createdAt)}</td>
<td data-label="${col.action}">${postButton({ action: `/dashboard/identities/${i.id}/unlink`, csrf: chrome.csrf, label: t.t('dashboard.connected.unlink'), kind: 'danger', ariaLabel: t.t('dashboard.connected.unlinkOne', { provider: providerName(i.provider) }) })}</td>
</tr>`)}</tbody></table>`;
}

function appsTable(chrome: PageChrome, apps: NonNullable<DashboardView['apps']>) {
  const { t } = chrome;
  const col = { app: t.t('dashboard.apps.app'), scopes: t.t('dashboard.apps.scopes'), since: t.t('dashboard.apps.since'), action: t.t('dashboard.apps.action') };
  return html`<table class="stack">
<thead><tr><th scope="col">${col.app}</th><th scope="col">${col.scopes}</th><th scope="col">${col.since}</th><th scope="col">${col.action}</th></tr></thead>
<tbody>${apps.map((a) => html`<tr data-app="${a.clientId}">
<td data-label="${col.app}" class="wrap"><strong>${a.clientName}</strong></td><td data-label="${col.scopes}"><code>${a.scopes.join(' ')}</code></td><td data-label="${col.since}">${timeIn(t, a.createdAt)}</td>
<td data-label="${col.action}">${postButton({ action: `/dashboard/apps/${encodeURIComponent(a.clientId)}/revoke`, csrf: chrome.csrf, label: t.t('dashboard.apps.revoke'), kind: 'danger', ariaLabel: t.t('dashboard.apps.revokeOne', { app: a.clientName }) })}</td>
</tr>`)}</tbody></table>`;
}

/**
 * The step between the connect form and the provider: the form's own answer cannot redirect to
 * the provider (another origin; the pages' CSP allows forms to reach this origin only), so the
 * browser follows a plain link from here.
 */
export function connectProviderPage(chrome: PageChrome, v: { providerName: string; location: string }): string {
  const { t } = chrome;
  const provider = v.providerName;
  const body = html`<section class="card" aria-labelledby="connect-title">
<h1 id="connect-title">${t.t('dashboard.connect.title', { provider })}</h1>
<p>${t.t('dashboard.connect.text', { provider })}</p>
<p><a class="button block" id="continue-to-provider" href="${v.location}">${t.t('dashboard.connect.continue', { provider })}</a></p>
<p><a href="/dashboard#connected">${t.t('dashboard.connect.cancel')}</a></p>
</section>`;
  return page({ title: t.t('dashboard.connect.title', { provider }), chrome, body, narrow: true });
}
