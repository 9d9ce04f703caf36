/**
 * The products module is off unless PRODUCTS=on: every /api/v1/products route answers 404
 * not_found as an unknown route does (even for an admin), the catalogue has no products:*
 * permission, there is no /products page and no link to it, and the API document does not list it.
 * With PRODUCTS=on the same app serves them.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { call } from './products-helpers.js';

describe('products module off (the default)', () => {
  let t: TestContext;
  let admin: TestUser;

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    await t.close();
  });

  it('every /api/v1/products route → 404 not_found, for an admin and for anyone', async () => {
    const id = randomUUID();
    const routes: ['GET' | 'POST' | 'PATCH' | 'DELETE', string, unknown?][] = [
      ['GET', '/products'],
      ['GET', '/products?q=lamp'],
      ['POST', '/products', { title: 'Lamp', price: '19.99', currency: 'EUR' }],
      ['GET', `/products/${id}`],
      ['PATCH', `/products/${id}`, { title: 'Desk lamp' }],
      ['DELETE', `/products/${id}`],
    ];
    for (const token of [admin.accessToken, null]) {
      for (const [method, url, payload] of routes) {
        expectProblem(await call(t.app, token, method, url, payload), 404, 'not_found');
      }
    }
    const unknown = await call(t.app, admin.accessToken, 'GET', '/no-such-thing');
    assert.equal(unknown.statusCode, 404, 'the same answer as an unknown route');
  });

  it('the catalogue has no products:* permission, the admin holds none, and no product role is seeded', async () => {
    const as = (url: string) => call(t.app, admin.accessToken, 'GET', url);
    const permissions = (await as('/admin/permissions')).json<{ items: { name: string }[] }>().items.map((p) => p.name);
    assert.deepEqual(permissions, ['users:admin']);
    const me = (await as('/auth/me')).json<{ permissions: string[] }>();
    assert.deepEqual(me.permissions, ['users:admin']);
    const roles = (await as('/admin/roles')).json<{ items: { name: string }[] }>().items.map((r) => r.name);
    assert.deepEqual(roles, ['admin', 'user']);
  });

  it('no /products page and no link to it; the API document does not list products', async () => {
    const page = new PageClient(t.app);
    await page.signIn(admin.email);
    const products = await page.get('/products');
    assert.equal(products.statusCode, 404);
    assert.equal((await page.get('/products/new')).statusCode, 404);
    const dashboard = await page.get('/dashboard');
    assert.equal(dashboard.statusCode, 200);
    assert.doesNotMatch(dashboard.body, /href="\/products/);
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, unknown> }>();
    assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/api/v1/products')));
    assert.ok(doc.paths['/api/v1/hello'], 'GET /api/v1/hello stays');
  });
});

describe('products module on (PRODUCTS=on)', () => {
  let t: TestContext;
  let seller: TestUser;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    seller = await userWithRoles(t.app, ['seller'], 'seller');
  });
  after(async () => {
    await t.close();
  });

  it('serves the API, the page and its link, and lists the products permissions', async () => {
    assert.equal((await call(t.app, seller.accessToken, 'GET', '/products')).statusCode, 200);
    const page = new PageClient(t.app);
    await page.signIn(seller.email);
    assert.equal((await page.get('/products')).statusCode, 200);
    assert.match((await page.get('/dashboard')).body, /href="\/products"/);
    const admin = await userWithRoles(t.app, ['admin'], 'admin');
    const permissions = (await call(t.app, admin.accessToken, 'GET', '/admin/permissions')).json<{ items: { name: string }[] }>().items.map((p) => p.name);
    assert.deepEqual(permissions, ['products:read', 'products:write', 'products:write:any', 'users:admin']);
    for (const name of ['products:read', 'products:write:any']) {
      expectProblem(await call(t.app, admin.accessToken, 'POST', '/admin/permissions', { name }), 409, 'permission_exists');
    }
    expectProblem(await call(t.app, admin.accessToken, 'DELETE', '/admin/permissions/products:write:any'), 409, 'permission_protected');
  });
});
