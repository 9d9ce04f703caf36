/**
 * Who may open the signed-in pages (docs/architecture.md, issue 20 item 6): no session → the page-session
 * renewal and then /login?next=<path>; signed in without the permission → a 403 page (HTML, not
 * problem+json); a form posted without its CSRF token is refused and changes nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';

describe('console pages: access', () => {
  let t: TestContext;
  let buyer: TestUser;
  let admin: TestUser;

  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    buyer = await userWithRoles(t.app, ['buyer'], 'buyer');
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    await t.close();
  });

  it('sends a visitor without a session to sign in, with the page as next', async () => {
    const b = new PageClient(t.app);
    for (const path of ['/dashboard', '/account', '/products', '/products/new', '/admin', '/admin/roles', '/admin/oauth-providers', '/admin/audit?type=logout']) {
      const first = await b.get(path);
      assert.equal(first.statusCode, 303, path);
      const renew = first.headers.location as string;
      assert.equal(renew, `/api/v1/auth/page-session?next=${encodeURIComponent(path)}`);
      const second = await b.get(renew);
      assert.equal(second.statusCode, 303);
      assert.equal(second.headers.location, `/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('comes back to next after signing in', async () => {
    const b = new PageClient(t.app);
    await b.get('/login?next=%2Fproducts');
    const res = await b.post('/login', { login: buyer.email, password: buyer.password, next: '/products' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/products');
  });

  it('answers a signed-in user without the permission with a 403 page', async () => {
    const b = new PageClient(t.app);
    await b.signIn(buyer.email);
    for (const path of ['/admin', `/admin/users/${admin.id}`, '/admin/roles', '/admin/oauth-providers', '/admin/audit', '/products/new']) {
      const res = await b.get(path);
      assert.equal(res.statusCode, 403, path);
      assert.match(res.headers['content-type'] as string, /^text\/html/);
      assert.match(res.body, /Forbidden/);
    }
    // a form post is refused before anything changes
    await b.get('/dashboard');
    const disable = await b.post(`/admin/users/${admin.id}/disable`);
    assert.equal(disable.statusCode, 403);
    assert.equal((await t.services.users.get(admin.id)).disabled, false);
    // the buyer's navigation has no admin link, the admin's has
    assert.doesNotMatch((await b.get('/dashboard')).body, /href="\/admin"/);
    const a = new PageClient(t.app);
    await a.signIn(admin.email);
    assert.match((await a.get('/dashboard')).body, /href="\/admin"/);
  });

  it('refuses a form without its CSRF token, and one with a token from another browser', async () => {
    const b = new PageClient(t.app);
    await b.signIn(buyer.email);
    await b.get('/dashboard');
    const without = await b.post('/dashboard/profile', { name: 'Changed Without Token', _csrf: null });
    assert.equal(without.statusCode, 403);
    const other = new PageClient(t.app);
    await other.get('/login');
    const foreign = await b.post('/dashboard/profile', { name: 'Changed With Foreign Token', _csrf: other.csrf! });
    assert.equal(foreign.statusCode, 403);
    assert.equal((await t.services.users.get(buyer.id)).name, null);
    // the same form with its own token works
    const ok = await b.post('/dashboard/profile', { name: 'Bea Buyer', username: '', avatar_url: '' });
    assert.equal(ok.statusCode, 303);
    assert.equal((await t.services.users.get(buyer.id)).name, 'Bea Buyer');
  });

  it('answers a malformed id with a 404 page, not a database error', async () => {
    const b = new PageClient(t.app);
    await b.signIn(admin.email);
    assert.equal((await b.get('/admin/users/not-a-uuid')).statusCode, 404);
    assert.equal((await b.get('/products/123')).statusCode, 404);
    assert.equal((await b.get('/admin/oauth-providers/NOPE!')).statusCode, 404);
  });
});
