/**
 * Linking rules and identities, with a real OIDC provider: a verified provider email equal to a
 * verified account email links (account takeover defences: see oauth.account-takeover.test.ts);
 * an unverified one never does (nor takes the address);
 * link mode for a signed-in user; an identity linked to one account cannot be linked to another;
 * unlinking never leaves an account without a way in (409 last_login_method); password-less
 * accounts set a password or delete themselves only from a fresh session (10 minutes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, cookieValue, login, OTHER_PASSWORD, register, uniqueEmail } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';
import type { UserView } from '../../src/users/users-schemas.js';
import { OffsetClock, oidcEnv, runFlow, startOidcPeer, type OidcPeer } from './social-helpers.js';
import { claimsOf, enableTotp } from '../mfa/mfa-helpers.js';
import { totpCode } from '../../src/mfa/totp.js';

interface Token {
  access_token: string;
  user: UserView;
}
type Identity = { id: string; provider: string; subject: string; email: string | null; created_at: string };

describe('OAuth linking and identities', () => {
  let t: TestContext;
  let peer: OidcPeer;
  const clock = new OffsetClock();
  before(async () => {
    peer = await startOidcPeer();
    t = await buildTestContext({ clock, env: { ...oidcEnv('acme', peer), ...oidcEnv('other', peer) } });
  });
  after(async () => {
    await t.close();
    await peer.stop();
  });

  async function signIn(provider = 'acme'): Promise<{ location: string; token: Token | null }> {
    const { callback } = await runFlow(t.app, provider);
    const refresh = cookieValue(callback!);
    if (!refresh) return { location: callback!.headers.location as string, token: null };
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token', headers: { cookie: `refresh_token=${refresh}` } });
    return { location: callback!.headers.location as string, token: res.json() as Token };
  }

  async function verifiedUser(email: string) {
    const u = await register(t.app, { email });
    await t.services.users.updateByAdmin(systemContext, u.id, { emailVerified: true });
    return u;
  }

  it('a verified provider email equal to a verified account email links to that account', async () => {
    const email = uniqueEmail('link');
    const u = await verifiedUser(email);
    peer.claims = { sub: 'sub-verified', email: email.toUpperCase(), email_verified: true };
    const { token } = await signIn();
    assert.equal(token!.user.id, u.id);
    assert.equal(token!.user.has_password, true);
    const ids = await t.app.inject({ method: 'GET', url: '/api/v1/auth/identities', headers: bearer(u.accessToken) });
    assert.deepEqual((ids.json().items as Identity[]).map((i) => i.subject), ['sub-verified']);
    const linked = (await t.services.audit.list({ userId: u.id, type: 'identity.linked' }, { limit: 5, cursor: null })).items;
    assert.equal(linked[0]!.data.via, 'verified_email');
  });

  it('an account with a second factor: the provider is the first step only; the second step finishes the sign-in (amr otp+mfa)', async () => {
    const email = uniqueEmail('mfa');
    const u = await verifiedUser(email);
    const totpClock = { now: () => clock.now(), advance: (ms: number) => (clock.offsetMs += ms) };
    const withTotp = await enableTotp(t.app, u, totpClock);
    peer.claims = { sub: 'sub-mfa', email, email_verified: true };
    // an account with a second factor is never linked by email: its owner links from a session
    const linked = await runFlow(t.app, 'acme', { query: '?mode=link', headers: bearer(u.accessToken) });
    assert.equal(linked.callback!.headers.location, '/dashboard', linked.callback!.body);
    const { callback } = await runFlow(t.app, 'acme');
    assert.equal(callback!.statusCode, 302);
    assert.equal(callback!.headers.location, '/login/mfa?next=%2Fdashboard', 'on to the second-step page');
    assert.equal(cookieValue(callback!), null, 'no refresh cookie before the second step');
    const mfaCookie = callback!.cookies.find((c) => c.name === 'gatehouse_mfa');
    assert.ok(mfaCookie?.value && mfaCookie.httpOnly && mfaCookie.path === '/login' && mfaCookie.maxAge === 300, JSON.stringify(mfaCookie));
    const sessions = await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(u.accessToken) });
    assert.equal((sessions.json().items as unknown[]).length, 1, 'no session yet: only the password one');

    const second = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login/mfa', payload: { mfa_token: mfaCookie.value, code: totpCode(withTotp.secret, clock.now()) } });
    assert.equal(second.statusCode, 200, second.body);
    const token = second.json() as Token;
    assert.equal(token.user.id, u.id);
    assert.deepEqual(claimsOf(token.access_token).amr, ['otp', 'mfa']);
    const succeeded = (await t.services.audit.list({ userId: u.id, type: 'login.succeeded' }, { limit: 5, cursor: null })).items;
    assert.equal(succeeded[0]!.data.method, 'otp', 'recorded once the second step succeeds');
  });

  it('an unverified provider email never links (and does not take the address): email_taken', async () => {
    const email = uniqueEmail('unv');
    const u = await verifiedUser(email);
    peer.claims = { sub: 'sub-unverified', email, email_verified: false };
    const { location } = await signIn();
    assert.equal(location, '/login?error=email_taken');
    assert.deepEqual(await t.services.oauth.listIdentities(u.id), []);
    // a verified provider email, but the account never verified its address: no link either
    const email2 = uniqueEmail('unv2');
    const u2 = await register(t.app, { email: email2 });
    peer.claims = { sub: 'sub-unverified-2', email: email2, email_verified: true };
    assert.equal((await signIn()).location, '/login?error=email_taken');
    assert.deepEqual(await t.services.oauth.listIdentities(u2.id), []);
  });

  it('link mode: a signed-in user links another provider; the identity cannot then be linked to someone else', async () => {
    const u = await register(t.app);
    peer.claims = { sub: 'sub-linkmode', email: 'someone-else@example.com', email_verified: false };
    const noToken = await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/other/authorize?mode=link' });
    assert.equal(noToken.statusCode, 401);
    const linked = await runFlow(t.app, 'other', { query: '?mode=link&redirect_to=/account', headers: bearer(u.accessToken) });
    assert.equal(linked.callback!.headers.location, '/account', linked.callback!.body);
    assert.equal(cookieValue(linked.callback!), null, 'linking opens no session');
    const ids = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/identities', headers: bearer(u.accessToken) })).json().items;
    assert.deepEqual((ids as Identity[]).map((i) => [i.provider, i.subject]), [['other', 'sub-linkmode']]);
    assert.deepEqual(Object.keys(ids[0]).sort(), ['created_at', 'email', 'id', 'provider', 'subject']);

    const v = await register(t.app);
    const again = await runFlow(t.app, 'other', { query: '?mode=link', headers: bearer(v.accessToken) });
    assert.equal(again.callback!.headers.location, '/login?error=identity_in_use');
    assert.deepEqual(await t.services.oauth.listIdentities(v.id), []);
    // signing in with it reaches its owner
    assert.equal((await signIn('other')).token!.user.id, u.id);
  });

  it('unlink: never the last way in (409 last_login_method); another user\'s identity is 404', async () => {
    peer.claims = { sub: 'sub-only', email: uniqueEmail('only'), email_verified: true };
    const { token } = await signIn();
    const access = token!.access_token;
    const [only] = (await t.app.inject({ method: 'GET', url: '/api/v1/auth/identities', headers: bearer(access) })).json().items;
    const refused = await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/identities/${only.id}`, headers: bearer(access) });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'last_login_method');

    const stranger = await register(t.app);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/identities/${only.id}`, headers: bearer(stranger.accessToken) })).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/identities/not-a-uuid', headers: bearer(access) })).statusCode, 400);

    peer.claims = { sub: 'sub-second', email: 'x@example.com', email_verified: false };
    await runFlow(t.app, 'other', { query: '?mode=link', headers: bearer(access) });
    const ok = await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/identities/${only.id}`, headers: bearer(access) });
    assert.equal(ok.statusCode, 204);
    const events = (await t.services.audit.list({ userId: token!.user.id, type: 'identity.unlinked' }, { limit: 5, cursor: null })).items;
    assert.deepEqual(events[0]!.data, { identity_id: only.id, provider: 'acme' });

    // with a password, the only identity can go
    const u = await register(t.app);
    peer.claims = { sub: 'sub-pw', email: 'y@example.com', email_verified: false };
    await runFlow(t.app, 'acme', { query: '?mode=link', headers: bearer(u.accessToken) });
    const [id] = await t.services.oauth.listIdentities(u.id);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/identities/${id!.id}`, headers: bearer(u.accessToken) })).statusCode, 204);
  });

  it('password-less: a password is set without current_password only from a session younger than 10 minutes', async () => {
    const email = uniqueEmail('nopw');
    peer.claims = { sub: 'sub-nopw', email, email_verified: true };
    const { token } = await signIn();
    assert.equal(token!.user.has_password, false);
    assert.equal((await login(t.app, email)).json().code, 'invalid_credentials', 'no password sign-in yet');
    clock.offsetMs = 11 * 60_000;
    try {
      const stale = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token!.access_token), payload: { new_password: OTHER_PASSWORD } });
      assert.equal(stale.statusCode, 403, stale.body);
      assert.equal(stale.json().code, 'forbidden');
    } finally {
      clock.offsetMs = 0;
    }
    const fresh = await t.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token!.access_token), payload: { new_password: OTHER_PASSWORD } });
    assert.equal(fresh.statusCode, 200, fresh.body);
    assert.equal(fresh.json().user.has_password, true);
    assert.equal((await login(t.app, email, OTHER_PASSWORD)).statusCode, 200);
  });

  it('password-less: DELETE /account needs a fresh session, then deletes the account and its identities', async () => {
    peer.claims = { sub: 'sub-delete', email: uniqueEmail('del'), email_verified: true };
    const { token } = await signIn();
    clock.offsetMs = 11 * 60_000;
    try {
      const stale = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(token!.access_token) });
      assert.equal(stale.statusCode, 403);
    } finally {
      clock.offsetMs = 0;
    }
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(token!.access_token) });
    assert.equal(res.statusCode, 204, res.body);
    assert.deepEqual(await t.services.oauth.listIdentities(token!.user.id), []);
    // the identity is free again: signing in creates a new account
    const again = await signIn();
    assert.notEqual(again.token!.user.id, token!.user.id);
  });

  it('REGISTRATION=closed: a new identity is refused; a disabled account cannot sign in', async () => {
    const closed = await buildTestContext({ env: { ...oidcEnv('acme', peer), REGISTRATION: 'closed' } });
    try {
      peer.claims = { sub: 'sub-closed', email: uniqueEmail('closed'), email_verified: true };
      const { callback } = await runFlow(closed.app, 'acme');
      assert.equal(callback!.headers.location, '/login?error=registration_closed');
    } finally {
      await closed.close();
    }
    peer.claims = { sub: 'sub-disabled', email: uniqueEmail('dis'), email_verified: true };
    const { token } = await signIn();
    await t.services.users.updateByAdmin(systemContext, token!.user.id, { disabled: true });
    assert.equal((await signIn()).location, '/login?error=account_disabled');
  });
});
