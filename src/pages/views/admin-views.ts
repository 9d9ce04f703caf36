/**
 * The admin console's users pages (docs/architecture.md /admin): the user list — everyone without a search,
 * filtered by one (email, username or name) and by role — and one user with the actions the admin
 * API has: change roles, disable/enable, revoke sessions, reset two-step sign-in, delete.
 */
import { html, type Html } from '../../http/html.js';
import type { RoleRecord } from '../../roles/roles-service.js';
import type { SessionRecord } from '../../sessions/sessions-service.js';
import type { UserRecord } from '../../users/users-service.js';
import type { FormErrors } from '../form-errors.js';
import { checkbox, checkboxes, pager, postButton, select, when } from './console-views.js';
import { alert, csrfField, field, page, type PageChrome } from './layout.js';

/** the console's own navigation, on each of its pages */
export function adminNav(current: 'users' | 'roles' | 'permissions' | 'providers' | 'oidc' | 'webhooks' | 'audit'): Html {
  const link = (key: typeof current, href: string, label: string) => html`<a href="${href}"${key === current ? html` aria-current="page" class="button"` : html` class="button secondary"`}>${label}</a>`;
  return html`<nav class="row admin-nav" aria-label="Admin console">${link('users', '/admin', 'Users')}${link('roles', '/admin/roles', 'Roles')}${link('permissions', '/admin/permissions', 'Permissions')}${link('providers', '/admin/oauth-providers', 'Sign-in providers')}${link('oidc', '/admin/oidc-clients', 'OIDC clients')}${link('webhooks', '/admin/webhooks', 'Webhooks')}${link('audit', '/admin/audit', 'Audit log')}</nav>`;
}

function status(u: UserRecord): Html {
  return u.disabled ? html`<span class="badge off">disabled</span>` : html`<span class="badge on">active</span>`;
}

export interface UserListView {
  users: UserRecord[];
  q: string;
  role: string;
  roles: string[];
  nextCursor: string | null;
  firstPage: boolean;
  notice: string | null;
}

export function userListPage(chrome: PageChrome, v: UserListView): string {
  const body = html`<h1>Admin console</h1>
${adminNav('users')}
${alert('ok', v.notice)}
<form class="card filters" method="get" action="/admin" role="search">
${field({ name: 'q', label: 'Search email, username or name', type: 'search', value: v.q, idPrefix: 'users' })}
${select({ name: 'role', label: 'Role', value: v.role, options: [{ value: '', label: 'Any role' }, ...v.roles.map((r) => ({ value: r, label: r }))], idPrefix: 'users' })}
<div><button type="submit">Search</button></div>
</form>
<section class="card" aria-label="Users">
${v.users.length === 0 ? html`<p class="muted">No user matches.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Email</th><th scope="col">Username</th><th scope="col">Name</th><th scope="col">Roles</th><th scope="col">Status</th><th scope="col">Created</th></tr></thead>
<tbody>${v.users.map((u) => html`<tr data-user="${u.id}">
<td><a href="/admin/users/${u.id}">${u.email ?? '(no email)'}</a></td><td>${u.username ?? '—'}</td><td>${u.name ?? '—'}</td>
<td>${u.roles.join(', ')}</td><td>${status(u)}</td><td>${when(u.createdAt)}</td></tr>`)}</tbody></table></div>`}
${pager('/admin', { q: v.q || null, role: v.role || null }, v.nextCursor, v.firstPage)}
</section>`;
  return page({ title: 'Users · Admin', chrome, body });
}

export interface UserDetailView {
  user: UserRecord;
  sessions: SessionRecord[];
  roles: RoleRecord[];
  notice: string | null;
  errors: FormErrors;
  /** which form the errors belong to */
  form: 'roles' | 'status' | 'sessions' | 'mfa' | 'delete' | null;
}

