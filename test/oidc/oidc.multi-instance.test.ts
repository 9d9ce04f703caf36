/**
 * Every instance can finish an OpenID Connect flow another started (grants, codes, tokens,
 * sessions and interactions live in the database): the authorization begins on one instance, the
 * sign-in and consent happen on another, the code is redeemed on a third; and a client disabled
 * through one instance is refused by the others within a second (they cache it for no longer).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildTestContext, redisUrl, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { injectFetch, ISSUER, REDIRECT } from './oidc-helpers.js';
import { api } from '../admin/admin-helpers.js';

const multi = Boolean(process.env.TEST_DATABASE_URL && redisUrl);


/** polls until `check` holds; fails after one second (docs/security.md's bound) plus scheduling slack */
async function withinOneSecond(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 1200;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('not seen on the other instance within one second');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function local(location: string): string | null {
  const url = new URL(location, ISSUER);
  return url.origin === ISSUER ? `${url.pathname}${url.search}` : null;
}

describe('OIDC across instances', { skip: !multi && 'needs TEST_DATABASE_URL and TEST_REDIS_URL' }, () => {
  let t: TestContext;
  let second: FastifyInstance;
  let third: FastifyInstance;
  let admin: TestUser;
  before(async () => {
    t = await buildTestContext();
    second = await t.startInstance();
    third = await t.startInstance();
    admin = await userWithRoles(t.app, ['admin'], 'admin');
  });
  after(async () => {
    await t.close();
  });

  it('begins on one instance, signs in and consents on another, redeems on a third', async () => {
    const client = (await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Spread', redirect_uris: [REDIRECT] })).json();
    const user = await userWithRoles(t.app, ['user'], 'oidc-multi');
    const instances = [t.app, second, third];
    let turn = 0;
    // one browser whose every request lands on the next instance (a round-robin balancer)
    const browsers = instances.map((app) => new PageClient(app));
    const shared = browsers[0]!.cookies;
    for (const b of browsers) Object.defineProperty(b, 'cookies', { value: shared });
    const next = () => browsers[turn++ % browsers.length]!;
    const follow = async (res: LightMyRequestResponse): Promise<{ res: LightMyRequestResponse; left: string | null }> => {
      for (let hops = 0; hops < 12; hops++) {
        if (res.statusCode < 300 || res.statusCode >= 400) return { res, left: null };
        const path = local(String(res.headers.location));
        if (!path) return { res, left: String(res.headers.location) };
        res = await next().get(path);
      }
      throw new Error('too many redirects');
    };

    await next().signIn(user.email, user.password);
    const config = await oidc.discovery(new URL(ISSUER), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret), { execute: [oidc.allowInsecureRequests], [oidc.customFetch]: injectFetch(third) });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'openid email', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state });
    const consent = await follow(await next().get(local(url.href)!));
    assert.equal(consent.res.statusCode, 200, consent.res.body.slice(0, 300));
    const action = /<form method="post" action="([^"]+)"/.exec(consent.res.body.split('<main')[1]!)![1]!;
    const poster = next();
    poster.csrf = /name="_csrf" value="([^"]+)"/.exec(consent.res.body.split('<main')[1]!)![1]!;
    const done = await follow(await poster.post(action, { decision: 'allow' }));
    assert.ok(done.left?.startsWith(`${REDIRECT}?`), `back to the client: ${done.left ?? done.res.body.slice(0, 300)}`);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(done.left!), { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.claims()?.sub, user.id);

    // disabled through the first instance: the third, which has just used (and cached) the client,
    // refuses it within a second (the invalidation bus; docs/security.md's bound)
    const redeem = () => third.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` }, payload: 'grant_type=authorization_code&code=x&redirect_uri=' + encodeURIComponent(REDIRECT) });
    assert.equal((await redeem()).json().error, 'invalid_grant', 'the client is known to the third instance');
    assert.equal((await api(t.app, admin.accessToken)('PATCH', `/admin/oidc-clients/${client.client_id}`, { enabled: false })).statusCode, 200);
    await withinOneSecond(async () => (await redeem()).json().error === 'invalid_client');
  });
});
