/**
 * Guards against pre-registration hijacking (docs/security.md "Account takeover defences"): an attacker
 * registers the victim's address first and adds ways in (a linked identity, TOTP, a passkey); the
 * victim, who cannot register (email_taken), resets the password from the mailbox — by code or by
 * link — and that reset removes every way in the registrant set up, revokes every session, marks
 * the address verified, is audited and says so in its notice. An account whose address was
 * verified keeps its factors. Mail goes through a real SMTP sink, the IdP is a real OIDC peer.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { bearer, cookieValue, expectProblem, login, me, OTHER_PASSWORD, refresh, register, uniqueEmail, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { codeIn, linkTokenIn } from '../helpers/smtp-sink.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { addPasskey, enableTotp, post, type TotpUser } from '../mfa/mfa-helpers.js';
import { OffsetClock, oidcEnv, runFlow, startOidcPeer, type OidcPeer } from '../social/social-helpers.js';
import { withMail } from './email-helpers.js';

const ORIGIN = 'http://localhost:8000';

describe('password reset of an account whose address was never verified', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  let peer: OidcPeer;
  // wall time (the IdP signs real timestamps) that TOTP steps can be moved past
  const clock = new OffsetClock();
  const totpClock = { now: () => clock.now(), advance: (ms: number) => (clock.offsetMs += ms) };
  before(async () => {
    peer = await startOidcPeer();
    env = await withMail({ clock, env: { PUBLIC_URL: ORIGIN, RATE_LIMIT_RESET_IP: 'off', RATE_LIMIT_RESET_ID: 'off', ...oidcEnv('acme', peer) } });
  });
  after(async () => {
    await env.close();
    await peer.stop();
  });

  const app = () => env.t.app;
  const audit = async (userId: string, type: string) => (await env.t.services.audit.list({ userId, type }, { limit: 20, cursor: null })).items;

  interface Hijack {
    attacker: TotpUser;
    authenticator: SoftAuthenticator;
    subject: string;
  }

  /** the attacker registers `email` with a password, then adds TOTP, a passkey and a linked identity */
  async function hijack(email: string): Promise<Hijack> {
    const registered = await register(app(), { email });
    const attacker = await enableTotp(app(), registered, totpClock);
    const authenticator = new SoftAuthenticator(ORIGIN);
    await addPasskey(app(), attacker, authenticator, 'Attacker key');
    const subject = `attacker-${randomBytes(4).toString('hex')}`;
    peer.claims = { sub: subject, email, email_verified: false };
    const linked = await runFlow(app(), 'acme', { query: '?mode=link', headers: bearer(attacker.accessToken) });
    assert.equal(linked.callback!.headers.location, '/dashboard', linked.callback!.body);
    const ids = await app().inject({ method: 'GET', url: '/api/v1/auth/identities', headers: bearer(attacker.accessToken) });
    assert.equal((ids.json().items as unknown[]).length, 1);
    // the victim cannot register the address
    const taken = await app().inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: OTHER_PASSWORD } });
    expectProblem(taken, 409, 'email_taken');
    return { attacker, authenticator, subject };
  }

  /** every way in the attacker set up no longer opens the account; the owner signs in with the new password alone */
  async function assertLockedOut(email: string, h: Hijack): Promise<void> {
    const { attacker, authenticator, subject } = h;
    // sessions: the access token and the refresh token are dead
    assert.equal((await me(app(), attacker.accessToken)).statusCode, 401, 'the attacker session is revoked');
    assert.equal((await refresh(app(), { refresh_token: attacker.refreshToken })).statusCode, 401);
    // the attacker password
    expectProblem(await login(app(), email, attacker.password), 401, 'invalid_credentials');
    // the passkey, on its own (passwordless sign-in)
    const options = (await post(app(), '/api/v1/auth/login/passkey/options', null)).json() as { challenge_id: string; options: Parameters<SoftAuthenticator['authenticate']>[0] };
    const withKey = await post(app(), '/api/v1/auth/login/passkey', null, { challenge_id: options.challenge_id, response: authenticator.authenticate(options.options) });
    expectProblem(withKey, 401, 'invalid_credentials');
    // the linked identity: no longer linked, and its unverified email does not join the account
    peer.claims = { sub: subject, email, email_verified: false };
    const social = await runFlow(app(), 'acme');
    assert.equal(cookieValue(social.callback!), null, 'no session through the attacker identity');
    assert.equal(social.callback!.headers.location, '/login?error=email_taken');
    // the new password alone signs in: no second step (the attacker TOTP is gone)
    const signedIn = await login(app(), email, OTHER_PASSWORD);
    assert.equal(signedIn.statusCode, 200, signedIn.body);
    const body = signedIn.json();
    assert.equal(body.mfa_required, undefined, 'no second step: the attacker TOTP and passkey were removed');
    assert.equal(body.user.email_verified, true, 'the reset proved the address');
    assert.equal(body.user.mfa, false);
    const factors = (await app().inject({ method: 'GET', url: '/api/v1/auth/mfa', headers: bearer(body.access_token) })).json();
    assert.deepEqual(factors, { totp: false, recovery_codes_left: 0, passkeys: [] });
    const ids = await app().inject({ method: 'GET', url: '/api/v1/auth/identities', headers: bearer(body.access_token) });
    assert.deepEqual(ids.json().items, []);
    // audited, with the reason
    const userId = attacker.id;
    const unlinked = await audit(userId, 'identity.unlinked');
    assert.equal(unlinked.length, 1);
    assert.equal(unlinked[0]!.data.reason, 'unverified_reset');
    assert.equal(unlinked[0]!.data.provider, 'acme');
    const removedKeys = await audit(userId, 'passkey.removed');
    assert.equal(removedKeys.length, 1);
    assert.equal(removedKeys[0]!.data.reason, 'unverified_reset');
    const disabled = (await audit(userId, 'mfa.disabled')).filter((e) => e.data.reason === 'unverified_reset');
    assert.equal(disabled.length, 1);
    assert.equal(disabled[0]!.data.totp, true);
    const reset = await audit(userId, 'password.reset');
    assert.equal(reset[0]!.data.email_was_verified, false);
    // the notice says what was removed
    const notice = await env.smtp.waitFor(email, /other ways in were removed/);
    assert.match(notice.text, /sign-in with acme/);
    assert.match(notice.text, /authenticator app \(TOTP\)/);
    assert.match(notice.text, /passkey "Attacker key"/);
    assert.match(notice.text, /recovery codes \(10 left\)/);
    assert.match(notice.html, /Attacker key/);
  }

  it('by code: the attacker password, TOTP, passkey, identity and sessions stop working; audited; the notice lists them', async () => {
    const email = uniqueEmail('victim');
    const h = await hijack(email);
    assert.equal((await app().inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } })).statusCode, 202);
    const code = codeIn(await env.smtp.waitFor(email, /Reset your password/));
    const done = await app().inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email, code, new_password: OTHER_PASSWORD } });
    assert.equal(done.statusCode, 204, done.body);
    await assertLockedOut(email, h);
  });

  it('by the emailed link: the same', async () => {
    const email = uniqueEmail('victim-link');
    const h = await hijack(email);
    const client = new PageClient(app());
    await client.get('/forgot-password');
    await client.post('/forgot-password', { email });
    const token = linkTokenIn(await env.smtp.waitFor(email, /Reset your password/));
    await client.get(`/reset-password?token=${token}`);
    const done = await client.post('/reset-password', { token, new_password: OTHER_PASSWORD });
    assert.equal(done.statusCode, 303, done.body);
    await assertLockedOut(email, h);
  });

  it('an account an IdP created with the address unverified: the reset unlinks that identity', async () => {
    const email = uniqueEmail('victim-idp');
    const subject = `idp-${randomBytes(4).toString('hex')}`;
    peer.claims = { sub: subject, email, email_verified: false };
    const first = await runFlow(app(), 'acme');
    assert.notEqual(cookieValue(first.callback!), null, 'the attacker is signed in to the account the IdP made');
    const userId = (await env.t.services.users.findByEmail(email))!.id;
    await app().inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    const code = codeIn(await env.smtp.waitFor(email, /Reset your password/));
    const done = await app().inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email, code, new_password: OTHER_PASSWORD } });
    assert.equal(done.statusCode, 204, done.body);
    const again = await runFlow(app(), 'acme');
    assert.equal(cookieValue(again.callback!), null, 'the identity no longer signs in');
    const notice = await env.smtp.waitFor(email, /other ways in were removed/);
    assert.match(notice.text, /sign-in with acme/);
    assert.equal((await audit(userId, 'identity.unlinked')).length, 1);
  });
});

