/**
 * GitHub, Facebook and X (plain OAuth 2.0, no ID token) against local doubles of their token and
 * profile endpoints that answer as each provider documents (see social-helpers.ts for the URLs):
 * PKCE and the client's credentials are checked by the double, the profile fields mapped, and
 * only GitHub's verified primary address (from /user/emails) counts as verified.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemContext } from '../../src/request-context.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { cookieValue, eventually } from '../helpers/factories.js';
import { plainEnv, runFlow, startPlainPeer, type PlainPeer } from './social-helpers.js';

const clients = {
  github: { id: 'gh-client-id', secret: 'gh-client-secret-77' },
  facebook: { id: 'fb-app-id', secret: 'fb-app-secret-88' },
  twitter: { id: 'x-client-id', secret: 'x-client-secret-99' },
};

describe('GitHub, Facebook and X sign-in', () => {
  let t: TestContext;
  let log = '';
  const peers = {} as Record<keyof typeof clients, PlainPeer>;
  before(async () => {
    for (const kind of ['github', 'facebook', 'twitter'] as const) peers[kind] = await startPlainPeer(kind, clients[kind]);
    t = await buildTestContext({
      env: { ...plainEnv('github', peers.github, clients.github), ...plainEnv('facebook', peers.facebook, clients.facebook), ...plainEnv('twitter', peers.twitter, clients.twitter) },
      log: { level: 'warn', stream: { write: (line: string) => (log += line) } },
    });
  });
  after(async () => {
    await t.close();
    for (const peer of Object.values(peers)) await peer.stop();
  });

  async function signIn(provider: string): Promise<Record<string, unknown>> {
    const { authorize, callback } = await runFlow(t.app, provider);
    assert.equal(authorize.statusCode, 302, authorize.body);
    const q = new URL(authorize.headers.location as string).searchParams;
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.equal(q.get('nonce'), null, 'no nonce without OIDC');
    assert.equal(callback!.headers.location, '/dashboard', `${callback!.headers.location}`);
    const token = await t.app.inject({ method: 'POST', url: '/api/v1/auth/oauth/token', headers: { cookie: `refresh_token=${cookieValue(callback!)}` } });
    assert.equal(token.statusCode, 200, token.body);
    return token.json().user;
  }

  it('GitHub: the verified primary email from /user/emails, name and avatar from /user', async () => {
    peers.github.profile = { id: 583231, login: 'octocat', name: 'The Octocat', email: 'public@example.com', avatar_url: 'https://avatars.example/u/583231' };
    peers.github.emails = [
      { email: 'public@example.com', primary: false, verified: false, visibility: 'public' },
      { email: 'Octo@Example.com', primary: true, verified: true, visibility: 'private' },
    ];
    const user = await signIn('github');
    assert.equal(user.email, 'octo@example.com');
    assert.equal(user.email_verified, true);
    assert.equal(user.has_password, false);
    assert.equal(user.name, 'The Octocat');
    const tokenRequest = peers.github.seen.find((r) => r.path === '/token')!;
    assert.equal(tokenRequest.body.get('client_secret'), clients.github.secret, 'client_secret_post as GitHub documents');
    assert.ok(tokenRequest.body.get('code_verifier'));
    const identities = await t.services.oauth.listIdentities(user.id as string);
    assert.deepEqual(identities.map((i) => [i.provider, i.subject]), [['github', '583231']]);
  });

  it('GitHub: an unverified primary email is kept unverified', async () => {
    peers.github.profile = { id: 99, login: 'unverified-cat', name: null, avatar_url: null };
    peers.github.emails = [{ email: 'cat99@example.com', primary: true, verified: false, visibility: null }];
    const user = await signIn('github');
    assert.equal(user.email, 'cat99@example.com');
    assert.equal(user.email_verified, false);
    assert.equal(user.name, 'unverified-cat', 'the login when there is no name');
  });

  it('Facebook: /me fields with an appsecret_proof; its email never counts as verified', async () => {
    peers.facebook.profile = { id: '10158', name: 'Fay Book', email: 'fay@example.com', picture: { data: { url: 'https://fb.example/p.jpg' } } };
    const user = await signIn('facebook');
    assert.equal(user.email, 'fay@example.com');
    assert.equal(user.email_verified, false);
    assert.equal(user.name, 'Fay Book');
    const me = peers.facebook.seen.find((r) => r.path === '/me')!;
    assert.ok(me, 'the profile was read');
    // guards a token request Facebook does not take: its token endpoint is a GET with the parameters in the query
    const tokenRequest = peers.facebook.seen.find((r) => r.path === '/token')!;
    assert.equal(tokenRequest.method, 'GET');
    assert.equal(tokenRequest.query.get('client_secret'), clients.facebook.secret);
    assert.ok(tokenRequest.query.get('code') && tokenRequest.query.get('code_verifier'));
  });

  it('X: /2/users/me, HTTP Basic client authentication, no email without users.email', async () => {
    peers.twitter.profile = { id: '2244994945', name: 'X Dev', username: 'XDevelopers', profile_image_url: 'https://pbs.example/x.jpg' };
    const user = await signIn('twitter');
    assert.equal(user.email, null);
    assert.equal(user.email_verified, false);
    assert.equal(user.name, 'X Dev');
    const tokenRequest = peers.twitter.seen.find((r) => r.path === '/token')!;
    assert.match(String(tokenRequest.headers.authorization), /^Basic /);
    assert.equal(tokenRequest.body.get('client_secret'), null);
  });

  it('guards GitHub\'s refusal in an HTTP 200: a refused code exchange (a wrong client secret) → provider_error, nothing created, the cause logged', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/admin/oauth-providers' });
    assert.equal(res.statusCode, 401);
    await t.services.oauthProviders.create(systemContext, { id: 'github', clientId: clients.github.id, clientSecret: 'the-wrong-secret', authorizationUrl: `${peers.github.url}/authorize`, tokenUrl: `${peers.github.url}/token`, userinfoUrl: `${peers.github.url}/user` });
    try {
      peers.github.profile = { id: 4242, login: 'never' };
      const before = log.length;
      const profileReads = peers.github.seen.filter((r) => r.path === '/user').length;
      const { callback } = await runFlow(t.app, 'github');
      assert.equal(callback!.headers.location, '/login?error=provider_error');
      assert.equal((await t.app.inject({ method: 'GET', url: '/api/v1/auth/oauth/providers' })).statusCode, 200, 'still serving');
      await eventually(async () => log.slice(before).includes('oauth: a call to the provider failed'), 'the failed call logged', 2000);
      const line = log.slice(before).split('\n').find((l) => l.includes('oauth: a call to the provider failed'))!;
      assert.match(line, /"provider":"github"/);
      assert.match(line, /"step":"token"/);
      assert.match(line, /incorrect_client_credentials/, 'the provider\'s own error code is the cause');
      assert.ok(!line.includes('the-wrong-secret'));
      assert.equal(peers.github.seen.filter((r) => r.path === '/user').length, profileReads, 'no profile read after a refusal');
    } finally {
      await t.services.oauthProviders.delete(systemContext, 'github');
    }
  });
});
