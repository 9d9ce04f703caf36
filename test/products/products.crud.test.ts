/**
 * Create, read, update and delete: the exact product object, timestamps from the clock, partial
 * PATCH, 404/400 for unknown and malformed ids, audit events in the same transaction, and the
 * cascade when a seller's account is deleted.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { register, userWithRoles, type TestUser } from '../helpers/factories.js';
import { call, createProduct, errorFields, PRODUCT_KEYS, type ProductJson } from './products-helpers.js';
import { systemContext } from '../../src/request-context.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('products: create, read, update, delete', () => {
  let t: TestContext;
  const clock = new FakeClock(Date.parse('2030-01-15T10:00:00.000Z'));
  let seller: TestUser;
  let admin: TestUser;
  let buyer: TestUser;

  before(async () => {
    t = await buildTestContext({ clock, env: { PRODUCTS: 'on' } });
    seller = await userWithRoles(t.app, ['seller'], 'seller');
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    buyer = await register(t.app);
  });
  after(async () => {
    await t.close();
  });

  const events = (userId: string, type: 'product.created' | 'product.updated' | 'product.deleted') =>
    t.services.audit.list({ userId, type }, { limit: 100, cursor: null }).then((p) => p.items);

  it('POST creates the product: exactly the contract fields, seller = caller, timestamps from the clock', async () => {
    clock.advance(1000);
    const at = new Date(clock.now()).toISOString();
    const res = await call(t.app, seller.accessToken, 'POST', '/products', { title: 'Desk lamp', price: 19.99, currency: 'EUR' });
    assert.equal(res.statusCode, 201, res.body);
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    const p = res.json() as ProductJson;
    assert.deepEqual(Object.keys(p).sort(), PRODUCT_KEYS);
    assert.match(p.id, UUID);
    assert.deepEqual({ ...p, id: 'x' }, {
      id: 'x',
      seller_id: seller.id,
      title: 'Desk lamp',
      description: null,
      price: '19.99',
      currency: 'EUR',
      image_url: null,
      created_at: at,
      updated_at: at,
    });
    const read = await call(t.app, buyer.accessToken, 'GET', `/products/${p.id}`);
    assert.equal(read.statusCode, 200);
    assert.deepEqual(read.json(), p);
  });

  it('records product.created about the seller, by the seller, in the same transaction', async () => {
    const p = await createProduct(t.app, seller.accessToken, { description: 'with a shade', image_url: 'https://cdn.example.com/l.png' });
    const created = (await events(seller.id, 'product.created')).find((e) => e.data.product_id === p.id);
    assert.ok(created, 'product.created event');
    assert.equal(created.userId, seller.id);
    assert.equal(created.actorId, seller.id);
    assert.deepEqual(created.data, { product_id: p.id, fields: ['title', 'description', 'price', 'currency', 'image_url'] });
  });

  it('PATCH changes only the fields sent, moves updated_at, keeps created_at, and is audited', async () => {
    const p = await createProduct(t.app, seller.accessToken, { description: 'old', image_url: 'https://cdn.example.com/a.png' });
    clock.advance(5000);
    const res = await call(t.app, seller.accessToken, 'PATCH', `/products/${p.id}`, { title: 'New title', description: null, image_url: null });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { ...p, title: 'New title', description: null, image_url: null, updated_at: new Date(clock.now()).toISOString() });
    const updated = (await events(seller.id, 'product.updated')).filter((e) => e.data.product_id === p.id);
    assert.equal(updated.length, 1);
    assert.deepEqual(updated[0]!.data, { product_id: p.id, fields: ['title', 'description', 'image_url'] });
    assert.equal(updated[0]!.actorId, seller.id);
  });

  it('an empty PATCH {} returns the product unchanged and records nothing', async () => {
    const p = await createProduct(t.app, seller.accessToken);
    clock.advance(1000);
    const before = (await events(seller.id, 'product.updated')).length;
    const res = await call(t.app, seller.accessToken, 'PATCH', `/products/${p.id}`, {});
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), p);
    assert.equal((await events(seller.id, 'product.updated')).length, before);
  });

  it("an admin's PATCH and DELETE of a seller's product are audited about the seller, by the admin", async () => {
    const p = await createProduct(t.app, seller.accessToken);
    const patched = await call(t.app, admin.accessToken, 'PATCH', `/products/${p.id}`, { price: '7' });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().price, '7.00');
    assert.equal(patched.json().seller_id, seller.id);
    const del = await call(t.app, admin.accessToken, 'DELETE', `/products/${p.id}`);
    assert.equal(del.statusCode, 204);
    const upd = (await events(seller.id, 'product.updated')).find((e) => e.data.product_id === p.id);
    assert.equal(upd?.actorId, admin.id);
    assert.deepEqual(upd?.data, { product_id: p.id, fields: ['price'] });
    const gone = (await events(seller.id, 'product.deleted')).find((e) => e.data.product_id === p.id);
    assert.ok(gone, 'product.deleted event');
    assert.equal(gone.actorId, admin.id);
    assert.equal(gone.userId, seller.id);
    assert.deepEqual(gone.data, { product_id: p.id, seller_id: seller.id });
  });

  it('DELETE answers 204 with no body; afterwards GET, PATCH and DELETE answer 404', async () => {
    const p = await createProduct(t.app, seller.accessToken);
    const del = await call(t.app, seller.accessToken, 'DELETE', `/products/${p.id}`);
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, '');
    for (const [method, payload] of [['GET'], ['PATCH', { title: 'x' }], ['DELETE']] as const) {
      const res = await call(t.app, seller.accessToken, method, `/products/${p.id}`, payload);
      assert.equal(res.statusCode, 404, method);
      assert.equal(res.json().code, 'not_found', method);
      assert.match(res.headers['content-type'] as string, /application\/problem\+json/);
    }
    assert.equal((await events(seller.id, 'product.deleted')).filter((e) => e.data.product_id === p.id).length, 1);
  });

  it('unknown ids are 404 and malformed ids 400 (field id) on every per-product route', async () => {
    for (const [method, payload] of [['GET'], ['PATCH', { title: 'x' }], ['DELETE']] as const) {
      const unknown = await call(t.app, admin.accessToken, method, `/products/${UNKNOWN}`, payload);
      assert.equal(unknown.statusCode, 404, `${method} unknown`);
      for (const bad of ['not-a-uuid', '12345', `${UNKNOWN}x`]) {
        const res = await call(t.app, admin.accessToken, method, `/products/${bad}`, payload);
        assert.deepEqual(errorFields(res), ['id'], `${method} ${bad}`);
      }
    }
  });

  it('reports every invalid field at once; blank titles are refused; lengths count characters', async () => {
    const res = await call(t.app, seller.accessToken, 'POST', '/products', { title: '   ', price: '1.234', currency: 'eur', image_url: 'http://x.example/a.png', description: 7 });
    assert.deepEqual(errorFields(res), ['currency', 'description', 'image_url', 'price', 'title']);
    assert.equal((await call(t.app, seller.accessToken, 'POST', '/products', { title: '😀'.repeat(200), price: 1, currency: 'EUR' })).statusCode, 201);
    assert.deepEqual(errorFields(await call(t.app, seller.accessToken, 'POST', '/products', { title: '😀'.repeat(201), price: 1, currency: 'EUR' })), ['title']);
    assert.equal((await createProduct(t.app, seller.accessToken, { description: 'd'.repeat(5000) })).description?.length, 5000);
    assert.equal((await createProduct(t.app, seller.accessToken, { description: '' })).description, '');
    assert.deepEqual(errorFields(await call(t.app, seller.accessToken, 'POST', '/products', { title: 'x', price: 1, currency: 'EUR', image_url: 'https://' })), ['image_url']);
    assert.deepEqual(errorFields(await call(t.app, seller.accessToken, 'POST', '/products', { title: 'x', price: 1, currency: 'EUR', image_url: 'ftp://x.example/a' })), ['image_url']);
    const patch = await call(t.app, seller.accessToken, 'PATCH', `/products/${UNKNOWN}`, { title: null, seller_id: seller.id });
    assert.deepEqual(errorFields(patch), ['seller_id', 'title']);
  });

  it('a JSON number counts by its value: 1e3 is 1000.00 and 19.990 is 19.99; the string "1e3" is refused', async () => {
    const raw = (payload: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/products', headers: { authorization: `Bearer ${seller.accessToken}`, 'content-type': 'application/json' }, payload });
    const exp = await raw('{"title":"Big","price":1e3,"currency":"EUR"}');
    assert.equal(exp.statusCode, 201, exp.body);
    assert.equal(exp.json().price, '1000.00');
    const trailing = await raw('{"title":"Trailing","price":19.990,"currency":"EUR"}');
    assert.equal(trailing.json().price, '19.99');
    assert.deepEqual(errorFields(await raw('{"title":"Str","price":"1e3","currency":"EUR"}')), ['price']);
    assert.deepEqual(errorFields(await raw('{"title":"Tiny","price":1e-7,"currency":"EUR"}')), ['price']);
    assert.deepEqual(errorFields(await raw('{"title":"Broken",')), ['(body)']);
  });

  it("deleting a seller's account deletes their products (the audit rows stay)", async () => {
    const doomed = await userWithRoles(t.app, ['seller'], 'doomed');
    const a = await createProduct(t.app, doomed.accessToken);
    const b = await createProduct(t.app, doomed.accessToken);
    const keep = await createProduct(t.app, seller.accessToken);
    await t.services.users.delete(systemContext, doomed.id, 'admin');
    for (const id of [a.id, b.id]) assert.equal((await call(t.app, buyer.accessToken, 'GET', `/products/${id}`)).statusCode, 404);
    assert.equal((await call(t.app, buyer.accessToken, 'GET', `/products/${keep.id}`)).statusCode, 200);
    assert.deepEqual((await call(t.app, buyer.accessToken, 'GET', `/products?seller_id=${doomed.id}`)).json(), { items: [], next_cursor: null });
    assert.equal((await events(doomed.id, 'product.created')).length, 2);
  });
});
