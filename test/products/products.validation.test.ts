import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { normalizePrice } from '../../src/products/product-fields.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, userWithRoles, type TestUser } from '../helpers/factories.js';

describe('products: validation and exact prices', () => {
  let t: TestContext;
  let seller: TestUser;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    seller = await userWithRoles(t.app, ['seller'], 'seller');
  });
  after(async () => {
    await t.close();
  });

  const create = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: '/api/v1/products', headers: bearer(seller.accessToken), payload: { title: 'Thing', currency: 'EUR', price: '1.00', ...payload } });

  const accepted: [unknown, string][] = [
    ['19.99', '19.99'],
    [19.99, '19.99'],
    ['0', '0.00'],
    [0, '0.00'],
    ['0.5', '0.50'],
    [1e3, '1000.00'], // a JSON number is its value: 1e3 is 1000
    ['99999999.99', '99999999.99'],
    [99999999.99, '99999999.99'],
  ];
  for (const [input, stored] of accepted) {
    it(`price ${JSON.stringify(input)} is stored and returned as "${stored}"`, async () => {
      const res = await create({ price: input });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().price, stored);
      const again = await t.app.inject({ method: 'GET', url: `/api/v1/products/${res.json().id}`, headers: bearer(seller.accessToken) });
      assert.equal(again.json().price, stored);
    });
  }

  const refused: unknown[] = ['19.999', 19.999, -1, '-1', 'abc', '', '1e3', '100000000', 100000000, '1,50', ' ', null, true, 1e21, '0x10'];
  for (const input of refused) {
    it(`price ${JSON.stringify(input)} → 400 on field price`, async () => {
      const res = await create({ price: input });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().code, 'validation_error');
      assert.ok(res.json().errors.some((e: { field: string }) => e.field === 'price'), res.body);
    });
  }

  it('exact decimal arithmetic: 0.1 + 0.2 style values never drift', () => {
    assert.equal(normalizePrice(0.3), '0.30');
    assert.equal(normalizePrice('0010.10'), '10.10');
  });

  for (const [currency, status] of [['EUR', 201], ['JPY', 201], ['eur', 400], ['XYZ', 400], ['EURO', 400], ['', 400]] as const) {
    it(`currency "${currency}" → ${status}`, async () => {
      const res = await create({ currency });
      assert.equal(res.statusCode, status, res.body);
      if (status === 400) assert.equal(res.json().errors[0].field, 'currency');
    });
  }

  it('title 1–200 characters, description ≤ 5000 or null, image_url https or null, no unknown fields', async () => {
    assert.equal((await create({ title: '' })).statusCode, 400);
    assert.equal((await create({ title: 'x'.repeat(201) })).statusCode, 400);
    assert.equal((await create({ title: 'x'.repeat(200) })).statusCode, 201);
    assert.equal((await create({ description: 'd'.repeat(5001) })).statusCode, 400);
    const withNulls = await create({ description: null, image_url: null });
    assert.equal(withNulls.statusCode, 201);
    assert.equal(withNulls.json().description, null);
    assert.equal(withNulls.json().image_url, null);
    assert.equal((await create({ image_url: 'http://cdn.example.com/a.png' })).statusCode, 400);
    for (const hostless of ['https:///x', 'https://.', 'https://..', 'https://-/', 'https://a..b/x.png', 'https://-cdn.example.com/a.png']) {
      assert.equal((await create({ image_url: hostless })).statusCode, 400, hostless);
    }
    for (const fine of ['https://127.0.0.1/a.png', 'https://[::1]/a.png', 'https://cdn.example.com./a.png', 'https://xn--bcher-kva.example/a.png']) {
      assert.equal((await create({ image_url: fine })).statusCode, 201, fine);
    }
    assert.equal((await create({ image_url: 'https://cdn.example.com/a.png' })).json().image_url, 'https://cdn.example.com/a.png');
    const smuggled = await create({ seller_id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(smuggled.statusCode, 400);
    assert.deepEqual(smuggled.json().errors, [{ field: 'seller_id', message: 'is not allowed' }]);
    const missing = await t.app.inject({ method: 'POST', url: '/api/v1/products', headers: bearer(seller.accessToken), payload: {} });
    assert.deepEqual(missing.json().errors.map((e: { field: string }) => e.field).sort(), ['currency', 'price', 'title']);
  });

  it('PATCH validates the same way and changes only what is sent', async () => {
    const id = (await create({ title: 'Original', description: 'keep me' })).json().id;
    const bad = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers: bearer(seller.accessToken), payload: { price: '1.234' } });
    assert.equal(bad.statusCode, 400);
    const ok = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers: bearer(seller.accessToken), payload: { price: '2.5', currency: 'USD' } });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().price, '2.50');
    assert.equal(ok.json().currency, 'USD');
    assert.equal(ok.json().title, 'Original');
    assert.equal(ok.json().description, 'keep me');
  });
});
