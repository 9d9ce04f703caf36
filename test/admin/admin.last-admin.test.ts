/**
 * The last active admin cannot be demoted, disabled or deleted (409 last_admin) — one request at
 * a time, under concurrent requests, and when users:admin is taken away from a custom role.
 * Each scenario gets its own database so the number of admins is known.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { login, userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, me } from './admin-helpers.js';
import { systemContext } from '../../src/request-context.js';

async function activeAdmins(t: TestContext): Promise<string[]> {
  const users = await t.services.users.list({ q: null, role: null }, { limit: 1000, cursor: null }).then((p) => p.items);
  const adminRoles = await t.services.roles.rolesGranting('users:admin');
  return users.filter((u) => !u.disabled && u.roles.some((r) => adminRoles.includes(r))).map((u) => u.id).sort();
}

describe('last active admin, one request at a time', () => {
  let t: TestContext;
  let a: TestUser;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    a = await userWithRoles(t.app, ['admin'], 'only-admin');
  });
  after(async () => {
    await t.close();
  });

  it('cannot demote, disable or delete the only admin (409 last_admin); nothing changes', async () => {
    const as = api(t.app, a.accessToken);
    for (const [method, payload] of [['PATCH', { roles: ['buyer'] }], ['PATCH', { roles: [] }], ['PATCH', { disabled: true }], ['PATCH', { roles: ['seller'], disabled: true }], ['DELETE', undefined]] as const) {
      const res = await as(method, `/admin/users/${a.id}`, payload);
      assert.equal(res.statusCode, 409, `${method} ${JSON.stringify(payload)}: ${res.body}`);
      assert.equal(res.json().code, 'last_admin');
    }
    const self = (await me(t.app, a.accessToken)).json();
    assert.deepEqual(self.roles, ['admin']);
    assert.equal(self.disabled, false);
    assert.ok(self.permissions.includes('users:admin'));
    const events = await t.services.audit.list({ userId: a.id, type: 'user.updated' }, { limit: 10, cursor: null }).then((p) => p.items);
    assert.deepEqual(events, [], 'refused changes leave no user.updated event');
  });

  it('a disabled admin does not count; an active second admin does', async () => {
    const as = api(t.app, a.accessToken);
    const b = await userWithRoles(t.app, ['admin'], 'second-admin');
    assert.equal((await as('PATCH', `/admin/users/${b.id}`, { disabled: true })).statusCode, 200);
    assert.equal((await as('PATCH', `/admin/users/${a.id}`, { roles: ['buyer'] })).json().code, 'last_admin');
    // a still-admin but non-admin-permission edit of the last admin is fine
    assert.equal((await as('PATCH', `/admin/users/${a.id}`, { name: 'Still Admin', roles: ['admin', 'seller'] })).statusCode, 200);

    assert.equal((await as('PATCH', `/admin/users/${b.id}`, { disabled: false })).statusCode, 200);
    const demoted = await as('PATCH', `/admin/users/${a.id}`, { roles: ['buyer'] });
    assert.equal(demoted.statusCode, 200, demoted.body);
    assert.deepEqual(demoted.json().roles, ['buyer']);
    assert.equal((await as('GET', '/admin/users')).statusCode, 403, 'the demoted admin lost access at once');
    assert.deepEqual(await activeAdmins(t), [b.id]);
    assert.equal((await me(t.app, b.accessToken)).statusCode, 401, "disabling ended b's sessions");
    const bToken = (await login(t.app, b.email)).json().access_token as string;
    const lastDelete = await api(t.app, bToken)('DELETE', `/admin/users/${b.id}`);
    assert.equal(lastDelete.json().code, 'last_admin');
  });
});

describe('last active admin under concurrent requests', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  it('two admins demoting each other at once: exactly one 200, one 409 last_admin, one admin left (several rounds)', async () => {
    const changes = [
      { method: 'PATCH', payload: { roles: ['buyer'] } },
      { method: 'PATCH', payload: { disabled: true } },
      { method: 'DELETE', payload: undefined },
    ] as const;
    for (let round = 0; round < 6; round++) {
      const a = await userWithRoles(t.app, ['admin'], `a${round}`);
      const b = await userWithRoles(t.app, ['admin'], `b${round}`);
      // demote every other admin from earlier rounds so exactly A and B are active admins
      for (const id of await activeAdmins(t)) {
        if (id !== a.id && id !== b.id) assert.equal((await api(t.app, a.accessToken)('PATCH', `/admin/users/${id}`, { roles: ['buyer'] })).statusCode, 200);
      }
      assert.deepEqual(await activeAdmins(t), [a.id, b.id].sort());
      // both callers' sessions and permissions are cached, as in a real race
      assert.equal((await me(t.app, a.accessToken)).statusCode, 200);
      assert.equal((await me(t.app, b.accessToken)).statusCode, 200);

      const change = changes[round % changes.length]!;
      const [ra, rb] = await Promise.all([
        api(t.app, a.accessToken)(change.method, `/admin/users/${b.id}`, change.payload),
        api(t.app, b.accessToken)(change.method, `/admin/users/${a.id}`, change.payload),
      ]);
      const statuses = [ra.statusCode, rb.statusCode].sort();
      const ok = change.method === 'DELETE' ? 204 : 200;
      assert.deepEqual(statuses, [ok, 409], `round ${round} ${change.method} ${JSON.stringify(change.payload)}: ${ra.body} / ${rb.body}`);
      assert.equal((ra.statusCode === 409 ? ra : rb).json().code, 'last_admin');
      const survivors = await activeAdmins(t);
      assert.equal(survivors.length, 1, `round ${round}: one admin left`);
      assert.equal(survivors[0], ra.statusCode === ok ? a.id : b.id, 'the admin whose request won is the one left');
    }
  });
});

describe('last active admin through a custom role', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  it('taking users:admin away from the role the only admins hold → 409 last_admin; allowed once another admin exists', async () => {
    const root = await userWithRoles(t.app, ['admin'], 'root');
    const asRoot = api(t.app, root.accessToken);
    assert.equal((await asRoot('POST', '/admin/roles', { name: 'superuser', permissions: ['users:admin', 'products:read'] })).statusCode, 201);
    const s = await userWithRoles(t.app, ['superuser'], 'super');
    assert.equal((await asRoot('DELETE', `/admin/users/${root.id}`)).statusCode, 204, 'root leaves; s is the only admin');
    const asS = api(t.app, s.accessToken);

    const refused = await asS('PATCH', '/admin/roles/superuser', { permissions: ['products:read'] });
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().code, 'last_admin');
    const role = (await asS('GET', '/admin/roles')).json().items.find((r: { name: string }) => r.name === 'superuser');
    assert.deepEqual(role.permissions, ['users:admin', 'products:read'], 'unchanged');
    assert.equal((await asS('PATCH', '/admin/roles/superuser', { description: 'only the description' })).statusCode, 200);

    const other = await asS('POST', '/admin/users', { email: 'other-admin@example.com', password: 'Correct-Horse-Battery-42', roles: ['admin'] });
    assert.equal(other.statusCode, 201);
    const allowed = await asS('PATCH', '/admin/roles/superuser', { permissions: ['products:read'] });
    assert.equal(allowed.statusCode, 200, allowed.body);
    assert.equal((await asS('GET', '/admin/users')).statusCode, 403, 'the role change took effect at once');
  });
});

describe('last-admin check after the role cache expired', () => {
  let t: TestContext;
  const clock = new FakeClock();
  before(async () => {
    t = await buildTestContext({ clock, env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  // regression: the check read the cached role map inside its transaction; on a cache miss it
  // waited for a second connection, which PGlite (one connection, held by the transaction) never frees
  it('disabling, demoting and deleting still answer when the role cache is cold', async () => {
    const users = t.services.users;
    const admin = await users.createByAdmin(systemContext, { email: 'cold-admin@example.com', password: 'Correct-Horse-Battery-42', roles: ['admin'] });
    const other = await users.createByAdmin(systemContext, { email: 'cold-other@example.com', password: 'Correct-Horse-Battery-42', roles: ['admin'] });
    const withDeadline = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('hung: no answer within 10 s')), 10_000).unref())]);

    clock.advance(2000);
    assert.equal((await withDeadline(users.updateByAdmin(systemContext, other.id, { disabled: true }))).disabled, true);
    clock.advance(2000);
    await assert.rejects(withDeadline(users.updateByAdmin(systemContext, admin.id, { roles: ['buyer'] })), { code: 'last_admin' });
    clock.advance(2000);
    await assert.rejects(withDeadline(users.delete(systemContext, admin.id, 'admin')), { code: 'last_admin' });
    clock.advance(2000);
    await withDeadline(users.delete(systemContext, other.id, 'admin'));
  });
});
