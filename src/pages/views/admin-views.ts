/**
 * The admin console's users pages (docs/architecture.md /admin): the user list — everyone without a search,
 * filtered by one (email, username or name) and by role — with the form that creates a user, and
 * one user with the actions the admin API has: edit name, email and its verification, resend the
 * verification mail, change roles, disable/enable, revoke one session or all, reset two-step
 * sign-in, delete. Every text comes from the reader's catalogue (the `admin` section).
 */
import { html, type Html } from '../../http/html.js';
import type { Translator } from '../../i18n/translator.js';
import type { RoleRecord } from '../../roles/roles-service.js';
import type { SessionRecord } from '../../sessions/sessions-service.js';
import type { UserRecord } from '../../users/users-service.js';
import type { FormErrors } from '../form-errors.js';
import { checkbox, checkboxes, pager, postButton, select, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

export type ConsoleSection = 'users' | 'roles' | 'permissions' | 'providers' | 'oidc' | 'webhooks' | 'audit';

/** the console's own navigation, on each of its pages */
export function adminNav(current: ConsoleSection, t: Translator): Html {
  const link = (key: ConsoleSection, href: string) =>
    html`<a href="${href}"${key === current ? html` aria-current="page" class="button"` : html` class="button secondary"`}>${t.t(`admin.nav.${key}`)}</a>`;
  return html`<nav class="row admin-nav" aria-label="${t.t('admin.console')}">${link('users', '/admin')}${link('roles', '/admin/roles')}${link('permissions', '/admin/permissions')}${link('providers', '/admin/oauth-providers')}${link('oidc', '/admin/oidc-clients')}${link('webhooks', '/admin/webhooks')}${link('audit', '/admin/audit')}</nav>`;
}

/** "<page> · Admin" in the reader's language */
export function adminTitle(t: Translator, pageName: string): string {
  return t.t('admin.pageTitle', { page: pageName });
}

/** an on/off badge: enabled / disabled */
export function enabledBadge(enabled: boolean, t: Translator): Html {
  return enabled ? html`<span class="badge on">${t.t('admin.badge.enabled')}</span>` : html`<span class="badge off">${t.t('admin.badge.disabled')}</span>`;
}

function status(u: UserRecord, t: Translator): Html {
  return u.disabled ? html`<span class="badge off">${t.t('admin.badge.disabled')}</span>` : html`<span class="badge on">${t.t('admin.badge.active')}</span>`;
}

export interface NewUserValues {
  email: string;
  username: string;
  name: string;
  roles: string[];
}

export const EMPTY_NEW_USER: NewUserValues = { email: '', username: '', name: '', roles: [] };

export interface UserListView {
  users: UserRecord[];
  q: string;
  role: string;
  roles: RoleRecord[];
  defaultRole: string;
  nextCursor: string | null;
  firstPage: boolean;
  notice: string | null;
  /** the create form: what was typed and why it was refused */
  created: { values: NewUserValues; errors: FormErrors };
}

export function userListPage(chrome: PageChrome, v: UserListView): string {
  const { t } = chrome;
  const e = v.created.errors.fields;
  const col = {
    email: t.t('admin.col.email'),
    username: t.t('admin.col.username'),
    name: t.t('admin.col.name'),
    roles: t.t('admin.col.roles'),
    status: t.t('admin.col.status'),
    created: t.t('admin.col.created'),
  };
  const body = html`<h1>${t.t('admin.console')}</h1>
${adminNav('users', t)}
${alert('ok', v.notice)}
<form class="card filters" method="get" action="/admin" role="search">
${field({ name: 'q', label: t.t('admin.users.search'), type: 'search', value: v.q, idPrefix: 'users' })}
${select({ name: 'role', label: t.t('admin.users.role'), value: v.role, options: [{ value: '', label: t.t('admin.users.anyRole') }, ...v.roles.map((r) => ({ value: r.name, label: r.name }))], idPrefix: 'users' })}
<div><button type="submit">${t.t('admin.users.searchButton')}</button></div>
</form>
<section class="card" aria-label="${t.t('admin.users.title')}">
${v.users.length === 0 ? html`<p class="muted">${t.t('admin.users.empty')}</p>` : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${col.email}</th><th scope="col">${col.username}</th><th scope="col">${col.name}</th><th scope="col">${col.roles}</th><th scope="col">${col.status}</th><th scope="col">${col.created}</th></tr></thead>
<tbody>${v.users.map((u) => html`<tr data-user="${u.id}">
<td data-label="${col.email}"><a href="/admin/users/${u.id}">${u.email ?? t.t('admin.users.noEmail')}</a></td><td data-label="${col.username}">${u.username ?? '—'}</td><td data-label="${col.name}">${u.name ?? '—'}</td>
<td data-label="${col.roles}">${u.roles.join(', ')}</td><td data-label="${col.status}">${status(u, t)}</td><td data-label="${col.created}">${when(u.createdAt, t)}</td></tr>`)}</tbody></table></div>`}
${pager('/admin', { q: v.q || null, role: v.role || null }, v.nextCursor, v.firstPage, t)}
</section>
<section class="card" id="new-user" aria-labelledby="new-user-title">
<h2 id="new-user-title">${t.t('admin.users.new.title')}</h2>
<p class="muted">${t.t('admin.users.new.intro', { role: v.defaultRole })}</p>
${alert('error', v.created.errors.message)}
<form method="post" action="/admin/users" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${field({ name: 'email', label: t.t('admin.users.new.email'), type: 'email', value: v.created.values.email, error: e.email, idPrefix: 'new-user' })}
${field({ name: 'username', label: t.t('admin.users.new.username'), value: v.created.values.username, error: e.username, idPrefix: 'new-user' })}
${field({ name: 'name', label: t.t('admin.users.new.name'), value: v.created.values.name, error: e.name, idPrefix: 'new-user' })}
${field({ name: 'password', label: t.t('admin.users.new.password'), type: 'password', autocomplete: 'new-password', required: true, hint: t.t('admin.users.new.passwordHint'), error: e.password, idPrefix: 'new-user' })}
${checkboxes({ name: 'roles', legend: t.t('admin.users.new.roles'), options: v.roles.map((r) => ({ value: r.name, label: r.name, hint: r.description })), checked: v.created.values.roles, error: e.roles, idPrefix: 'new-user' })}
<button type="submit">${t.t('admin.users.new.submit')}</button>
</form>
</section>`;
  return page({ title: adminTitle(t, t.t('admin.users.title')), chrome, body });
}

export interface ProfileValues {
  name: string;
  email: string;
  email_verified: boolean;
}

export interface UserDetailView {
  user: UserRecord;
  sessions: SessionRecord[];
  roles: RoleRecord[];
  notice: string | null;
  errors: FormErrors;
  /** which form the errors belong to */
  form: 'profile' | 'verification' | 'roles' | 'status' | 'sessions' | 'mfa' | 'delete' | null;
  /** the profile form as typed, when it was refused */
  profile?: ProfileValues | null;
}

/** a session's device in words: "Firefox on Linux" */
export function deviceOf(s: SessionRecord, t: Translator): string {
  const { browser, os } = s.device;
  if (browser && os) return t.t('admin.user.sessions.deviceOn', { browser, os });
  return browser || os || t.t('admin.user.sessions.unknownDevice');
}

export function userDetailPage(chrome: PageChrome, v: UserDetailView): string {
  const { t } = chrome;
  const u = v.user;
  const base = `/admin/users/${u.id}`;
  const errorFor = (form: UserDetailView['form']) => (v.form === form ? alert('error', v.errors.message ?? Object.values(v.errors.fields).join(' ')) : null);
  const profile: ProfileValues = v.form === 'profile' && v.profile ? v.profile : { name: u.name ?? '', email: u.email ?? '', email_verified: u.emailVerified };
  const pe = v.form === 'profile' ? v.errors.fields : {};
  const sc = {
    device: t.t('admin.user.sessions.device'),
    ip: t.t('admin.user.sessions.ip'),
    location: t.t('admin.user.sessions.location'),
    lastUsed: t.t('admin.user.sessions.lastUsed'),
    signedIn: t.t('admin.user.sessions.signedIn'),
    actions: t.t('admin.col.actions'),
  };
  const body = html`<p><a href="/admin">${t.t('admin.user.back')}</a></p>
${adminNav('users', t)}
${alert('ok', v.notice)}
<section class="card" aria-labelledby="user-title" data-user="${u.id}">
<h1 id="user-title">${u.email ?? u.username ?? u.id}</h1>
<table class="facts">
<tr><th scope="row">${t.t('admin.user.id')}</th><td><code>${u.id}</code></td></tr>
<tr><th scope="row">${t.t('admin.user.email')}</th><td>${u.email ?? '—'} ${u.email ? (u.emailVerified ? html`<span class="badge on">${t.t('admin.badge.verified')}</span>` : html`<span class="badge">${t.t('admin.badge.notVerified')}</span>`) : null}</td></tr>
<tr><th scope="row">${t.t('admin.user.username')}</th><td>${u.username ?? '—'}</td></tr>
<tr><th scope="row">${t.t('admin.user.name')}</th><td>${u.name ?? '—'}</td></tr>
<tr><th scope="row">${t.t('admin.user.status')}</th><td>${status(u, t)}</td></tr>
<tr><th scope="row">${t.t('admin.user.password')}</th><td>${u.passwordHash ? t.t('admin.user.passwordSet') : t.t('admin.user.passwordNone')}</td></tr>
<tr><th scope="row">${t.t('admin.user.mfa')}</th><td>${u.mfaEnabled ? html`<span class="badge on">${t.t('admin.badge.on')}</span>` : t.t('admin.badge.off')}</td></tr>
<tr><th scope="row">${t.t('admin.user.created')}</th><td>${when(u.createdAt, t)}</td></tr>
</table>
<p><a href="/admin/audit?user_id=${u.id}">${t.t('admin.user.auditLink')}</a></p>
</section>
<div class="grid">
<section class="card" id="profile" aria-labelledby="profile-title">
<h2 id="profile-title">${t.t('admin.user.profile.title')}</h2>
${v.form === 'profile' ? alert('error', v.errors.message) : null}
<form method="post" action="${base}/profile" novalidate autocomplete="off">
${csrfField(chrome.csrf)}
${field({ name: 'name', label: t.t('admin.user.profile.name'), value: profile.name, error: pe.name, idPrefix: 'profile' })}
${field({ name: 'email', label: t.t('admin.user.profile.email'), type: 'email', value: profile.email, error: pe.email, idPrefix: 'profile' })}
${checkbox({ name: 'email_verified', label: t.t('admin.user.profile.verified'), checked: profile.email_verified, error: pe.email_verified, idPrefix: 'profile' })}
<p class="hint">${t.t('admin.user.profile.verifiedHint')}</p>
<button type="submit">${t.t('admin.user.profile.submit')}</button>
</form>
${u.email && !u.emailVerified
  ? html`<h3>${t.t('admin.user.verification.title')}</h3>${errorFor('verification')}
<p>${t.t('admin.user.verification.text', { email: u.email })}</p>
${postButton({ action: `${base}/verification`, csrf: chrome.csrf, label: t.t('admin.user.verification.send') })}`
  : null}
</section>
<section class="card" id="roles" aria-labelledby="roles-title">
<h2 id="roles-title">${t.t('admin.user.roles.title')}</h2>
${errorFor('roles')}
<form method="post" action="${base}/roles">
${csrfField(chrome.csrf)}
${checkboxes({ name: 'roles', legend: t.t('admin.user.roles.legend'), options: v.roles.map((r) => ({ value: r.name, label: r.name, hint: r.description })), checked: u.roles, idPrefix: 'user' })}
<button type="submit">${t.t('admin.user.roles.submit')}</button>
</form>
</section>
<section class="card" id="status" aria-labelledby="status-title">
<h2 id="status-title">${t.t('admin.user.access.title')}</h2>
${errorFor('status')}${errorFor('mfa')}
<p>${u.disabled ? t.t('admin.user.access.disabledText') : t.t('admin.user.access.enabledText')}</p>
<div class="row">
${u.disabled
  ? postButton({ action: `${base}/enable`, csrf: chrome.csrf, label: t.t('admin.user.access.enable') })
  : postButton({ action: `${base}/disable`, csrf: chrome.csrf, label: t.t('admin.user.access.disable'), kind: 'danger' })}
${u.mfaEnabled && postButton({ action: `${base}/mfa/reset`, csrf: chrome.csrf, label: t.t('admin.user.access.mfaReset'), kind: 'danger' })}
</div>
</section>
</div>
<section class="card" id="sessions" aria-labelledby="sessions-title">
<h2 id="sessions-title">${t.t('admin.user.sessions.title', { count: v.sessions.length })}</h2>
${errorFor('sessions')}
${v.sessions.length === 0 ? html`<p class="muted">${t.t('admin.user.sessions.none')}</p>` : html`<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">${sc.device}</th><th scope="col">${sc.ip}</th><th scope="col">${sc.location}</th><th scope="col">${sc.lastUsed}</th><th scope="col">${sc.signedIn}</th><th scope="col">${sc.actions}</th></tr></thead>
<tbody>${v.sessions.map((s) => html`<tr data-session="${s.id}"><td data-label="${sc.device}">${deviceOf(s, t)}</td><td data-label="${sc.ip}">${s.ip ?? '—'}</td><td data-label="${sc.location}">${s.location ? [s.location.city, s.location.country].filter(Boolean).join(', ') : '—'}</td><td data-label="${sc.lastUsed}">${when(s.lastUsedAt, t)}</td><td data-label="${sc.signedIn}">${when(s.createdAt, t)}</td>
<td data-label="${sc.actions}">${postButton({ action: `${base}/sessions/${s.id}/revoke`, csrf: chrome.csrf, label: t.t('admin.user.sessions.revoke'), ariaLabel: t.t('admin.user.sessions.revokeLabel', { device: deviceOf(s, t), when: s.lastUsedAt ? t.dateTime(s.lastUsedAt) : '—' }) })}</td></tr>`)}</tbody></table></div>
<div class="row">${postButton({ action: `${base}/sessions/revoke`, csrf: chrome.csrf, label: t.t('admin.user.sessions.revokeAll'), kind: 'danger' })}</div>`}
</section>
<section class="card" id="delete" aria-labelledby="delete-title">
<h2 id="delete-title">${t.t('admin.user.delete.title')}</h2>
${errorFor('delete')}
<p>${t.t('admin.user.delete.text')}</p>
<form method="post" action="${base}/delete">
${csrfField(chrome.csrf)}
${checkbox({ name: 'confirm', label: t.t('admin.user.delete.confirm', { who: u.email ?? u.username ?? t.t('admin.user.delete.thisUser') }), error: v.form === 'delete' ? v.errors.fields.confirm : null, idPrefix: 'delete' })}
<button class="danger" type="submit">${t.t('admin.user.delete.submit')}</button>
</form>
</section>`;
  return page({ title: adminTitle(t, u.email ?? u.username ?? t.t('admin.user.fallbackTitle')), chrome, body });
}
