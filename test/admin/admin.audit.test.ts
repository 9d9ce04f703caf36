/** GET /api/v1/admin/audit: newest first, filters, cursor pages, validation and the event shape. */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, register, userWithRoles, type TestUser } from '../helpers/factories.js';
import { api, type Api } from './admin-helpers.js';

interface Event {
  id: string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: Record<string, unknown>;
  created_at: string;
}

const EVENT_KEYS = ['actor_id', 'created_at', 'data', 'id', 'ip', 'type', 'user_agent', 'user_id'];

/** docs/api.md: created_at descending, then id descending */
function assertNewestFirst(items: Event[]): void {
  for (let i = 1; i < items.length; i++) {
    const [a, b] = [items[i - 1]!, items[i]!];
    assert.ok(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id), `item ${i} out of order`);
  }
}

describe('GET /admin/audit', () => {
  let t: TestContext;
  let admin: TestUser;
  let user: TestUser;
  let as: Api;

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    as = api(t.app, admin.accessToken);
    user = await register(t.app);
    await login(t.app, user.email, 'Wrong-Password-123', { 'user-agent': 'audit-test-agent' });
    await login(t.app, `nobody-${randomUUID()}@example.com`);
    await login(t.app, user.email);
    await as('PATCH', `/admin/users/${user.id}`, { name: 'Audited' });
  });
  after(async () => {
    await t.close();
  });

  it('returns events newest first, in the docs shape (no chain internals)', async () => {
    const res = await as('GET', '/admin/audit?limit=100');
    assert.equal(res.statusCode, 200);
    const body = res.json<{ items: Event[]; next_cursor: string | null }>();
    assert.equal(body.next_cursor, null);
    assert.ok(body.items.length >= 6);
    for (const e of body.items) assert.deepEqual(Object.keys(e).sort(), EVENT_KEYS);
    assert.doesNotMatch(res.body, /prev_hash|"hash"|"seq"/);
    assertNewestFirst(body.items);
    const newest = body.items[0]!;
    assert.equal(newest.type, 'user.updated');
    assert.equal(newest.user_id, user.id);
    assert.equal(newest.actor_id, admin.id);
    assert.deepEqual(newest.data, { fields: ['name'] });
    assert.match(newest.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('filters by user_id and by type', async () => {
    const mine = (await as('GET', `/admin/audit?user_id=${user.id}`)).json<{ items: Event[] }>().items;
    assert.ok(mine.every((e) => e.user_id === user.id));
    assert.deepEqual(mine.map((e) => e.type), ['user.updated', 'login.succeeded', 'login.failed', 'user.created']);
    const wrong = mine.find((e) => e.type === 'login.failed')!;
    assert.deepEqual(wrong.data, { reason: 'wrong_password' });
    assert.equal(wrong.user_agent, 'audit-test-agent');
    assert.equal(wrong.actor_id, null);
    assert.equal(wrong.ip, '127.0.0.1');

    const failed = (await as('GET', '/admin/audit?type=login.failed')).json<{ items: Event[] }>().items;
    assert.equal(failed.length, 2);
    assert.ok(failed.every((e) => e.type === 'login.failed'));
    const unknown = failed.find((e) => e.user_id === null);
    assert.deepEqual(unknown?.data, { reason: 'unknown_login' });

    const both = (await as('GET', `/admin/audit?type=login.succeeded&user_id=${user.id}`)).json<{ items: Event[] }>().items;
    assert.equal(both.length, 1);
    const none = (await as('GET', `/admin/audit?user_id=${randomUUID()}`)).json<{ items: Event[] }>();
    assert.deepEqual(none, { items: [], next_cursor: null });
  });

  it('pages with a cursor: every event once, in order', async () => {
    const all = (await as('GET', '/admin/audit?limit=100')).json<{ items: Event[] }>().items;
    const seen: Event[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/admin/audit?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const body = (await as('GET', url)).json<{ items: Event[]; next_cursor: string | null }>();
      assert.ok(body.items.length <= 2 && body.items.length > 0);
      seen.push(...body.items);
      cursor = body.next_cursor;
      pages++;
    } while (cursor && pages < 100);
    assert.equal(pages, Math.ceil(all.length / 2));
    assert.deepEqual(seen.map((e) => e.id), all.map((e) => e.id));
  });

  it('refuses unknown types, malformed user ids, bad limits and cursors with 400', async () => {
    for (const [query, field] of [['type=login.maybe', 'type'], ['user_id=42', 'user_id'], ['limit=0', 'limit'], ['limit=101', 'limit'], ['cursor=%%%', null], ['cursor=bm9wZQ', 'cursor']] as const) {
      const res = await as('GET', `/admin/audit?${query}`);
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.equal(res.json().code, 'validation_error');
      if (field) assert.equal(res.json().errors[0].field, field, query);
    }
  });
});
