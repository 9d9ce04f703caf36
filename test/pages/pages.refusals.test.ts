/**
 * Refusals a page shows as a message on the form, never as JSON: a locked account (423 with
 * Retry-After), a rate limit (429), a disabled account signed out on its next page request, and a
 * form posted after the session expired coming back to its page after renewal.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { PASSWORD, register, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';

describe('pages: refusals on forms', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { LOCKOUT_THRESHOLD: '2', RATE_LIMIT_RESET_IP: '1/3600' } });
  });
  after(() => t.close());

  it('a locked account: 423 with Retry-After and the reason on the form, the login kept', async () => {
    const u = await register(t.app);
    const client = new PageClient(t.app);
    await client.get('/login');
    assert.equal((await client.post('/login', { login: u.email, password: WRONG_PASSWORD })).statusCode, 401);
    assert.equal((await client.post('/login', { login: u.email, password: WRONG_PASSWORD })).statusCode, 401);
    const locked = await client.post('/login', { login: u.email, password: PASSWORD });
    assert.equal(locked.statusCode, 423);
    assert.ok(Number(locked.headers['retry-after']) > 0);
    assert.match(String(locked.headers['content-type']), /^text\/html/);
    assert.match(textOf(locked.body), /Try again in 15 minutes\./, 'the wait in minutes, not "900 s"');
    assert.ok(locked.body.includes(`value="${u.email}"`));
  });

  it('a rate limit: 429 shown as a message on the page', async () => {
    const client = new PageClient(t.app);
    await client.get('/forgot-password');
    assert.equal((await client.post('/forgot-password', { email: uniqueEmail() })).statusCode, 303, 'Post/Redirect/Get');
    const limited = await client.post('/forgot-password', { email: uniqueEmail() });
    assert.equal(limited.statusCode, 429);
    assert.match(String(limited.headers['content-type']), /^text\/html/);
    assert.match(textOf(limited.body), /Too many requests; retry in \d+ s/);
  });

  it('a user disabled by an admin is signed out on the next page request', async () => {
    const u = await register(t.app);
    const client = new PageClient(t.app);
    await client.get('/login');
    await client.post('/login', { login: u.email, password: PASSWORD });
    assert.equal((await client.get('/dashboard')).statusCode, 200);
    await t.services.users.updateByAdmin({ actorId: null, ip: null, userAgent: null }, u.id, { disabled: true });
    const next = await client.follow(await client.get('/dashboard'));
    assert.match(textOf(next.body), /Sign in/);
    assert.equal(client.cookies.has('refresh_token'), false);
    assert.equal(client.cookies.has('gatehouse_session'), false);
  });

  it('a form posted once the access cookie expired leads back to its page after renewal', async () => {
    const u = await register(t.app);
    const client = new PageClient(t.app);
    await client.get('/login');
    await client.post('/login', { login: u.email, password: PASSWORD });
    await client.get('/account');
    client.cookies.delete('gatehouse_session');
    const res = await client.post('/account/totp/setup', { password: PASSWORD });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/api/v1/auth/page-session?next=%2Faccount');
    const back = await client.follow(res);
    assert.equal(back.statusCode, 200);
    assert.match(back.body, /Your account/);
  });
});
