/**
 * What the ID token and userinfo say, scope by scope: `profile` → name, preferred_username,
 * picture, updated_at; `email` → email, email_verified; `roles` → roles; always sub, auth_time,
 * amr, sid, and the nonce sent; a claim whose value is null is left out; userinfo answers the same
 * scope claims for the access token's scopes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { api } from '../admin/admin-helpers.js';
import { authorization, browse, configFor, local, REDIRECT } from './oidc-helpers.js';

const PROFILE = ['name', 'preferred_username', 'picture', 'updated_at'];
const EMAIL = ['email', 'email_verified'];

describe('OIDC ID token and userinfo claims', () => {
  let t: TestContext;
  let admin: TestUser;
  let config: oidc.Configuration;

  /** signs the user in on a new browser and runs one authorization with these scopes (no consent page: skip_consent) */
  async function tokensFor(user: TestUser, scope: string) {
    const browser = new PageClient(t.app);
    await browser.signIn(user.email, user.password);
    const flow = await authorization(config, scope);
    const done = await browse(browser, await browser.get(local(flow.url.href)!));
    assert.ok(done.left?.startsWith(`${REDIRECT}?`), `back to the client: ${done.left ?? done.res.body.slice(0, 300)}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left!), { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
    return { tokens, claims: tokens.claims()!, nonce: flow.nonce };
  }

  before(async () => {
    t = await buildTestContext();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    const client = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Claims', redirect_uris: [REDIRECT], scopes: ['openid', 'profile', 'email', 'roles'], skip_consent: true })).json();
    config = await configFor(t.app, client);
  });
  after(async () => {
    await t.close();
  });

  it('each scope brings its claims, in the ID token and at userinfo; openid alone brings none of them', async () => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-claims');
    const profile = await api(t.app, user.accessToken)('PATCH', '/auth/me', { name: 'Ada Lovelace', username: `ada${Date.now()}`, avatar_url: 'https://cdn.example.com/ada.png' });
    assert.equal(profile.statusCode, 200, profile.body);
    const view = profile.json<{ name: string; username: string; avatar_url: string; email: string; email_verified: boolean; updated_at: string; roles: string[] }>();

    const all = await tokensFor(user, 'openid profile email roles');
    const c = all.claims;
    assert.equal(c.sub, user.id);
    assert.equal(c.name, 'Ada Lovelace');
    assert.equal(c.preferred_username, view.username);
    assert.equal(c.picture, 'https://cdn.example.com/ada.png');
    assert.equal(c.updated_at, Math.floor(Date.parse(view.updated_at) / 1000), 'updated_at in seconds');
    assert.equal(c.email, user.email);
    assert.equal(c.email_verified, view.email_verified);
    assert.deepEqual(c.roles, ['user']);
    assert.equal(c.nonce, all.nonce);
    assert.equal(typeof c.auth_time, 'number');
    assert.deepEqual(c.amr, ['pwd'], 'signed in with a password');
    assert.equal(typeof c.sid, 'string', 'the provider session id');
    assert.ok((c.sid as string).length > 0);

    const info = await oidc.fetchUserInfo(config, all.tokens.access_token, user.id);
    for (const key of ['sub', ...PROFILE, ...EMAIL, 'roles']) assert.deepEqual(info[key], c[key], `userinfo ${key}`);

    const emailOnly = await tokensFor(user, 'openid email');
    for (const key of EMAIL) assert.ok(key in emailOnly.claims, `email scope: ${key}`);
    for (const key of [...PROFILE, 'roles']) assert.equal(emailOnly.claims[key], undefined, `email scope: no ${key}`);
    const emailInfo = await oidc.fetchUserInfo(config, emailOnly.tokens.access_token, user.id);
    assert.deepEqual(Object.keys(emailInfo).sort(), ['email', 'email_verified', 'sub']);

    const bare = await tokensFor(user, 'openid');
    for (const key of [...PROFILE, ...EMAIL, 'roles']) assert.equal(bare.claims[key], undefined, `openid alone: no ${key}`);
    assert.equal(bare.claims.sub, user.id);
    assert.deepEqual(Object.keys(await oidc.fetchUserInfo(config, bare.tokens.access_token, user.id)), ['sub']);
  });

  it('a claim whose value is null is left out (not sent as null)', async () => {
    const user = await userWithRoles(t.app, ['user'], 'oidc-nulls');
    const { claims, tokens } = await tokensFor(user, 'openid profile email');
    for (const key of ['name', 'preferred_username', 'picture']) assert.ok(!(key in claims), `no ${key} in the ID token`);
    assert.equal(typeof claims.updated_at, 'number');
    assert.equal(claims.email, user.email);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    for (const key of ['name', 'preferred_username', 'picture']) assert.ok(!(key in info), `no ${key} at userinfo`);
    assert.equal(typeof info.updated_at, 'number');
  });
});
