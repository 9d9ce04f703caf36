/**
 * Sign-in with OpenID Connect against a real provider started here (oauth2-mock-server): a generic
 * provider found by discovery and Google (OAUTH_GOOGLE_ISSUER pointing at the same peer). The
 * authorize redirect carries state, PKCE S256 and a nonce kept in an HttpOnly cookie scoped to the
 * callback; the callback checks them and the ID token (signature, issuer, audience, expiry, nonce),
 * then creates a password-less user and sets the refresh cookie; POST /oauth/token exchanges it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, generateKeyPair } from 'jose';
import { sql } from 'kysely';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, cookieValue } from '../helpers/factories.js';
import { OffsetClock, oidcEnv, runFlow, startOidcPeer, type OidcPeer } from './social-helpers.js';

async function count(t: TestContext, table: 'identities' | 'users', where = sql`true`): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${where}`.execute(t.services.database.db);
  return r.rows[0]!.n;
}

describe('OIDC sign-in', () => {
  let t: TestContext;
  let peer: OidcPeer;
  const clock = new OffsetClock();
  before(async () => {
    peer = await startOidcPeer();
    t = await buildTestContext({ clock, env: { PRODUCTS: 'on', ...oidcEnv('acme', peer, { OAUTH_ACME_NAME: 'Acme SSO' }), ...oidcEnv('google', peer) } });
  });
  after(async () => {
    await t.close();
    await peer.stop();
  });

  it('lists the enabled providers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/providers' });
    assert.deepEqual(res.json(), { items: [{ id: 'acme', name: 'Acme SSO' }, { id: 'google', name: 'Google' }] });
  });

  it('authorize: 302 to the provider with state, PKCE S256 and nonce; the flow in an HttpOnly cookie on the callback path', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/acme/authorize' });
    assert.equal(res.statusCode, 302);
    const location = new URL(res.headers.location as string);
    assert.equal(`${location.origin}${location.pathname}`, `${peer.issuer}/authorize`);
    const q = location.searchParams;
    assert.equal(q.get('response_type'), 'code');
    assert.equal(q.get('client_id'), 'acmeclient');
    assert.equal(q.get('redirect_uri'), 'http://localhost:8000/api/v1/auth/oauth/acme/callback');
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(q.get('state')!.length >= 32 && q.get('nonce')!.length >= 32);
    assert.deepEqual(q.get('scope')!.split(' ').sort(), ['email', 'openid', 'profile']);
    const cookie = res.cookies.find((c) => c.name === 'oauth_flow')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.path, '/api/v1/auth/oauth/acme/callback');
    assert.equal(cookie.sameSite, 'Lax');
    assert.ok(cookie.maxAge! > 0 && cookie.maxAge! <= 600);
    assert.ok(!cookie.value.includes(q.get('state')!), 'the cookie is sealed, not the state in clear');
  });

  it('a first sign-in creates a password-less user, sets the refresh cookie and lands on /dashboard; /oauth/token gives the tokens', async () => {
    peer.claims = { sub: 'acme-alice', email: 'Alice.OIDC@example.com', email_verified: true, name: 'Alice' };
    const { callback } = await runFlow(t.app, 'acme');
    assert.equal(callback!.statusCode, 302, callback!.body);
    assert.equal(callback!.headers.location, '/dashboard');
    const refresh = cookieValue(callback!);
    assert.ok(refresh, 'refresh cookie set');
    const flowCleared = callback!.cookies.find((c) => c.name === 'oauth_flow');
    assert.equal(flowCleared?.value, '', 'the flow cookie is cleared');

    const token = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token', headers: { cookie: `refresh_token=${refresh}` } });
    assert.equal(token.statusCode, 200, token.body);
    const body = token.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.user.email, 'alice.oidc@example.com');
    assert.equal(body.user.has_password, false);
    assert.equal(body.user.email_verified, true);
    assert.equal(body.user.name, 'Alice');
    assert.deepEqual(body.user.roles, ['buyer']);
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(body.access_token) });
    assert.equal(me.statusCode, 200);

    const ids = await t.app.inject({ method: 'GET', url: '/api/v1/auth/identities', headers: bearer(body.access_token) });
    assert.equal(ids.statusCode, 200);
    assert.deepEqual(ids.json().items.map((i: Record<string, unknown>) => [i.provider, i.subject, i.email]), [['acme', 'acme-alice', 'alice.oidc@example.com']]);

    const events = (await t.services.audit.list({ userId: body.user.id, type: null }, { limit: 20, cursor: null })).items;
    assert.deepEqual(events.map((e) => e.type).sort(), ['identity.linked', 'login.succeeded', 'user.created']);
    assert.equal(events.find((e) => e.type === 'login.succeeded')!.data.method, 'oauth:acme');
    assert.equal(events.find((e) => e.type === 'user.created')!.data.via, 'oauth');

    // the second sign-in with the same identity: the same user, nothing new
    const again = await runFlow(t.app, 'acme');
    assert.equal(again.callback!.statusCode, 302);
    const second = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token', headers: { cookie: `refresh_token=${cookieValue(again.callback!)}` } });
    assert.equal(second.json().user.id, body.user.id);
    assert.equal(await count(t, 'identities', sql`subject = 'acme-alice'`), 1);
  });

  it('google through OAUTH_GOOGLE_ISSUER', async () => {
    peer.claims = { sub: 'google-123', email: 'gina@example.com', email_verified: true };
    const { callback } = await runFlow(t.app, 'google');
    assert.equal(callback!.statusCode, 302, callback!.body);
    assert.equal(callback!.headers.location, '/dashboard');
    const events = (await t.services.audit.list({ userId: null, type: 'login.succeeded' }, { limit: 1, cursor: null })).items;
    assert.equal(events[0]!.data.method, 'oauth:google');
  });

  it('redirect_to: a same-origin path is followed, anything else ignored', async () => {
    peer.claims = { sub: 'acme-redirects', email: 'redir@example.com', email_verified: true };
    const cases: [string, string][] = [
      ['/products?page=2', '/products?page=2'],
      ['//evil.example/x', '/dashboard'],
      ['https://evil.example/x', '/dashboard'],
      ['/\\evil.example', '/dashboard'],
      ['javascript:alert(1)', '/dashboard'],
    ];
    for (const [target, landing] of cases) {
      const { callback } = await runFlow(t.app, 'acme', { query: `?redirect_to=${encodeURIComponent(target)}` });
      assert.equal(callback!.headers.location, landing, target);
    }
  });

  describe('ID token checks: nothing is created and the browser lands on /login?error=invalid_id_token', () => {
    const cases: [string, () => void][] = [
      ['a wrong nonce', () => (peer.claims = { sub: 'bad-nonce', email: 'bad1@example.com', email_verified: true, nonce: 'not-the-nonce' })],
      ['a wrong audience', () => (peer.claims = { sub: 'bad-aud', email: 'bad2@example.com', email_verified: true, aud: 'someone-else' })],
      ['an expired token', () => (peer.claims = { sub: 'bad-exp', email: 'bad3@example.com', email_verified: true, exp: Math.floor(Date.now() / 1000) - 120 })],
      ['a wrong issuer', () => (peer.claims = { sub: 'bad-iss', email: 'bad4@example.com', email_verified: true, iss: 'http://127.0.0.1:1' })],
    ];
    for (const [what, setup] of cases) {
      it(what, async () => {
        setup();
        const users = await count(t, 'users');
        const { callback } = await runFlow(t.app, 'acme');
        assert.equal(callback!.statusCode, 302);
        assert.equal(callback!.headers.location, '/login?error=invalid_id_token');
        assert.equal(cookieValue(callback!), null, 'no refresh cookie');
        assert.equal(await count(t, 'users'), users);
        assert.equal(await count(t, 'identities', sql`subject like 'bad-%'`), 0);
      });
    }

    it('a signature by a key the issuer does not publish', async () => {
      peer.claims = { sub: 'bad-sig', email: 'bad5@example.com', email_verified: true };
      const { privateKey } = await generateKeyPair('RS256');
      const forge = async (response: { body: Record<string, unknown> }) => {
        const [, payload] = (response.body.id_token as string).split('.');
        const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
        response.body.id_token = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'forged' }).sign(privateKey);
      };
      // beforeResponse is synchronous: sign ahead, then swap in
      let forged: string | null = null;
      peer.server.service.once('beforeResponse', (response: { body: Record<string, unknown> }) => {
        const original = response.body.id_token as string;
        response.body.id_token = forged ?? original;
      });
      const { authorize } = await (async () => {
        const started = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/acme/authorize' });
        return { authorize: started };
      })();
      const nonce = new URL(authorize.headers.location as string).searchParams.get('nonce')!;
      const template = { body: { id_token: `x.${Buffer.from(JSON.stringify({ iss: peer.issuer, sub: 'bad-sig', aud: 'acmeclient', nonce, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.x` } };
      await forge(template);
      forged = template.body.id_token;
      const atProvider = await fetch(authorize.headers.location as string, { redirect: 'manual' });
      const back = new URL(atProvider.headers.get('location')!);
      const flow = authorize.cookies.find((c) => c.name === 'oauth_flow')!.value;
      const callback = await t.app.inject({ method: 'GET', url: `${back.pathname}${back.search}`, headers: { cookie: `oauth_flow=${flow}` } });
      assert.equal(callback.headers.location, '/login?error=invalid_id_token');
      assert.equal(await count(t, 'identities', sql`subject = 'bad-sig'`), 0);
    });
  });

  describe('flow failures land on /login?error=<code>, are audited, create nothing', () => {
    it('a state that does not match the cookie, or no cookie at all → invalid_state', async () => {
      peer.claims = { sub: 'state-x', email: 'state@example.com', email_verified: true };
      const tampered = await runFlow(t.app, 'acme', { tamper: (q, c) => (q.set('state', 'A'.repeat(43)), c) });
      assert.equal(tampered.callback!.headers.location, '/login?error=invalid_state');
      const noCookie = await runFlow(t.app, 'acme', { tamper: () => null });
      assert.equal(noCookie.callback!.headers.location, '/login?error=invalid_state');
      const forged = await runFlow(t.app, 'acme', { tamper: (_q, c) => `${c!.slice(0, -4)}AAAA` });
      assert.equal(forged.callback!.headers.location, '/login?error=invalid_state');
      assert.equal(await count(t, 'identities', sql`subject = 'state-x'`), 0);
      const failed = (await t.services.audit.list({ userId: null, type: 'login.failed' }, { limit: 1, cursor: null })).items[0]!;
      assert.deepEqual(failed.data, { reason: 'invalid_state', method: 'oauth:acme' });
    });

    it('a flow older than ten minutes → flow_expired', async () => {
      const res = await runFlow(t.app, 'acme', { beforeCallback: () => void (clock.offsetMs += 601_000) });
      clock.offsetMs = 0;
      assert.equal(res.callback!.headers.location, '/login?error=flow_expired');
    });

    it('consent denied at the provider → access_denied; other provider errors → provider_error', async () => {
      peer.server.service.once('beforeAuthorizeRedirect', ({ url }: { url: URL }) => {
        url.searchParams.delete('code');
        url.searchParams.set('error', 'access_denied');
      });
      const denied = await runFlow(t.app, 'acme');
      assert.equal(denied.callback!.headers.location, '/login?error=access_denied');
      peer.server.service.once('beforeResponse', (response: { statusCode: number; body: unknown }) => {
        response.statusCode = 400;
        response.body = { error: 'invalid_grant' };
      });
      const broken = await runFlow(t.app, 'acme');
      assert.equal(broken.callback!.headers.location, '/login?error=provider_error');
    });

    it('an API client that asked for JSON gets problem+json instead of a redirect', async () => {
      const res = await runFlow(t.app, 'acme', { tamper: () => null, callbackHeaders: { accept: 'application/json' } });
      assert.equal(res.callback!.statusCode, 400);
      assert.match(String(res.callback!.headers['content-type']), /^application\/problem\+json/);
      assert.equal(res.callback!.json().code, 'validation_error');
    });

    it('an unknown provider → 404 not_found on authorize and callback', async () => {
      for (const path of ['authorize', 'callback?code=x&state=y']) {
        const res = await t.app.inject({ method: 'GET', url: `/api/v1/auth/oauth/nobody/${path}` });
        assert.equal(res.statusCode, 404);
        assert.equal(res.json().code, 'not_found');
      }
    });
  });

  it('POST /oauth/token: the cookie is required (401) and a foreign Origin is refused (403)', async () => {
    peer.claims = { sub: 'acme-origin', email: 'origin@example.com', email_verified: true };
    const { callback } = await runFlow(t.app, 'acme');
    const cookie = `refresh_token=${cookieValue(callback!)}`;
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'invalid_refresh_token');
    const foreign = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token', headers: { cookie, origin: 'https://evil.example' } });
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().code, 'forbidden');
    const own = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token', headers: { cookie, origin: 'http://localhost:8000' } });
    assert.equal(own.statusCode, 200, own.body);
  });

  it('concurrent first sign-ins with one identity create one user', async () => {
    peer.claims = { sub: 'acme-race', email: 'race@example.com', email_verified: true };
    const results = await Promise.all([runFlow(t.app, 'acme'), runFlow(t.app, 'acme'), runFlow(t.app, 'acme')]);
    for (const r of results) assert.equal(r.callback!.headers.location, '/dashboard', r.callback!.body);
    assert.equal(await count(t, 'identities', sql`subject = 'acme-race'`), 1);
    assert.equal(await count(t, 'users', sql`email = 'race@example.com'`), 1);
  });
});
