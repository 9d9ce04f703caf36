/**
 * /products (issue 20 item 4): everyone signed in browses; a seller creates, edits and deletes
 * their own and is refused (403 page) on another seller's; an admin changes anyone's. Bad fields
 * come back inline with a 400, and a title full of markup is shown as text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';

const XSS = '<script>alert(1)</script><img src=x onerror=alert(2)>';

describe('console pages: products', () => {
  let t: TestContext;
  let sellerA: TestUser;
  let sellerB: TestUser;
  let admin: TestUser;
  let buyer: TestUser;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    sellerA = await userWithRoles(t.app, ['seller'], 'seller-a');
    sellerB = await userWithRoles(t.app, ['seller'], 'seller-b');
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    buyer = await userWithRoles(t.app, ['buyer'], 'buyer');
  });
  after(async () => {
    await t.close();
  });

  async function as(user: TestUser): Promise<PageClient> {
    const b = new PageClient(t.app);
    await b.signIn(user.email);
    return b;
  }

  async function create(b: PageClient, title: string): Promise<string> {
    await b.get('/products/new');
    const res = await b.post('/products', { title, description: 'A thing', price: '19.99', currency: 'EUR', image_url: '' });
    assert.equal(res.statusCode, 303, res.body.slice(0, 500));
    const id = /^\/products\/([0-9a-f-]{36})\?notice=created$/.exec(res.headers.location as string)?.[1];
    assert.ok(id, String(res.headers.location));
    return id;
  }

  it('lets a seller create, edit and delete their own product', async () => {
    const a = await as(sellerA);
    const id = await create(a, 'Lamp');
    const shown = await a.get(`/products/${id}?notice=created`);
    assert.match(shown.body, /Lamp/);
    assert.match(shown.body, /19\.99 EUR/);
    assert.match(shown.body, /The product is created/);
    assert.equal((await a.get(`/products/${id}/edit`)).statusCode, 200);
    const saved = await a.post(`/products/${id}`, { title: 'Desk lamp', description: '', price: '25', currency: 'USD', image_url: 'https://img.example.com/lamp.png' });
    assert.equal(saved.statusCode, 303);
    const product = await t.services.products.get(id);
    assert.deepEqual([product.title, product.description, product.price, product.currency, product.imageUrl], ['Desk lamp', null, '25.00', 'USD', 'https://img.example.com/lamp.png']);
    const deleted = await a.post(`/products/${id}/delete`);
    assert.equal(deleted.statusCode, 303);
    assert.equal(deleted.headers.location, '/products?notice=deleted');
    await assert.rejects(t.services.products.get(id), { code: 'not_found' });
  });

  it("refuses a seller another seller's product (403 page), and lets an admin change it", async () => {
    const a = await as(sellerA);
    const id = await create(a, 'Chair');
    const b = await as(sellerB);
    const list = await b.get('/products');
    assert.match(list.body, /Chair/);
    assert.doesNotMatch(list.body, new RegExp(`/products/${id}/edit`), 'no edit button on a product of someone else');
    const form = await b.get(`/products/${id}/edit`);
    assert.equal(form.statusCode, 403);
    assert.match(form.body, /only change your own products/);
    assert.equal((await b.post(`/products/${id}`, { title: 'Stolen', price: '1', currency: 'EUR' })).statusCode, 403);
    assert.equal((await b.post(`/products/${id}/delete`)).statusCode, 403);
    assert.equal((await t.services.products.get(id)).title, 'Chair');

    const root = await as(admin);
    assert.match((await root.get('/products')).body, new RegExp(`/products/${id}/edit`));
    assert.equal((await root.get(`/products/${id}/edit`)).statusCode, 200);
    assert.equal((await root.post(`/products/${id}`, { title: 'Chair (checked)', price: '10.00', currency: 'EUR' })).statusCode, 303);
    assert.equal((await t.services.products.get(id)).title, 'Chair (checked)');
    assert.equal((await root.post(`/products/${id}/delete`)).statusCode, 303);
  });

  it('lets a buyer browse but not create', async () => {
    const a = await as(sellerA);
    await create(a, 'Teapot');
    const b = await as(buyer);
    const list = await b.get('/products?q=teapot');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Teapot/);
    assert.doesNotMatch(list.body, /href="\/products\/new"/);
    assert.equal((await b.get('/products/new')).statusCode, 403);
    assert.equal((await b.post('/products', { title: 'x', price: '1', currency: 'EUR' })).statusCode, 403);
  });

  it('shows bad fields next to the form with a 400, keeping what was typed', async () => {
    const a = await as(sellerA);
    await a.get('/products/new');
    const res = await a.post('/products', { title: 'Clock', description: '', price: '19.999', currency: 'eur', image_url: 'http://plain.example.com/x.png' });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /id="product-price-error"/);
    assert.match(res.body, /id="product-currency-error"/);
    assert.match(res.body, /id="product-image_url-error"/);
    assert.match(res.body, /value="Clock"/);
    assert.match(res.body, /value="19\.999"/);
  });

  it('renders a title full of markup as inert text', async () => {
    const a = await as(sellerA);
    const id = await create(a, XSS);
    for (const url of [`/products/${id}`, '/products', `/products/${id}/edit`]) {
      const body = (await a.get(url)).body;
      assert.doesNotMatch(body, /<script>alert/, url);
      assert.doesNotMatch(body, /<img src=x/, url);
      assert.match(body, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, url);
    }
  });

  it('pages through the list with the cursor', async () => {
    const seller = await userWithRoles(t.app, ['seller'], 'pager');
    const b = await as(seller);
    for (let i = 0; i < 21; i++) await t.services.products.create({ actorId: seller.id, ip: null, userAgent: null }, { userId: seller.id, permissions: new Set(['products:write']) }, { title: `Paged ${i}`, price: '1', currency: 'EUR' });
    const first = await b.get('/products?mine=1');
    const next = /href="(\/products\?mine=1&amp;cursor=[^"]+)" rel="next"/.exec(first.body)?.[1];
    assert.ok(next, 'a next-page link');
    assert.equal((first.body.match(/data-product=/g) ?? []).length, 20);
    const second = await b.get(next.replace(/&amp;/g, '&'));
    assert.equal((second.body.match(/data-product=/g) ?? []).length, 1);
    assert.match(second.body, /Paged 0</);
    assert.doesNotMatch(second.body, /rel="next"/);
  });
});