describe('password reset of an account whose address was verified', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  const clock = new OffsetClock();
  const totpClock = { now: () => clock.now(), advance: (ms: number) => (clock.offsetMs += ms) };
  before(async () => {
    env = await withMail({ clock, env: { PUBLIC_URL: ORIGIN, RATE_LIMIT_RESET_IP: 'off', RATE_LIMIT_RESET_ID: 'off' } });
  });
  after(() => env.close());

  async function verified(): Promise<TestUser> {
    const u = await register(env.t.app);
    const code = codeIn(await env.smtp.waitFor(u.email, /Verify/));
    const res = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', headers: bearer(u.accessToken), payload: { code } });
    assert.equal(res.json().email_verified, true, res.body);
    return u;
  }

  it('keeps its TOTP (only the sessions end); the usual notice', async () => {
    const u = await enableTotp(env.t.app, await verified(), totpClock);
    await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: u.email } });
    const code = codeIn(await env.smtp.waitFor(u.email, /Reset your password/));
    const done = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', payload: { email: u.email, code, new_password: OTHER_PASSWORD } });
    assert.equal(done.statusCode, 204, done.body);
    assert.equal((await me(env.t.app, u.accessToken)).statusCode, 401, 'sessions revoked');
    const signedIn = (await login(env.t.app, u.email, OTHER_PASSWORD)).json();
    assert.equal(signedIn.mfa_required, true, 'the second step stays');
    assert.deepEqual(signedIn.methods, ['totp', 'recovery_code']);
    await env.smtp.waitFor(u.email, /^Your password was reset · Gatehouse$/);
    assert.equal(env.smtp.to(u.email).filter((m) => /other ways in/.test(m.subject)).length, 0);
    const events = (await env.t.services.audit.list({ userId: u.id, type: 'mfa.disabled' }, { limit: 5, cursor: null })).items;
    assert.equal(events.length, 0);
  });
});
