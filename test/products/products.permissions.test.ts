/**
 * Permission matrix (docs/api.md, the products module; roles and permissions): anonymous and every seeded role against every
 * product endpoint — list, get, create, patch own, patch other's, delete own, delete other's —
 * with exact statuses; then the order of checks (401 → 403 → 400 → 404 → 403 ownership), roles
 * defined by their permissions rather than their names, and a demoted seller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../admin/admin-helpers.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { register, userWithRoles, type TestUser } from '../helpers/factories.js';
import { call, createProduct, errorFields } from './products-helpers.js';
import { systemContext } from '../../src/request-context.js';

const body = { title: 'Lamp', price: '19.99', currency: 'EUR' };
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

type Who = 'anonymous' | 'buyer' | 'seller' | 'admin';
type Column = 'list' | 'get' | 'create' | 'patchOwn' | 'patchOther' | 'deleteOwn' | 'deleteOther';

const matrix: Record<Who, Record<Column, number>> = {
  anonymous: { list: 401, get: 401, create: 401, patchOwn: 401, patchOther: 401, deleteOwn: 401, deleteOther: 401 },
  buyer: { list: 200, get: 200, create: 403, patchOwn: 403, patchOther: 403, deleteOwn: 403, deleteOther: 403 },
  seller: { list: 200, get: 200, create: 201, patchOwn: 200, patchOther: 403, deleteOwn: 204, deleteOther: 403 },
  admin: { list: 200, get: 200, create: 201, patchOwn: 200, patchOther: 200, deleteOwn: 204, deleteOther: 204 },
};

describe('products: permission matrix and order of checks', () => {
  let t: TestContext;
  let users: Record<Exclude<Who, 'anonymous'>, TestUser>;
  let otherSeller: TestUser;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    users = {
      buyer: await register(t.app),
      seller: await userWithRoles(t.app, ['seller'], 'seller'),
      admin: await userWithRoles(t.app, ['admin'], 'admin'),
    };
    otherSeller = await userWithRoles(t.app, ['seller'], 'other');
  });
  after(async () => {
    await t.close();
  });

  /**
   * A product owned by `who`. A buyer cannot create one; theirs stands for a product listed while
   * they were a seller (created through the service with products:write, as before a demotion).
   */
  async function productOwnedBy(who: Who): Promise<string> {
    if (who === 'anonymous') return (await createProduct(t.app, otherSeller.accessToken)).id;
    const user = users[who];
    if (who === 'buyer') return (await t.services.products.create(systemContext, { userId: user.id, permissions: new Set(['products:write']) }, body)).id;
    return (await createProduct(t.app, user.accessToken)).id;
  }

  const titleOf = async (id: string) => (await t.services.products.get(id)).title;
  const exists = async (id: string) => (await t.services.products.list({ sellerId: null, q: null }, { limit: 1000, cursor: null }).then((p) => p.items)).some((p) => p.id === id);

  for (const who of Object.keys(matrix) as Who[]) {
    const expected = matrix[who];
    it(`${who}: ${Object.entries(expected).map(([k, v]) => `${k} ${v}`).join(', ')}`, async () => {
      const token = who === 'anonymous' ? null : users[who].accessToken;
      const own = [await productOwnedBy(who), await productOwnedBy(who)];
      const others = [(await createProduct(t.app, otherSeller.accessToken)).id, (await createProduct(t.app, otherSeller.accessToken)).id];
      const results: Record<Column, number> = {
        list: (await call(t.app, token, 'GET', '/products')).statusCode,
        get: (await call(t.app, token, 'GET', `/products/${others[0]}`)).statusCode,
        create: (await call(t.app, token, 'POST', '/products', body)).statusCode,
        patchOwn: (await call(t.app, token, 'PATCH', `/products/${own[0]}`, { title: 'Renamed' })).statusCode,
        patchOther: (await call(t.app, token, 'PATCH', `/products/${others[0]}`, { title: 'Renamed' })).statusCode,
        deleteOwn: (await call(t.app, token, 'DELETE', `/products/${own[1]}`)).statusCode,
        deleteOther: (await call(t.app, token, 'DELETE', `/products/${others[1]}`)).statusCode,
      };
      assert.deepEqual(results, expected);
      // refused writes changed nothing; allowed ones took effect
      assert.equal(await titleOf(own[0]!), expected.patchOwn === 200 ? 'Renamed' : 'Lamp');
      assert.equal(await titleOf(others[0]!), expected.patchOther === 200 ? 'Renamed' : 'Lamp');
      assert.equal(await exists(own[1]!), expected.deleteOwn !== 204);
      assert.equal(await exists(others[1]!), expected.deleteOther !== 204);
    });
  }

  it('401s carry WWW-Authenticate: Bearer and code unauthorized; 403s are problem+json forbidden', async () => {
    for (const [method, url] of [['GET', '/products'], ['POST', '/products'], ['GET', `/products/${UNKNOWN}`], ['PATCH', `/products/${UNKNOWN}`], ['DELETE', `/products/${UNKNOWN}`]] as const) {
      const anon = await call(t.app, null, method, url, method === 'POST' || method === 'PATCH' ? body : undefined);
      assert.equal(anon.statusCode, 401);
      assert.equal(anon.headers['www-authenticate'], 'Bearer', `${method} ${url}`);
      assert.equal(anon.json().code, 'unauthorized');
    }
    const bogus = await call(t.app, 'not.a.token', 'GET', '/products');
    assert.equal(bogus.statusCode, 401);
    const forbidden = await call(t.app, users.buyer.accessToken, 'POST', '/products', body);
    assert.equal(forbidden.json().code, 'forbidden');
    assert.match(forbidden.headers['content-type'] as string, /application\/problem\+json/);
    const notOwner = await call(t.app, otherSeller.accessToken, 'PATCH', `/products/${await productOwnedBy('seller')}`, { title: 'x' });
    assert.equal(notOwner.json().code, 'forbidden');
  });

  it('order of checks: 401 before 403 before 400 before 404 before 403 (ownership)', async () => {
    const sellers = await productOwnedBy('seller');
    const invalid = { price: 'lots', extra: true };
    // anonymous with an invalid body: 401
    assert.equal((await call(t.app, null, 'POST', '/products', invalid)).statusCode, 401);
    // a buyer with an invalid body, on an unknown or malformed id: 403
    assert.equal((await call(t.app, users.buyer.accessToken, 'POST', '/products', invalid)).statusCode, 403);
    assert.equal((await call(t.app, users.buyer.accessToken, 'PATCH', `/products/${UNKNOWN}`, invalid)).statusCode, 403);
    assert.equal((await call(t.app, users.buyer.accessToken, 'DELETE', '/products/not-a-uuid')).statusCode, 403);
    // a seller: invalid body on an unknown id 400; malformed id 400; unknown id 404
    assert.deepEqual(errorFields(await call(t.app, otherSeller.accessToken, 'PATCH', `/products/${UNKNOWN}`, { price: -1 })), ['price']);
    assert.deepEqual(errorFields(await call(t.app, otherSeller.accessToken, 'PATCH', `/products/${UNKNOWN}`, { price: 19.999 })), ['price']);
    assert.deepEqual(errorFields(await call(t.app, otherSeller.accessToken, 'DELETE', '/products/not-a-uuid')), ['id']);
    assert.equal((await call(t.app, otherSeller.accessToken, 'PATCH', `/products/${UNKNOWN}`, { title: 'x' })).statusCode, 404);
    assert.equal((await call(t.app, otherSeller.accessToken, 'DELETE', `/products/${UNKNOWN}`)).statusCode, 404);
    // someone else's product: invalid body still 400 (before ownership), valid body 403
    assert.deepEqual(errorFields(await call(t.app, otherSeller.accessToken, 'PATCH', `/products/${sellers}`, { price: '19.999' })), ['price']);
    assert.equal((await call(t.app, otherSeller.accessToken, 'PATCH', `/products/${sellers}`, { title: 'x' })).statusCode, 403);
    assert.equal((await call(t.app, otherSeller.accessToken, 'PATCH', `/products/${sellers}`, {})).statusCode, 403, 'an empty PATCH still checks ownership');
  });

  it('access follows permissions, not role names: products:write:any alone edits and deletes any product but cannot create', async () => {
    await t.services.roles.create(systemContext, { name: 'moderator', description: 'moderates listings', permissions: ['products:read', 'products:write:any'] });
    await t.services.roles.create(systemContext, { name: 'nobody', description: 'no permissions', permissions: [] });
    const moderator = await userWithRoles(t.app, ['moderator'], 'moderator');
    const nobody = await userWithRoles(t.app, ['nobody'], 'nobody');
    const id = await productOwnedBy('seller');
    assert.equal((await call(t.app, moderator.accessToken, 'POST', '/products', body)).statusCode, 403);
    const patched = await call(t.app, moderator.accessToken, 'PATCH', `/products/${id}`, { title: 'Moderated' });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.equal(patched.json().seller_id, users.seller.id);
    assert.equal((await call(t.app, moderator.accessToken, 'DELETE', `/products/${id}`)).statusCode, 204);
    for (const [method, url] of [['GET', '/products'], ['GET', `/products/${UNKNOWN}`], ['POST', '/products'], ['PATCH', `/products/${UNKNOWN}`], ['DELETE', `/products/${UNKNOWN}`]] as const) {
      assert.equal((await call(t.app, nobody.accessToken, method, url, method === 'POST' || method === 'PATCH' ? body : undefined)).statusCode, 403, `${method} ${url}`);
    }
  });

  it('a seller demoted to buyer can no longer change their own products (within a second)', async () => {
    const seller = await userWithRoles(t.app, ['seller'], 'demoted');
    const id = (await createProduct(t.app, seller.accessToken)).id;
    await t.services.users.updateByAdmin(systemContext, seller.id, { roles: ['buyer'] });
    await eventually('demotion seen', async () => (await call(t.app, seller.accessToken, 'PATCH', `/products/${id}`, { title: 'x' })).statusCode === 403, 1500);
    assert.equal((await call(t.app, seller.accessToken, 'DELETE', `/products/${id}`)).statusCode, 403);
    assert.equal((await call(t.app, seller.accessToken, 'GET', `/products/${id}`)).statusCode, 200);
  });

  it('a seller deleted between the token check and the insert gets 401, not a 500 from the foreign key', async () => {
    const seller = await userWithRoles(t.app, ['seller'], 'vanishing');
    await t.services.users.delete(systemContext, seller.id, 'admin');
    // the request that was already past authentication when the account went
    const actor = { userId: seller.id, permissions: new Set(['products:read', 'products:write']) };
    await assert.rejects(
      t.services.products.create(systemContext, actor, { title: 'Late', price: '1.00', currency: 'EUR' }),
      (e: { code?: string; status?: number }) => e.code === 'unauthorized' && e.status === 401,
    );
  });
});
