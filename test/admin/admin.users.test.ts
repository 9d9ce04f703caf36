/**
 * /api/v1/admin/users: list (search, role filter, cursor pages), create (also with registration
 * closed), read, update (roles, disable, verified flag, password), delete, and a user's sessions.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, OTHER_PASSWORD, PASSWORD, register, uniqueEmail, userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, me, USER_KEYS, type Api } from './admin-helpers.js';

interface UserBody {
  id: string;
  email: string;
  username: string | null;
  name: string | null;
  roles: string[];
  disabled: boolean;
  email_verified: boolean;
  has_password: boolean;
  created_at: string;
}

describe('admin users', () => {
  let t: TestContext;
  let admin: TestUser;
  let as: Api;

  const auditOf = (userId: string) => t.services.audit.list({ userId, type: null }, { limit: 100, cursor: null }).then((p) => p.items);

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    as = api(t.app, admin.accessToken);
  });
  after(async () => {
    await t.close();
  });

  describe('POST /admin/users', () => {
    it('creates an account with DEFAULT_ROLE, returns the whitelisted user, records user.created by the admin', async () => {
      const email = uniqueEmail('Created');
      const res = await as('POST', '/admin/users', { email: `  ${email.toUpperCase()} `, password: PASSWORD, username: 'Made_By_Admin', name: 'Made' });
      assert.equal(res.statusCode, 201, res.body);
      const u = res.json<UserBody>();
      assert.deepEqual(Object.keys(u).sort(), USER_KEYS);
      assert.equal(u.email, email.toLowerCase());
      assert.equal(u.username, 'made_by_admin');
      assert.equal(u.name, 'Made');
      assert.deepEqual(u.roles, ['buyer']);
      assert.equal(u.has_password, true);
      assert.equal(u.email_verified, false);
      assert.equal(u.disabled, false);
      assert.doesNotMatch(res.body, /argon2|password_hash/);
      assert.equal((await login(t.app, email)).statusCode, 200, 'the new user can sign in');
      const created = (await auditOf(u.id)).find((e) => e.type === 'user.created');
      assert.ok(created);
      assert.equal(created.actorId, admin.id);
      assert.deepEqual(created.data, { via: 'admin', roles: ['buyer'] });
    });

    it('gives the roles asked for', async () => {
      const res = await as('POST', '/admin/users', { email: uniqueEmail(), password: PASSWORD, roles: ['seller', 'buyer'] });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual(res.json<UserBody>().roles, ['buyer', 'seller']);
    });

    it('refuses an unknown role with 400 naming roles.N, and creates nothing', async () => {
      const email = uniqueEmail();
      const res = await as('POST', '/admin/users', { email, password: PASSWORD, roles: ['seller', 'wizard'] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().code, 'validation_error');
      assert.deepEqual(res.json().errors, [{ field: 'roles.1', message: 'unknown role "wizard"' }]);
      assert.equal((await login(t.app, email)).statusCode, 401);
    });

    it('is strict and applies the account rules: unknown fields 400, taken email 409, weak password 422', async () => {
      const extra = await as('POST', '/admin/users', { email: uniqueEmail(), password: PASSWORD, email_verified: true });
      assert.equal(extra.statusCode, 400);
      assert.deepEqual(extra.json().errors, [{ field: 'email_verified', message: 'is not allowed' }]);
      const missing = await as('POST', '/admin/users', { email: uniqueEmail() });
      assert.deepEqual(missing.json().errors, [{ field: 'password', message: 'is required' }]);
      const taken = await as('POST', '/admin/users', { email: admin.email.toUpperCase(), password: PASSWORD });
      assert.equal(taken.statusCode, 409);
      assert.equal(taken.json().code, 'email_taken');
      const weak = await as('POST', '/admin/users', { email: uniqueEmail(), password: 'password1' });
      assert.equal(weak.statusCode, 422);
      assert.equal(weak.json().code, 'weak_password');
    });
  });

  describe('GET /admin/users', () => {
    let marker: string;
    let made: UserBody[];
    /** docs/api.md's order: created_at, then id, both descending */
    const newestFirst = (users: UserBody[]) =>
      [...users].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1)).map((u) => u.id);

    before(async () => {
      marker = `zq${randomUUID().slice(0, 6)}`;
      made = [];
      for (let i = 0; i < 5; i++) {
        const res = await as('POST', '/admin/users', {
          email: `${marker}-${i}@example.com`,
          password: PASSWORD,
          ...(i === 2 ? { name: 'Grace HOPPER' } : {}),
          ...(i === 3 ? { username: `u${marker}x` } : {}),
          roles: i % 2 === 0 ? ['seller'] : ['buyer'],
        });
        assert.equal(res.statusCode, 201, res.body);
        made.push(res.json<UserBody>());
      }
    });

    it('lists everyone without filters, newest first, with the default limit of 20', async () => {
      const res = await as('GET', '/admin/users');
      assert.equal(res.statusCode, 200);
      const body = res.json<{ items: UserBody[]; next_cursor: string | null }>();
      assert.ok(body.items.length <= 20);
      assert.deepEqual(Object.keys(body.items[0]!).sort(), USER_KEYS);
      assert.equal(body.items[0]!.id, newestFirst(made)[0], 'the newest user comes first');
      const all = await t.services.users.list({ q: null, role: null }, { limit: 1000, cursor: null }).then((p) => p.items);
      assert.equal(body.items.length, Math.min(20, all.length));
      assert.equal(body.next_cursor === null, all.length <= 20);
    });

    it('q matches a case-insensitive substring of email, username or name', async () => {
      const byEmail = (await as('GET', `/admin/users?q=${marker.toUpperCase()}`)).json<{ items: UserBody[] }>();
      assert.deepEqual(byEmail.items.map((u) => u.id), newestFirst(made));
      const byName = (await as('GET', '/admin/users?q=grace%20hop')).json<{ items: UserBody[] }>();
      assert.deepEqual(byName.items.map((u) => u.id), [made[2]!.id]);
      const byUsername = (await as('GET', `/admin/users?q=U${marker}X`)).json<{ items: UserBody[] }>();
      assert.deepEqual(byUsername.items.map((u) => u.id), [made[3]!.id]);
      const wildcard = (await as('GET', '/admin/users?q=%25')).json<{ items: UserBody[] }>();
      assert.deepEqual(wildcard.items, [], '% is a literal character, not a wildcard');
    });

    it('role filters by role, combined with q', async () => {
      const sellers = (await as('GET', `/admin/users?q=${marker}&role=seller`)).json<{ items: UserBody[] }>();
      assert.deepEqual(sellers.items.map((u) => u.id), newestFirst([made[0]!, made[2]!, made[4]!]));
      const admins = (await as('GET', '/admin/users?role=admin')).json<{ items: UserBody[] }>();
      assert.deepEqual(admins.items.map((u) => u.id), [admin.id]);
      const none = (await as('GET', '/admin/users?role=nobody')).json<{ items: UserBody[] }>();
      assert.deepEqual(none.items, []);
      const unlikely = await as('GET', '/admin/users?role=Not%20A%20Role');
      assert.equal(unlikely.statusCode, 200, 'a name no role can have matches nobody');
      assert.deepEqual(unlikely.json<{ items: UserBody[] }>().items, []);
      // the API's own rule: empty parameters are no filter
      const blank = await as('GET', `/admin/users?q=&role=&limit=&cursor=`);
      assert.equal(blank.statusCode, 200, blank.body);
      const unfiltered = (await as('GET', '/admin/users')).json<{ items: UserBody[] }>();
      assert.deepEqual(blank.json<{ items: UserBody[] }>().items.map((u) => u.id), unfiltered.items.map((u) => u.id));
    });

    it('pages with limit and an opaque cursor, without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/admin/users?q=${marker}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await as('GET', url);
        assert.equal(res.statusCode, 200, res.body);
        const body = res.json<{ items: UserBody[]; next_cursor: string | null }>();
        assert.ok(body.items.length <= 2);
        seen.push(...body.items.map((u) => u.id));
        cursor = body.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      assert.equal(pages, 3);
      assert.deepEqual(seen, newestFirst(made));
      assert.notDeepEqual(seen, made.map((u) => u.id), 'not oldest first');
    });

    it('refuses out-of-range limits and broken cursors with 400', async () => {
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'cursor=not-a-cursor']) {
        const res = await as('GET', `/admin/users?${query}`);
        assert.equal(res.statusCode, 400, query);
        assert.equal(res.json().code, 'validation_error');
      }
      const res = await as('GET', '/admin/users?limit=100');
      assert.equal(res.statusCode, 200);
    });
  });

  describe('GET /admin/users/{id}', () => {
    it('returns the user; unknown 404; malformed id 400', async () => {
      const u = await register(t.app, { name: 'Someone' });
      const res = await as('GET', `/admin/users/${u.id}`);
      assert.equal(res.statusCode, 200);
      assert.equal(res.json<UserBody>().email, u.email);
      assert.equal(res.json<UserBody>().name, 'Someone');
      assert.deepEqual(Object.keys(res.json()).sort(), USER_KEYS);
      const unknown = await as('GET', `/admin/users/${randomUUID()}`);
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json().code, 'not_found');
      const bad = await as('GET', '/admin/users/12345');
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].field, 'id');
    });
  });

  describe('PATCH /admin/users/{id}', () => {
    it('changes name, roles and email_verified; the new permissions apply at once; records user.updated', async () => {
      const u = await register(t.app);
      const res = await as('PATCH', `/admin/users/${u.id}`, { name: 'Renamed', roles: ['seller'], email_verified: true });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json<UserBody>();
      assert.equal(body.name, 'Renamed');
      assert.deepEqual(body.roles, ['seller']);
      assert.equal(body.email_verified, true);
      const perms = (await me(t.app, u.accessToken)).json().permissions;
      assert.deepEqual(perms, ['products:read', 'products:write']);
      const event = (await auditOf(u.id)).find((e) => e.type === 'user.updated');
      assert.ok(event);
      assert.equal(event.actorId, admin.id);
      assert.deepEqual(event.data, { fields: ['name', 'roles', 'email_verified'], roles: ['seller'], email_verified: true });
      const cleared = await as('PATCH', `/admin/users/${u.id}`, { name: null });
      assert.equal(cleared.json<UserBody>().name, null);
    });

    it('refuses unknown roles (400 roles.N), unknown users (404) and strays (400); an empty body answers the user unchanged', async () => {
      const u = await register(t.app);
      const unknownRole = await as('PATCH', `/admin/users/${u.id}`, { roles: ['buyer', 'seller', 'ghost'] });
      assert.equal(unknownRole.statusCode, 400);
      assert.deepEqual(unknownRole.json().errors, [{ field: 'roles.2', message: 'unknown role "ghost"' }]);
      assert.deepEqual((await as('GET', `/admin/users/${u.id}`)).json<UserBody>().roles, ['buyer'], 'nothing changed');
      const unknownUser = await as('PATCH', `/admin/users/${randomUUID()}`, { name: 'x' });
      assert.equal(unknownUser.statusCode, 404);
      const stray = await as('PATCH', `/admin/users/${u.id}`, { username: 'someone_else' });
      assert.equal(stray.statusCode, 400);
      assert.deepEqual(stray.json().errors, [{ field: 'username', message: 'is not allowed' }]);
      const wrongType = await as('PATCH', `/admin/users/${u.id}`, { disabled: 'yes' });
      assert.equal(wrongType.json().errors[0].field, 'disabled');
      const empty = await as('PATCH', `/admin/users/${u.id}`, {});
      assert.equal(empty.statusCode, 200);
      assert.deepEqual(empty.json<UserBody>().roles, ['buyer']);
    });

    it('disabling revokes every session (tokens 401, refresh fails) and login answers 403 account_disabled; enabling restores login', async () => {
      const u = await register(t.app);
      const second = (await login(t.app, u.email)).json();
      assert.equal((await me(t.app, u.accessToken)).statusCode, 200);
      const res = await as('PATCH', `/admin/users/${u.id}`, { disabled: true });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json<UserBody>().disabled, true);
      assert.equal((await me(t.app, u.accessToken)).statusCode, 401);
      assert.equal((await me(t.app, second.access_token)).statusCode, 401);
      const refresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: second.refresh_token } });
      assert.equal(refresh.statusCode, 401);
      const denied = await login(t.app, u.email);
      assert.equal(denied.statusCode, 403);
      assert.equal(denied.json().code, 'account_disabled');
      assert.equal((await login(t.app, u.email, 'Wrong-Password-123')).json().code, 'invalid_credentials', 'no hint without the right password');
      assert.deepEqual((await as('GET', `/admin/users/${u.id}/sessions`)).json().items, []);
      const event = (await auditOf(u.id)).find((e) => e.type === 'user.updated');
      assert.deepEqual(event?.data, { fields: ['disabled'], disabled: true, sessions_revoked: 2 });

      const enabled = await as('PATCH', `/admin/users/${u.id}`, { disabled: false });
      assert.equal(enabled.json<UserBody>().disabled, false);
      assert.equal((await login(t.app, u.email)).statusCode, 200);
    });

    it('setting a password revokes the sessions; the old password stops working; records password.changed', async () => {
      const u = await register(t.app);
      const res = await as('PATCH', `/admin/users/${u.id}`, { password: OTHER_PASSWORD });
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, /argon2|Stapler/);
      assert.equal((await me(t.app, u.accessToken)).statusCode, 401);
      assert.equal((await login(t.app, u.email, PASSWORD)).statusCode, 401);
      assert.equal((await login(t.app, u.email, OTHER_PASSWORD)).statusCode, 200);
      const events = await auditOf(u.id);
      const changed = events.find((e) => e.type === 'password.changed');
      assert.equal(changed?.actorId, admin.id);
      assert.deepEqual(changed?.data, { by: 'admin' });
      assert.deepEqual(events.find((e) => e.type === 'user.updated')?.data, { fields: [], password_set: true, sessions_revoked: 1 });
      assert.doesNotMatch(JSON.stringify(events), /Stapler/, 'the password is never in the audit trail');
      const weak = await as('PATCH', `/admin/users/${u.id}`, { password: 'short' });
      assert.equal(weak.statusCode, 422);
      assert.equal(weak.json().code, 'weak_password');
    });
  });

  describe('DELETE /admin/users/{id}', () => {
    it('deletes the user with their sessions and products; tokens 401; audit rows stay', async () => {
      const u = await userWithRoles(t.app, ['seller'], 'doomed');
      const db = t.services.database.db;
      const now = new Date();
      await db
        .insertInto('products')
        .values({ id: randomUUID(), seller_id: u.id, title: 'Lamp', description: null, price: '9.99', currency: 'EUR', image_url: null, created_at: now, updated_at: now })
        .execute();
      const res = await as('DELETE', `/admin/users/${u.id}`);
      assert.equal(res.statusCode, 204);
      assert.equal(res.body, '');
      assert.equal((await as('GET', `/admin/users/${u.id}`)).statusCode, 404);
      assert.equal((await me(t.app, u.accessToken)).statusCode, 401);
      assert.equal((await login(t.app, u.email)).json().code, 'invalid_credentials');
      const left = await db.selectFrom('products').select('id').where('seller_id', '=', u.id).execute();
      assert.deepEqual(left, []);
      const sessions = await db.selectFrom('sessions').select('id').where('user_id', '=', u.id).execute();
      assert.deepEqual(sessions, []);
      const events = await auditOf(u.id);
      const deleted = events.find((e) => e.type === 'user.deleted');
      assert.equal(deleted?.actorId, admin.id);
      assert.deepEqual(deleted?.data, { via: 'admin', email_domain: 'example.com' });
      assert.ok(events.some((e) => e.type === 'login.succeeded'), 'older rows about the user remain');
      assert.equal((await as('DELETE', `/admin/users/${u.id}`)).statusCode, 404, 'a second delete is 404');
    });
  });

  describe('sessions of a user', () => {
    it('GET lists live sessions newest first (current false, whitelisted); DELETE revokes them all', async () => {
      const u = await register(t.app);
      const second = await login(t.app, u.email, PASSWORD, { 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36' });
      const list = await as('GET', `/admin/users/${u.id}/sessions`);
      assert.equal(list.statusCode, 200);
      const items = list.json().items;
      assert.equal(items.length, 2);
      assert.deepEqual(Object.keys(items[0]).sort(), ['created_at', 'current', 'device', 'expires_at', 'id', 'ip', 'last_used_at', 'location', 'user_agent']);
      const sid = (JSON.parse(Buffer.from(second.json().access_token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
      assert.equal(items[0].id, sid, 'newest (the second sign-in) first');
      assert.deepEqual(items[0].device, { browser: 'Chrome', os: 'Mac OS', type: 'desktop' });
      assert.ok(items.every((s: { current: boolean }) => s.current === false));
      assert.ok(Date.parse(items[0].created_at) >= Date.parse(items[1].created_at));

      const revoked = await as('DELETE', `/admin/users/${u.id}/sessions`);
      assert.equal(revoked.statusCode, 204);
      assert.equal((await me(t.app, u.accessToken)).statusCode, 401);
      assert.equal((await me(t.app, second.json().access_token)).statusCode, 401);
      assert.deepEqual((await as('GET', `/admin/users/${u.id}/sessions`)).json().items, []);
      const event = (await auditOf(u.id)).find((e) => e.type === 'session.revoked');
      assert.equal(event?.actorId, admin.id);
      assert.deepEqual(event?.data, { all: true, count: 2, by: 'admin' });
      assert.equal((await me(t.app, admin.accessToken)).statusCode, 200, "the admin's own session is untouched");
    });

    it('unknown user → 404 for both; malformed id → 400', async () => {
      assert.equal((await as('GET', `/admin/users/${randomUUID()}/sessions`)).statusCode, 404);
      assert.equal((await as('DELETE', `/admin/users/${randomUUID()}/sessions`)).statusCode, 404);
      assert.equal((await as('DELETE', '/admin/users/xyz/sessions')).statusCode, 400);
    });
  });
});

describe('admin users with REGISTRATION=closed', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on', REGISTRATION: 'closed' } });
  });
  after(async () => {
    await t.close();
  });

  it('self-registration is 403 registration_closed, an admin still creates accounts (201)', async () => {
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const email = uniqueEmail('closed');
    const self = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    assert.equal(self.statusCode, 403);
    assert.equal(self.json().code, 'registration_closed');
    const created = await api(t.app, admin.accessToken)('POST', '/admin/users', { email, password: PASSWORD });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().email, email);
    assert.equal((await login(t.app, email)).statusCode, 200);
  });
});
