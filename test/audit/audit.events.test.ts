/**
 * Which audit events the features write (docs/security.md): who they are about (user_id), who acted
 * (actor_id), and a small data object without secrets. Rows outlive the users they mention.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { AuditType } from '../../src/audit/audit-service.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, login, OTHER_PASSWORD, PASSWORD, register, userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, eventually, type Api } from '../admin/admin-helpers.js';

describe('audit events', () => {
  let t: TestContext;
  let admin: TestUser;
  let as: Api;
  const secrets: string[] = [PASSWORD, OTHER_PASSWORD];

  const events = (userId: string | null, type: AuditType | null = null) => t.services.audit.list({ userId, type }, { limit: 100, cursor: null }).then((p) => p.items);
  const one = async (userId: string | null, type: AuditType) => {
    const found = await events(userId, type);
    assert.equal(found.length, 1, `exactly one ${type} for ${userId}: ${JSON.stringify(found)}`);
    return found[0]!;
  };

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on', REFRESH_REUSE_GRACE: '0' } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    as = api(t.app, admin.accessToken);
  });
  after(async () => {
    await t.close();
  });

  it('register → user.created (actor: the user, via register)', async () => {
    const u = await register(t.app);
    secrets.push(u.accessToken, u.refreshToken);
    const e = await one(u.id, 'user.created');
    assert.equal(e.actorId, u.id);
    assert.deepEqual(e.data, { via: 'register', roles: ['buyer'] });
    assert.equal(e.ip, '127.0.0.1');
  });

  it('login.succeeded with the session; login.failed for a wrong password and (user_id null) an unknown identifier', async () => {
    const u = await register(t.app);
    const res = await login(t.app, u.email, PASSWORD, { 'user-agent': 'Events/1.0' });
    const body = res.json();
    secrets.push(body.access_token, body.refresh_token);
    const ok = await one(u.id, 'login.succeeded');
    assert.equal(ok.actorId, u.id);
    assert.equal(ok.userAgent, 'Events/1.0');
    const sid = (JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
    assert.deepEqual(ok.data, { session_id: sid, method: 'password' });

    assert.equal((await login(t.app, u.email, 'Not-The-Password-1')).statusCode, 401);
    const wrong = await one(u.id, 'login.failed');
    assert.equal(wrong.actorId, null);
    assert.deepEqual(wrong.data, { reason: 'wrong_password' });

    const ghost = `ghost-${randomUUID()}@example.com`;
    assert.equal((await login(t.app, ghost)).statusCode, 401);
    const unknown = (await events(null, 'login.failed')).filter((e) => e.userId === null);
    assert.equal(unknown.length, 1);
    assert.deepEqual(unknown[0]!.data, { reason: 'unknown_login' });
    assert.doesNotMatch(JSON.stringify(unknown), new RegExp(ghost), 'the typed identifier is not stored');
  });

  it('logout and session.revoked (own session, and all sessions by an admin)', async () => {
    const u = await register(t.app);
    const second = (await login(t.app, u.email)).json();
    const logout = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(second.access_token) });
    assert.equal(logout.statusCode, 204);
    const out = await one(u.id, 'logout');
    assert.equal(out.actorId, u.id);
    assert.equal(typeof out.data.session_id, 'string');

    const third = (await login(t.app, u.email)).json();
    const sessions = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(u.accessToken) })).json().items;
    const other = sessions.find((s: { current: boolean }) => !s.current);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${other.id}`, headers: bearer(u.accessToken) })).statusCode, 204);
    const own = await one(u.id, 'session.revoked');
    assert.equal(own.actorId, u.id);
    assert.deepEqual(own.data, { session_id: other.id });
    assert.ok(third.access_token);

    assert.equal((await as('DELETE', `/admin/users/${u.id}/sessions`)).statusCode, 204);
    const byAdmin = (await events(u.id, 'session.revoked')).find((e) => e.actorId === admin.id);
    assert.deepEqual(byAdmin?.data, { all: true, count: 1, by: 'admin' });
  });

  it('password.changed (by the user, and by an admin)', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(u.accessToken), payload: { current_password: PASSWORD, new_password: OTHER_PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    const self = await one(u.id, 'password.changed');
    assert.equal(self.actorId, u.id);
    assert.deepEqual(self.data, { sessions_revoked: 1 });
    assert.equal((await as('PATCH', `/admin/users/${u.id}`, { password: PASSWORD })).statusCode, 200);
    const byAdmin = (await events(u.id, 'password.changed')).find((e) => e.actorId === admin.id);
    assert.deepEqual(byAdmin?.data, { by: 'admin' });
  });

  it('refresh.reused when a rotated refresh token comes back after the grace window', async () => {
    const u = await register(t.app);
    const refresh = (token: string) => t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: token } });
    assert.equal((await refresh(u.refreshToken)).statusCode, 200);
    // REFRESH_REUSE_GRACE=0: the stale token is theft as soon as the clock has moved past the rotation
    await eventually('reuse detected', async () => (await refresh(u.refreshToken)).json().code === 'refresh_token_reused');
    const e = await one(u.id, 'refresh.reused');
    assert.equal(e.actorId, null);
    assert.equal(typeof e.data.session_id, 'string');
  });

  it('user.created / user.updated / user.deleted by an admin; the rows outlive the user', async () => {
    const created = await as('POST', '/admin/users', { email: `short-lived-${randomUUID().slice(0, 8)}@example.com`, password: PASSWORD, roles: ['seller'] });
    assert.equal(created.statusCode, 201);
    const id = created.json().id as string;
    assert.equal((await as('PATCH', `/admin/users/${id}`, { roles: ['buyer'], email_verified: true })).statusCode, 200);
    assert.equal((await as('DELETE', `/admin/users/${id}`)).statusCode, 204);

    const rows = await events(id);
    assert.deepEqual(rows.map((e) => e.type).sort(), ['user.created', 'user.deleted', 'user.updated']);
    assert.ok(rows.every((e) => e.actorId === admin.id && e.userId === id));
    assert.deepEqual(rows.find((e) => e.type === 'user.created')!.data, { via: 'admin', roles: ['seller'] });
    assert.deepEqual(rows.find((e) => e.type === 'user.updated')!.data, { fields: ['roles', 'email_verified'], roles: ['buyer'], email_verified: true });
    assert.deepEqual(rows.find((e) => e.type === 'user.deleted')!.data, { via: 'admin', email_domain: 'example.com' });
    const viaApi = (await as('GET', `/admin/audit?user_id=${id}`)).json().items;
    assert.equal(viaApi.length, 3, 'the admin API still shows them');
  });

  it('user.updated by the user themselves (PATCH /me), fields named as in the API', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: bearer(u.accessToken), payload: { name: 'Me', avatar_url: 'https://example.com/me.png' } });
    assert.equal(res.statusCode, 200, res.body);
    const e = await one(u.id, 'user.updated');
    assert.equal(e.actorId, u.id);
    assert.deepEqual(e.data, { fields: ['name', 'avatar_url'] });
  });

  it('role.created / role.updated / role.deleted', async () => {
    assert.equal((await as('POST', '/admin/roles', { name: 'auditor', permissions: ['products:read'] })).statusCode, 201);
    assert.equal((await as('PATCH', '/admin/roles/auditor', { permissions: ['products:read', 'products:write'] })).statusCode, 200);
    assert.equal((await as('DELETE', '/admin/roles/auditor')).statusCode, 204);
    const created = await one(null, 'role.created');
    const updated = await one(null, 'role.updated');
    const deleted = await one(null, 'role.deleted');
    assert.deepEqual(created.data, { role: 'auditor', permissions: ['products:read'] });
    assert.deepEqual(updated.data, { role: 'auditor', permissions: ['products:read', 'products:write'] });
    assert.deepEqual(deleted.data, { role: 'auditor' });
    assert.ok([created, updated, deleted].every((e) => e.actorId === admin.id && e.userId === null));
  });

  it('no event carries a password or token', async () => {
    const all = await t.services.audit.list({ userId: null, type: null }, { limit: 1000, cursor: null }).then((p) => p.items);
    assert.ok(all.length > 20);
    const text = JSON.stringify(all);
    for (const secret of secrets) assert.ok(!text.includes(secret), 'a secret leaked into the audit trail');
    assert.doesNotMatch(text, /argon2/);
  });
});
