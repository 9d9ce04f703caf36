/**
 * GET /api/v1/products: cursor pages newest first by (created_at, id) — including products that
 * share a created_at — filters by seller_id and q (wildcards literal, case-insensitive), and the
 * 400s for bad limits, cursors and filters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { register, userWithRoles, type TestUser } from '../helpers/factories.js';
import { call, createProduct, errorFields, type ProductJson } from './products-helpers.js';

interface Page {
  items: ProductJson[];
  next_cursor: string | null;
}

/** newest first by created_at, then id (PostgreSQL orders uuids as their lower-case hex text) */
function newestFirst(a: ProductJson, b: ProductJson): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

describe('products: pagination and filters', () => {
  let t: TestContext;
  const clock = new FakeClock(Date.parse('2030-03-01T08:00:00.000Z'));
  let alice: TestUser;
  let bob: TestUser;
  let buyer: TestUser;
  const all: ProductJson[] = [];

  before(async () => {
    t = await buildTestContext({ clock, env: { PRODUCTS: 'on' } });
    alice = await userWithRoles(t.app, ['seller'], 'alice');
    bob = await userWithRoles(t.app, ['seller'], 'bob');
    buyer = await register(t.app);
    for (let i = 0; i < 45; i++) {
      // three products per instant: the id breaks the tie
      if (i % 3 === 0) clock.advance(1000);
      all.push(await createProduct(t.app, (i % 3 === 1 ? bob : alice).accessToken, { title: `Item ${i}`, price: i }));
    }
    all.sort(newestFirst);
  });
  after(async () => {
    await t.close();
  });

  const list = async (query: string): Promise<Page> => {
    const res = await call(t.app, buyer.accessToken, 'GET', `/products${query}`);
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
    return res.json() as Page;
  };

  async function walk(query: string, limit: number): Promise<{ ids: string[]; sizes: number[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(`?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      ids.push(...page.items.map((p) => p.id));
      sizes.push(page.items.length);
      cursor = page.next_cursor;
      assert.ok(sizes.length < 100, 'pagination does not end');
    } while (cursor);
    return { ids, sizes };
  }

  it('45 products with limit=20: three pages of 20, 20 and 5, newest first, no gaps or repeats, next_cursor null at the end', async () => {
    const { ids, sizes } = await walk('', 20);
    assert.deepEqual(sizes, [20, 20, 5]);
    assert.equal(new Set(ids).size, 45);
    assert.deepEqual(ids, all.map((p) => p.id));
  });

  it('limit=1 steps through products that share a created_at one by one', async () => {
    const { ids, sizes } = await walk('', 1);
    assert.equal(sizes.length, 45);
    assert.deepEqual(ids, all.map((p) => p.id));
  });

  it('default limit 20; limit=100 returns all 45; a page that ends exactly at the last product has next_cursor null', async () => {
    const first = await list('');
    assert.equal(first.items.length, 20);
    assert.equal(typeof first.next_cursor, 'string');
    const everything = await list('?limit=100');
    assert.equal(everything.items.length, 45);
    assert.equal(everything.next_cursor, null);
    const exact = await list('?limit=45');
    assert.equal(exact.items.length, 45);
    assert.equal(exact.next_cursor, null);
    const bobs = await list(`?seller_id=${bob.id}&limit=15`);
    assert.equal(bobs.items.length, 15);
    assert.equal(bobs.next_cursor, null);
  });

  it('seller_id filters, and pages within the filter', async () => {
    const { ids, sizes } = await walk(`&seller_id=${alice.id}`, 7);
    assert.deepEqual(sizes, [7, 7, 7, 7, 2]);
    assert.deepEqual(ids, all.filter((p) => p.seller_id === alice.id).map((p) => p.id));
    assert.deepEqual(await list(`?seller_id=${buyer.id}`), { items: [], next_cursor: null });
  });

  it('a cursor is a position: it still works after the product it points at is deleted', async () => {
    const first = await list('?limit=10');
    const last = first.items[9]!;
    const owner = last.seller_id === alice.id ? alice : bob;
    assert.equal((await call(t.app, owner.accessToken, 'DELETE', `/products/${last.id}`)).statusCode, 204);
    const second = await list(`?limit=10&cursor=${encodeURIComponent(first.next_cursor!)}`);
    assert.deepEqual(second.items.map((p) => p.id), all.slice(10, 20).map((p) => p.id));
    all.splice(9, 1);
  });

  it('q: case-insensitive substring of title or description; %, _ and \\ match only themselves', async () => {
    const mug = await createProduct(t.app, alice.accessToken, { title: 'Mug 100% Cotton', description: null });
    const under = await createProduct(t.app, alice.accessToken, { title: 'snake_case plate', description: 'fine ÉCLAIR dish' });
    const slash = await createProduct(t.app, bob.accessToken, { title: 'Back\\slash poster', description: 'Big TEAPOT print' });
    const ids = async (q: string, extra = '') => (await list(`?q=${encodeURIComponent(q)}${extra}`)).items.map((p) => p.id);
    assert.deepEqual(await ids('%'), [mug.id]);
    assert.deepEqual(await ids('100%'), [mug.id]);
    assert.deepEqual(await ids('_'), [under.id]);
    assert.deepEqual(await ids('e_c'), [under.id], '_ is not "any character"');
    assert.deepEqual(await ids('\\'), [slash.id]);
    assert.deepEqual(await ids('MUG'), [mug.id]);
    assert.deepEqual(await ids('  mug  '), [mug.id], 'q is trimmed');
    assert.deepEqual(await ids('teapot'), [slash.id], 'matches the description');
    assert.deepEqual(await ids('éclair'), [under.id], 'case-insensitive beyond ASCII');
    assert.deepEqual(await ids('item 4'), all.filter((p) => /^Item 4/.test(p.title)).map((p) => p.id));
    assert.deepEqual(await ids('p', `&seller_id=${bob.id}`), [slash.id], 'q and seller_id combine');
    assert.deepEqual(await list('?q=nothing-like-this'), { items: [], next_cursor: null });
    assert.equal((await list('?q=')).items.length, 20, 'an empty q is no filter');
  });

  it('limit 0, 101, -1, 1.5 and junk are 400 on limit; bad cursors 400 on cursor; a malformed seller_id 400', async () => {
    for (const limit of ['0', '101', '-1', '1.5', 'ten']) {
      assert.deepEqual(errorFields(await call(t.app, buyer.accessToken, 'GET', `/products?limit=${limit}`)), ['limit'], `limit=${limit}`);
    }
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const cursor of ['abc', b64('not-a-cursor'), b64(`not-a-date|${all[0]!.id}`), b64(`${all[0]!.created_at}|not-an-id`), '!!!']) {
      assert.deepEqual(errorFields(await call(t.app, buyer.accessToken, 'GET', `/products?cursor=${encodeURIComponent(cursor)}`)), ['cursor'], `cursor=${cursor}`);
    }
    assert.deepEqual(errorFields(await call(t.app, buyer.accessToken, 'GET', '/products?seller_id=nope')), ['seller_id']);
    assert.deepEqual(errorFields(await call(t.app, buyer.accessToken, 'GET', `/products?q=${'x'.repeat(201)}`)), ['q']);
  });
});