export function userDetailPage(chrome: PageChrome, v: UserDetailView): string {
  const u = v.user;
  const base = `/admin/users/${u.id}`;
  const errorFor = (form: UserDetailView['form']) => (v.form === form ? alert('error', v.errors.message ?? Object.values(v.errors.fields).join(' ')) : null);
  const body = html`<p><a href="/admin">← All users</a></p>
${adminNav('users')}
${alert('ok', v.notice)}
<section class="card" aria-labelledby="user-title" data-user="${u.id}">
<h1 id="user-title">${u.email ?? u.username ?? u.id}</h1>
<table>
<tr><th scope="row">Id</th><td><code>${u.id}</code></td></tr>
<tr><th scope="row">Email</th><td>${u.email ?? '—'} ${u.email ? (u.emailVerified ? html`<span class="badge on">verified</span>` : html`<span class="badge">not verified</span>`) : null}</td></tr>
<tr><th scope="row">Username</th><td>${u.username ?? '—'}</td></tr>
<tr><th scope="row">Name</th><td>${u.name ?? '—'}</td></tr>
<tr><th scope="row">Status</th><td>${status(u)}</td></tr>
<tr><th scope="row">Password</th><td>${u.passwordHash ? 'set' : 'none (social sign-in only)'}</td></tr>
<tr><th scope="row">Two-step sign-in</th><td>${u.mfaEnabled ? html`<span class="badge on">on</span>` : 'off'}</td></tr>
<tr><th scope="row">Created</th><td>${when(u.createdAt)}</td></tr>
</table>
<p><a href="/admin/audit?user_id=${u.id}">Audit events about this user</a></p>
</section>
<div class="grid">
<section class="card" id="roles" aria-labelledby="roles-title">
<h2 id="roles-title">Roles</h2>
${errorFor('roles')}
<form method="post" action="${base}/roles">
${csrfField(chrome.csrf)}
${checkboxes({ name: 'roles', legend: 'Roles held', options: v.roles.map((r) => ({ value: r.name, label: r.name, hint: r.description })), checked: u.roles, idPrefix: 'user' })}
<button type="submit">Save roles</button>
</form>
</section>
<section class="card" id="status" aria-labelledby="status-title">
<h2 id="status-title">Access</h2>
${errorFor('status')}${errorFor('sessions')}${errorFor('mfa')}
<p>${u.disabled ? 'The account is disabled: it cannot sign in.' : 'Disabling signs the user out everywhere and refuses new sign-ins.'}</p>
<div class="row">
${u.disabled
  ? postButton({ action: `${base}/enable`, csrf: chrome.csrf, label: 'Enable account' })
  : postButton({ action: `${base}/disable`, csrf: chrome.csrf, label: 'Disable account', kind: 'danger' })}
${postButton({ action: `${base}/sessions/revoke`, csrf: chrome.csrf, label: 'Sign out everywhere' })}
${u.mfaEnabled && postButton({ action: `${base}/mfa/reset`, csrf: chrome.csrf, label: 'Reset two-step sign-in', kind: 'danger' })}
</div>
</section>
</div>
<section class="card" id="sessions" aria-labelledby="sessions-title">
<h2 id="sessions-title">Live sessions (${v.sessions.length})</h2>
${v.sessions.length === 0 ? html`<p class="muted">None.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Location</th><th scope="col">Last used</th><th scope="col">Signed in</th></tr></thead>
<tbody>${v.sessions.map((s) => html`<tr><td>${[s.device.browser, s.device.os].filter(Boolean).join(' on ') || 'Unknown device'}</td><td>${s.ip ?? '—'}</td><td>${s.location ? [s.location.city, s.location.country].filter(Boolean).join(', ') : '—'}</td><td>${when(s.lastUsedAt)}</td><td>${when(s.createdAt)}</td></tr>`)}</tbody></table></div>`}
</section>
<section class="card" id="delete" aria-labelledby="delete-title">
<h2 id="delete-title">Delete the account</h2>
${errorFor('delete')}
<p>Deletes the user with their sessions, connected accounts and products. Audit events stay.</p>
<form method="post" action="${base}/delete">
${csrfField(chrome.csrf)}
${checkbox({ name: 'confirm', label: `Yes, delete ${u.email ?? u.username ?? 'this user'} for good`, error: v.form === 'delete' ? v.errors.fields.confirm : null, idPrefix: 'delete' })}
<button class="danger" type="submit">Delete user</button>
</form>
</section>`;
  return page({ title: `${u.email ?? u.username ?? 'User'} · Admin`, chrome, body });
}
