/**
 * Permission matrix: every seeded role and an anonymous caller against every product endpoint,
 * including a seller touching another seller's product. Exact statuses per SPEC §4.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, register, userWithRoles, type TestUser } from '../helpers/factories.js';

const body = { title: 'Lamp', price: '19.99', currency: 'EUR' };

describe('products: permission matrix', () => {
  let t: TestContext;
  let buyer: TestUser;
  let seller: TestUser;
  let otherSeller: TestUser;
  let admin: TestUser;

  before(async () => {
    t = await buildTestContext();
    buyer = await register(t.app);
    seller = await userWithRoles(t.app, ['seller'], 'seller');
    otherSeller = await userWithRoles(t.app, ['seller'], 'seller2');
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    await t.close();
  });

  async function productOf(owner: TestUser): Promise<string> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/products', headers: bearer(owner.accessToken), payload: body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json().id;
  }

  type Who = 'anonymous' | 'buyer' | 'seller' | 'other seller' | 'admin';
  const token = (who: Who) => ({ anonymous: null, buyer, seller, 'other seller': otherSeller, admin })[who]?.accessToken ?? null;

  const cases: { who: Who; list: number; get: number; create: number; patch: number; del: number }[] = [
    { who: 'anonymous', list: 401, get: 401, create: 401, patch: 401, del: 401 },
    { who: 'buyer', list: 200, get: 200, create: 403, patch: 403, del: 403 },
    { who: 'seller', list: 200, get: 200, create: 201, patch: 200, del: 204 }, // the owner
    { who: 'other seller', list: 200, get: 200, create: 201, patch: 403, del: 403 },
    { who: 'admin', list: 200, get: 200, create: 201, patch: 200, del: 204 },
  ];

  for (const c of cases) {
    it(`${c.who}: list ${c.list}, get ${c.get}, create ${c.create}, patch ${c.patch}, delete ${c.del} (on the seller's product)`, async () => {
      const id = await productOf(seller);
      const tk = token(c.who);
      const headers = tk ? bearer(tk) : {};
      const results = {
        list: (await t.app.inject({ method: 'GET', url: '/api/v1/products', headers })).statusCode,
        get: (await t.app.inject({ method: 'GET', url: `/api/v1/products/${id}`, headers })).statusCode,
        create: (await t.app.inject({ method: 'POST', url: '/api/v1/products', headers, payload: body })).statusCode,
        patch: (await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers, payload: { title: 'Renamed' } })).statusCode,
        del: (await t.app.inject({ method: 'DELETE', url: `/api/v1/products/${id}`, headers })).statusCode,
      };
      assert.deepEqual(results, { list: c.list, get: c.get, create: c.create, patch: c.patch, del: c.del });
    });
  }

  it('anonymous gets WWW-Authenticate: Bearer; a forbidden caller gets problem+json forbidden', async () => {
    const anon = await t.app.inject({ method: 'GET', url: '/api/v1/products' });
    assert.equal(anon.headers['www-authenticate'], 'Bearer');
    assert.equal(anon.json().code, 'unauthorized');
    const forbidden = await t.app.inject({ method: 'POST', url: '/api/v1/products', headers: bearer(buyer.accessToken), payload: body });
    assert.equal(forbidden.json().code, 'forbidden');
  });

  it('order of checks: a buyer posting an invalid product gets 403, not 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/products', headers: bearer(buyer.accessToken), payload: { price: 'lots', extra: true } });
    assert.equal(res.statusCode, 403);
  });

  it('order of checks: 404 for an unknown product comes before ownership; bad body 400 before 404', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${unknown}`, headers: bearer(otherSeller.accessToken), payload: { title: 'x' } });
    assert.equal(patch.statusCode, 404);
    const bad = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${unknown}`, headers: bearer(otherSeller.accessToken), payload: { price: -1 } });
    assert.equal(bad.statusCode, 400);
    const malformed = await t.app.inject({ method: 'GET', url: '/api/v1/products/not-a-uuid', headers: bearer(buyer.accessToken) });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().errors[0].field, 'id');
  });

  it("an admin's edit keeps the product's seller", async () => {
    const id = await productOf(seller);
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/products/${id}`, headers: bearer(admin.accessToken), payload: { price: 5 } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().seller_id, seller.id);
    assert.equal(res.json().price, '5.00');
  });
});
