import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { bearer, register, userWithRoles, type TestUser } from '../helpers/factories.js';

describe('products: listing, filters, pagination, audit and cascade', () => {
  let t: TestContext;
  let alice: TestUser;
  let bob: TestUser;
  let buyer: TestUser;
  const created: string[] = [];
  // one product per second: "newest first" is then the reverse of creation order (equal
  // created_at values would be ordered by id; products.pagination.test.ts covers that)
  const clock = new FakeClock();

  before(async () => {
    t = await buildTestContext({ clock, env: { PRODUCTS: 'on' } });
    alice = await userWithRoles(t.app, ['seller'], 'alice');
    bob = await userWithRoles(t.app, ['seller'], 'bob');
    buyer = await register(t.app);
    for (let i = 0; i < 45; i++) {
      clock.advance(1000);
      const owner = i % 3 === 0 ? bob : alice;
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/products',
        headers: bearer(owner.accessToken),
        payload: { title: i === 7 ? 'Mug 100% Cotton_Cover' : `Item ${i}`, description: i === 8 ? 'A sturdy TEAPOT' : null, price: i, currency: 'EUR' },
      });
      assert.equal(res.statusCode, 201);
      created.push(res.json().id);
    }
  });
  after(async () => {
    await t.close();
  });

  const list = (query: string) => t.app.inject({ method: 'GET', url: `/api/v1/products${query}`, headers: bearer(buyer.accessToken) });

  it('pages through everything newest first with no gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await list(`?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.statusCode, 200);
      const body = res.json();
      seen.push(...body.items.map((p: { id: string }) => p.id));
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.equal(seen.length, 45);
    assert.equal(new Set(seen).size, 45);
    assert.deepEqual(seen, [...created].reverse(), 'newest first');
  });

  it('default limit is 20; limit 0, 101 and junk are 400; a bad cursor is 400', async () => {
    assert.equal((await list('')).json().items.length, 20);
    for (const q of ['?limit=0', '?limit=101', '?limit=ten']) {
      const res = await list(q);
      assert.equal(res.statusCode, 400, q);
      assert.equal(res.json().errors[0].field, 'limit');
    }
    const bad = await list('?cursor=bm90LWEtY3Vyc29y');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().errors[0].field, 'cursor');
  });

  it('filters by seller_id and by q (case-insensitive, in title or description, wildcards literal)', async () => {
    const bobs = (await list(`?seller_id=${bob.id}&limit=100`)).json().items;
    assert.equal(bobs.length, 15);
    assert.ok(bobs.every((p: { seller_id: string }) => p.seller_id === bob.id));
    assert.equal((await list('?seller_id=nope')).statusCode, 400);
    assert.deepEqual((await list('?q=teapot')).json().items.map((p: { description: string }) => p.description), ['A sturdy TEAPOT']);
    assert.deepEqual((await list(`?q=${encodeURIComponent('100%')}`)).json().items.map((p: { title: string }) => p.title), ['Mug 100% Cotton_Cover']);
    assert.equal((await list('?q=%25')).json().items.length, 1, '% matches itself, not everything');
    assert.equal((await list('?q=n_c')).json().items.length, 1, '_ matches itself, not any character');
  });

  it('writes are audited with the seller as the subject', async () => {
    const events = await t.services.audit.list({ userId: alice.id, type: 'product.created' }, { limit: 100, cursor: null }).then((p) => p.items);
    assert.equal(events.length, 30);
    assert.equal(events[0]!.actorId, alice.id);
    assert.ok(created.includes(String(events[0]!.data.product_id)));
  });

  it("deleting a seller deletes their products", async () => {
    await t.services.users.delete({ actorId: null, ip: null, userAgent: null }, bob.id, 'admin');
    const left = (await list('?limit=100')).json().items;
    assert.equal(left.length, 30);
    assert.ok(left.every((p: { seller_id: string }) => p.seller_id === alice.id));
  });
});
