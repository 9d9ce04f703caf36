/**
 * Account-takeover defences of social sign-in, against a real OpenID Connect provider and a real
 * SMTP exchange: automatic linking by verified email never reaches an account with a second
 * factor or `users:admin`, nor any account through a provider with `link_by_email` off; linking
 * from a session (mode=link) needs a session younger than ten minutes that is still live when the
 * provider answers, and mails the owner; a redirect target is checked after normalisation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemContext } from '../../src/request-context.js';
import { bearer, cookieValue, register, userWithRoles, uniqueEmail, type TestUser } from '../helpers/factories.js';
import { withMail } from '../email-ownership/email-helpers.js';
import { enableTotp } from '../mfa/mfa-helpers.js';
import { OffsetClock, oidcEnv, runFlow, startOidcPeer, type OidcPeer } from './social-helpers.js';

describe('social sign-in: account takeover defences', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  let peer: OidcPeer;
  const clock = new OffsetClock();
  before(async () => {
    peer = await startOidcPeer();
    env = await withMail({ clock, env: { ...oidcEnv('acme', peer, { OAUTH_ACME_NAME: 'Acme SSO' }), ...oidcEnv('nolink', peer, { OAUTH_NOLINK_LINK_BY_EMAIL: 'false' }) } });
  });
  after(async () => {
    await env.close();
    await peer.stop();
  });

  const app = () => env.t.app;

  async function verified(user: TestUser): Promise<TestUser> {
    await env.t.services.users.updateByAdmin(systemContext, user.id, { emailVerified: true });
    return user;
  }

  it('guards admin takeover by an IdP claiming the admin\'s verified email: no link, the sign-in is refused (email_taken)', async () => {
    const admin = await verified(await userWithRoles(app(), ['admin'], 'admin'));
    peer.claims = { sub: 'claims-admin', email: admin.email, email_verified: true };
    const { callback } = await runFlow(app(), 'acme');
    assert.equal(callback!.headers.location, '/login?error=email_taken');
    assert.equal(cookieValue(callback!), null, 'no session');
    assert.deepEqual(await env.t.services.oauth.listIdentities(admin.id), []);
  });

  it('guards takeover of an account with a second factor: a verified email does not link it (email_taken)', async () => {
    const u = await verified(await register(app(), { email: uniqueEmail('mfa-owner') }));
    await enableTotp(app(), u, { now: () => clock.now(), advance: (ms: number) => (clock.offsetMs += ms) });
    peer.claims = { sub: 'claims-mfa', email: u.email, email_verified: true };
    const { callback } = await runFlow(app(), 'acme');
    assert.equal(callback!.headers.location, '/login?error=email_taken');
    assert.equal(callback!.cookies.find((c) => c.name === 'gatehouse_mfa'), undefined, 'not even a second step');
    assert.deepEqual(await env.t.services.oauth.listIdentities(u.id), []);
  });

  it('guards link_by_email=false (OAUTH_<ID>_LINK_BY_EMAIL): a new identity never joins an existing account by email', async () => {
    const u = await verified(await register(app(), { email: uniqueEmail('nolink') }));
    peer.claims = { sub: 'claims-nolink', email: u.email, email_verified: true };
    const refused = await runFlow(app(), 'nolink');
    assert.equal(refused.callback!.headers.location, '/login?error=email_taken');
    assert.deepEqual(await env.t.services.oauth.listIdentities(u.id), []);
    // the same claim through a provider that links by email (the default) does link
    peer.claims = { sub: 'claims-link', email: u.email, email_verified: true };
    const linked = await runFlow(app(), 'acme');
    assert.equal(linked.callback!.headers.location, '/dashboard');
    assert.deepEqual((await env.t.services.oauth.listIdentities(u.id)).map((i) => i.provider), ['acme']);
  });

  it('guards a stolen access token becoming a permanent login: mode=link needs a session younger than 10 minutes', async () => {
    const u = await register(app(), { email: uniqueEmail('stale') });
    peer.claims = { sub: 'claims-stale', email: 'someone@example.com', email_verified: false };
    const start = clock.offsetMs;
    clock.offsetMs += 11 * 60_000;
    try {
      const stale = await app().inject({ method: 'GET', url: '/api/v1/auth/oauth/acme/authorize?mode=link', headers: bearer(u.accessToken) });
      assert.equal(stale.statusCode, 302);
      assert.equal(stale.headers.location, '/login?error=reauthentication_required');
      assert.equal(stale.cookies.find((c) => c.name === 'oauth_flow'), undefined, 'no flow started');
      const json = await app().inject({ method: 'GET', url: '/api/v1/auth/oauth/acme/authorize?mode=link', headers: { ...bearer(u.accessToken), accept: 'application/json' } });
      assert.equal(json.statusCode, 403, json.body);
      assert.equal(json.json().code, 'forbidden');
    } finally {
      clock.offsetMs = start;
    }
    assert.deepEqual(await env.t.services.oauth.listIdentities(u.id), []);
  });

  it('a link from a fresh session mails the owner a notice naming the provider', async () => {
    const u = await register(app(), { email: uniqueEmail('notice') });
    peer.claims = { sub: 'claims-notice', email: 'other-address@example.com', email_verified: false };
    const linked = await runFlow(app(), 'acme', { query: '?mode=link&redirect_to=/account', headers: bearer(u.accessToken) });
    assert.equal(linked.callback!.headers.location, '/account', linked.callback!.body);
    assert.deepEqual((await env.t.services.oauth.listIdentities(u.id)).map((i) => i.subject), ['claims-notice']);
    const mail = await env.smtp.waitFor(u.email, /sign-in provider was connected/);
    assert.match(mail.text, /Acme SSO was connected to your account/);
    assert.match(mail.html, /<strong>Acme SSO<\/strong>/);
  });

  it('guards a link surviving "sign out everywhere": the session that started it must still be live when the provider answers', async () => {
    const u = await register(app(), { email: uniqueEmail('signout') });
    peer.claims = { sub: 'claims-signout', email: 'third@example.com', email_verified: false };
    const flow = await runFlow(app(), 'acme', {
      query: '?mode=link',
      headers: bearer(u.accessToken),
      beforeCallback: async () => {
        const out = await app().inject({ method: 'POST', url: '/api/v1/auth/logout-all', headers: bearer(u.accessToken) });
        assert.equal(out.statusCode, 204);
      },
    });
    assert.equal(flow.callback!.headers.location, '/login?error=reauthentication_required');
    assert.deepEqual(await env.t.services.oauth.listIdentities(u.id), []);
  });

  it('guards the open redirect after social sign-in: a target that normalises to another origin lands on /dashboard', async () => {
    for (const [i, target] of ['/.//evil.example/phish', '/%2e//evil.example/phish', '/a/..//evil.example', '/\\evil.example'].entries()) {
      peer.claims = { sub: `claims-redirect-${i}`, email: uniqueEmail('redirect'), email_verified: true };
      const { authorize, callback } = await runFlow(app(), 'acme', { query: `?redirect_to=${encodeURIComponent(target)}` });
      assert.equal(authorize.statusCode, 302);
      assert.equal(callback!.statusCode, 302);
      assert.equal(callback!.headers.location, '/dashboard', `${target} → ${callback!.headers.location}`);
      assert.ok(cookieValue(callback!), 'signed in, on this origin');
    }
  });
});
