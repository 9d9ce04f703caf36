/**
 * The pages over plain form posts (no JavaScript): CSRF on every form, same-origin `next` only,
 * sign-in redirects, failed sign-in keeping `login` with 401, registration errors inline, escaped
 * user data, the strict CSP on every HTML answer, and page sessions that are ordinary sessions
 * (listed and revocable through the API, renewed from the refresh cookie, ended by sign-out).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, PASSWORD, register, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { PageClient, textOf } from '../helpers/page-client.js';

const CSP = /script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'/;

describe('pages: forms without JavaScript', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(() => t.close());

  async function signedIn(): Promise<{ client: PageClient; email: string }> {
    const u = await register(t.app);
    const client = new PageClient(t.app);
    await client.get('/login');
    const res = await client.post('/login', { login: u.email, password: PASSWORD });
    assert.equal(res.statusCode, 303, res.body);
    assert.equal(res.headers.location, '/dashboard');
    return { client, email: u.email };
  }

  it('a form post without a valid CSRF token is refused with 403, an HTML page for a browser', async () => {
    const client = new PageClient(t.app);
    await client.get('/login');
    const none = await client.post('/login', { _csrf: null, login: 'someone', password: PASSWORD });
    assert.equal(none.statusCode, 403);
    assert.match(String(none.headers['content-type']), /^text\/html/);
    assert.match(none.body, /Forbidden/);
    const forged = await client.post('/login', { _csrf: 'A'.repeat(43), login: 'someone', password: PASSWORD });
    assert.equal(forged.statusCode, 403);
    // a token is only good with the cookie it was made for
    const other = new PageClient(t.app);
    await other.get('/login');
    const stolen = await client.post('/login', { _csrf: other.csrf, login: 'someone', password: PASSWORD });
    assert.equal(stolen.statusCode, 403);
    const crossSite = await client.post('/login', { login: 'someone', password: PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(crossSite.statusCode, 403);
    // an API client asking for JSON gets problem+json
    const json = await t.app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'login=a&password=b' });
    assert.equal(json.statusCode, 403);
    assert.equal(json.json().code, 'forbidden');
    // the same token with its cookie is accepted (a wrong password: 401, not 403), also with the
    // `Origin: null` browsers send from a page whose Referrer-Policy is no-referrer
    assert.equal((await client.post('/login', { login: 'someone', password: PASSWORD })).statusCode, 401);
    assert.equal((await client.post('/login', { login: 'someone', password: PASSWORD }, { origin: 'null' })).statusCode, 401);
    assert.equal((await client.post('/login', { login: 'someone', password: PASSWORD }, { origin: t.config.publicOrigin })).statusCode, 401);
  });

  it('sign-out without a CSRF token is refused and the session stays', async () => {
    const { client } = await signedIn();
    const res = await client.post('/logout', { _csrf: null });
    assert.equal(res.statusCode, 403);
    assert.equal((await client.get('/dashboard')).statusCode, 200);
  });

  it('an unauthenticated /dashboard leads to /login?next=%2Fdashboard, and signing in comes back to it', async () => {
    const client = new PageClient(t.app);
    const first = await client.get('/dashboard');
    assert.equal(first.statusCode, 303);
    assert.equal(first.headers.location, '/api/v1/auth/page-session?next=%2Fdashboard');
    const renewal = await client.get(String(first.headers.location));
    assert.equal(renewal.statusCode, 303);
    assert.equal(renewal.headers.location, '/login?next=%2Fdashboard');
    const form = await client.get('/login?next=%2Faccount');
    assert.match(form.body, /name="next" value="\/account"/);
    const u = await register(t.app);
    const res = await client.post('/login', { login: u.email, password: PASSWORD, next: '/account' });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/account');
    assert.equal((await client.get('/account')).statusCode, 200);
  });

  it('next pointing elsewhere is ignored: https://evil.example, //evil.example, /\\evil.example', async () => {
    const u = await register(t.app);
    for (const next of ['https://evil.example', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)']) {
      const client = new PageClient(t.app);
      const form = await client.get(`/login?next=${encodeURIComponent(next)}`);
      assert.doesNotMatch(form.body, /evil\.example|javascript:/);
      const res = await client.post('/login', { login: u.email, password: PASSWORD, next });
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, '/dashboard', next);
      const renewal = await client.get(`/api/v1/auth/page-session?next=${encodeURIComponent(next)}`);
      assert.equal(renewal.headers.location, '/dashboard', next);
    }
  });

  it('a failed sign-in shows the form again with 401 and a message, keeping the typed login', async () => {
    const u = await register(t.app);
    const client = new PageClient(t.app);
    await client.get('/login');
    const res = await client.post('/login', { login: u.email, password: WRONG_PASSWORD, next: '/account' });
    assert.equal(res.statusCode, 401);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, new RegExp(`name="login" type="text" value="${u.email.replace(/[.]/g, '\\.')}"`));
    assert.match(res.body, /name="next" value="\/account"/);
    assert.match(res.body, /role="alert"/);
    assert.doesNotMatch(res.body, /"code":|problem/);
    assert.equal(client.cookies.has('gatehouse_session'), false);
    const empty = await client.post('/login', { login: '', password: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(textOf(empty.body), /Login is required/);
  });

  it('registration: weak password with its feedback, taken email inline, then the dashboard', async () => {
    const taken = await register(t.app);
    const client = new PageClient(t.app);
    await client.get('/register');
    const weak = await client.post('/register', { email: uniqueEmail(), username: '', name: 'Weak', password: 'password1' });
    assert.equal(weak.statusCode, 422);
    assert.match(textOf(weak.body), /too easy to guess/);
    assert.match(weak.body, /id="f-password"[^>]*aria-invalid="true"/);
    const dup = await client.post('/register', { email: taken.email, username: '', name: '', password: PASSWORD });
    assert.equal(dup.statusCode, 409);
    assert.match(dup.body, /id="f-email"[^>]*aria-invalid="true"/);
    assert.match(textOf(dup.body), /already exists/);
    const bad = await client.post('/register', { email: 'not-an-email', username: 'x', name: '', password: PASSWORD });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /value="not-an-email"/);
    const ok = await client.post('/register', { email: uniqueEmail(), username: '', name: 'New Person', password: PASSWORD });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/dashboard');
    assert.match(textOf((await client.get('/dashboard')).body), /Welcome, New Person/);
  });

  it('a name with markup is rendered inert', async () => {
    const client = new PageClient(t.app);
    await client.get('/register');
    const xss = `<img src=x onerror=alert(1)><script>alert("x")</script>`;
    const res = await client.post('/register', { email: uniqueEmail(), username: '', name: xss, password: PASSWORD });
    assert.equal(res.statusCode, 303, res.body);
    const page = await client.get('/dashboard');
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('<img src=x'), 'markup from a name must not reach the page');
    assert.ok(!page.body.includes('<script>alert'), 'no script from a name');
    assert.match(page.body, /&lt;img src=x onerror=alert\(1\)&gt;&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/);
  });

  it('every HTML answer carries the strict CSP, and no page has an inline script or style', async () => {
    const { client } = await signedIn();
    const anonymous = new PageClient(t.app);
    const pages = [
      await anonymous.get('/login'),
      await anonymous.get('/register'),
      await anonymous.get('/forgot-password'),
      await anonymous.get('/reset-password'),
      await anonymous.get('/reset-password?token=abc'),
      await anonymous.get('/verify-email'),
      await anonymous.get('/verify-email?token=nope'),
      await anonymous.get('/no-such-page'),
      await client.get('/dashboard'),
      await client.get('/account'),
      await client.post('/account/totp/setup', { password: PASSWORD }),
    ];
    for (const res of pages) {
      assert.match(String(res.headers['content-type']), /^text\/html/, res.raw.req.url);
      assert.match(String(res.headers['content-security-policy']), CSP);
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.doesNotMatch(res.body, /<script>|<script(?![^>]*\ssrc=)|<style|\sstyle=|\son[a-z]+=/i);
    }
    assert.equal(pages[7]!.statusCode, 404);
  });

  it('assets are served by Gatehouse with long cache headers', async () => {
    const page = await new PageClient(t.app).get('/login');
    const css = /href="(\/assets\/gatehouse\.css\?v=[0-9a-f]+)"/.exec(page.body)![1]!;
    const js = /src="(\/assets\/webauthn\.js\?v=[0-9a-f]+)"/.exec(page.body)![1]!;
    for (const url of [css, js]) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['cache-control']), /max-age=31536000/);
      assert.ok(res.body.length > 500);
    }
    assert.equal((await t.app.inject({ method: 'GET', url: '/assets/../package.json' })).statusCode, 404);
  });

  it('a page sign-in is a session the API lists and revokes; the page then asks to sign in again', async () => {
    const { client } = await signedIn();
    const access = client.cookies.get('gatehouse_session')!.value;
    assert.equal(client.cookies.get('refresh_token')!.path, '/api/v1/auth');
    const sessions = await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(access) });
    assert.equal(sessions.statusCode, 200);
    const current = (sessions.json() as { items: { id: string; current: boolean }[] }).items.find((s) => s.current)!;
    assert.ok(current);
    // revoked from another sign-in of the same user (the API), the page is refused at once
    const revoke = await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${current.id}`, headers: bearer(access) });
    assert.equal(revoke.statusCode, 204);
    const res = await client.get('/dashboard');
    assert.equal(res.statusCode, 303);
    const end = await client.follow(res);
    assert.equal(end.statusCode, 200);
    assert.match(textOf(end.body), /Sign in/);
    assert.equal(client.cookies.has('refresh_token'), false);
  });

  it('a missing access cookie is renewed from the refresh cookie (rotating it) and the page comes back', async () => {
    const { client } = await signedIn();
    const refreshBefore = client.cookies.get('refresh_token')!.value;
    client.cookies.delete('gatehouse_session');
    const res = await client.follow(await client.get('/account'));
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /Your account/);
    assert.ok(client.cookies.has('gatehouse_session'));
    assert.notEqual(client.cookies.get('refresh_token')!.value, refreshBefore);
  });

  it('sign-out revokes the session and clears every cookie, also once the access cookie has expired', async () => {
    const { client } = await signedIn();
    const access = client.cookies.get('gatehouse_session')!.value;
    await client.get('/dashboard');
    const out = await client.post('/logout', {});
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/login?notice=signed_out');
    for (const name of ['gatehouse_session', 'refresh_token', 'gatehouse_csrf']) assert.equal(client.cookies.has(name), false, name);
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(access) })).statusCode, 401);

    const second = await signedIn();
    const refresh = second.client.cookies.get('refresh_token')!.value;
    await second.client.get('/dashboard');
    second.client.cookies.delete('gatehouse_session');
    const csrf = second.client.csrf!;
    const moved = await second.client.post('/logout', { _csrf: csrf });
    assert.equal(moved.statusCode, 307);
    const done = await second.client.follow(moved, { _csrf: csrf });
    assert.match(textOf(done.body), /You are signed out/);
    assert.equal(second.client.cookies.has('refresh_token'), false);
    const reuse = await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refresh_token: refresh } });
    assert.equal(reuse.statusCode, 401);
  });
});

describe('pages: social sign-in buttons', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { OAUTH_GITHUB_CLIENT_ID: 'gh-client', OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret-value' } });
  });
  after(() => t.close());

  it('/login links every enabled provider to its authorize endpoint, carrying next as redirect_to', async () => {
    const client = new PageClient(t.app);
    const page = await client.get('/login?next=%2Faccount');
    assert.match(page.body, /<a class="button secondary block" href="\/api\/v1\/auth\/oauth\/github\/authorize\?redirect_to=%2Faccount">Continue with GitHub<\/a>/);
    const start = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/github/authorize?redirect_to=%2Faccount' });
    assert.equal(start.statusCode, 302);
    assert.match(String(start.headers.location), /^https:\/\/github\.com\/login\/oauth\/authorize\?/);
    // a failed provider round trip lands on /login?error=…, shown as a message
    assert.match(textOf((await client.get('/login?error=access_denied')).body), /Signing in with the provider did not work \(access_denied\)/);
  });
});
