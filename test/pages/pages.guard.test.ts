/**
 * The route guard's page variant on a route that needs a permission (as the admin pages will):
 * no session → a redirect through the page-session renewal; signed in without the permission →
 * a 403 HTML page (problem+json for a client that did not ask for HTML); with it → the page. The
 * guard, error handler, page session and authenticator are Gatehouse's own, on a small app that
 * declares one such route.
 */
import assert from 'node:assert/strict';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { after, before, describe, it } from 'node:test';
import { RefreshCookie } from '../../src/auth/refresh-cookie.js';
import { registerErrorHandling } from '../../src/http/error-handler.js';
import { registerRouteGuard } from '../../src/http/route-guard.js';
import { PageSession } from '../../src/pages/page-session.js';
import { htmlErrorPage } from '../../src/pages/pages-routes.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { register, userWithRoles } from '../helpers/factories.js';

describe('pages: the guard with a permission', () => {
  let t: TestContext;
  let app: FastifyInstance;
  before(async () => {
    t = await buildTestContext();
    app = Fastify();
    registerErrorHandling(app, { htmlPage: htmlErrorPage({ name: t.config.brandName, defaultLocale: t.config.defaultLocale }) });
    registerRouteGuard(app, t.services.auth, new PageSession(t.config, new RefreshCookie(t.config)));
    await app.register(fastifyCookie);
    app.get('/admin-like', { config: { page: true, auth: 'required', permission: 'users:admin' } }, async () => 'the admin page');
    await app.ready();
  });
  after(async () => {
    await app.close();
    await t.close();
  });

  const get = (cookie: string | null, accept = 'text/html') => app.inject({ method: 'GET', url: '/admin-like?q=x', headers: { accept, ...(cookie ? { cookie } : {}) } });

  it('no session: a redirect to renew it, coming back to the same page', async () => {
    const res = await get(null);
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/api/v1/auth/page-session?next=%2Fadmin-like%3Fq%3Dx');
    assert.equal((await get('gatehouse_session=not-a-token')).statusCode, 303);
  });

  it('signed in without the permission: a 403 page; with it: the page', async () => {
    const buyer = await register(t.app);
    const refused = await get(`gatehouse_session=${buyer.accessToken}`);
    assert.equal(refused.statusCode, 403);
    assert.match(String(refused.headers['content-type']), /^text\/html/);
    assert.match(refused.body, /<h1>Forbidden<\/h1>/);
    const json = await get(`gatehouse_session=${buyer.accessToken}`, 'application/json');
    assert.equal(json.statusCode, 403);
    assert.equal(json.json().code, 'forbidden');
    // a bearer header is not a page credential
    assert.equal((await app.inject({ method: 'GET', url: '/admin-like', headers: { accept: 'text/html', authorization: `Bearer ${buyer.accessToken}` } })).statusCode, 303);
    const admin = await userWithRoles(t.app, ['admin']);
    const allowed = await get(`gatehouse_session=${admin.accessToken}`);
    assert.equal(allowed.statusCode, 200);
    assert.equal(allowed.body, 'the admin page');
  });
});
