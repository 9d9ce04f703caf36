/**
 * client_credentials at the OpenID Connect provider, driven by openid-client: an RFC 9068 JWT
 * access token (typ at+jwt; iss, sub = client_id, client_id, aud = TOKEN_AUDIENCE, scope,
 * permissions, iat, exp = ACCESS_TOKEN_TTL, jti) signed with Gatehouse's own keys and verified
 * from /.well-known/jwks.json; the requested scope is a subset of the client's permissions; the
 * grant, the secret, a disabled client and key rotation/revocation are honoured; and Gatehouse's
 * own API refuses these tokens as bearer tokens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { injectFetch, ISSUER } from './oidc-helpers.js';
import { api, me } from '../admin/admin-helpers.js';



describe('OIDC client_credentials', () => {
  let t: TestContext;
  let admin: TestUser;
  let machine: { client_id: string; client_secret: string };

  async function configFor(clientId: string, secret: string, post = false): Promise<oidc.Configuration> {
    return oidc.discovery(new URL(ISSUER), clientId, undefined, post ? oidc.ClientSecretPost(secret) : oidc.ClientSecretBasic(secret), {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: injectFetch(t.app),
    });
  }

  async function verify(token: string) {
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
    return jwtVerify(token, createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'gatehouse', typ: 'at+jwt' });
  }

  async function oauthError(promise: Promise<unknown>): Promise<string> {
    try {
      await promise;
    } catch (error) {
      // an OAuth error body, or a 401 challenge (WWW-Authenticate) naming the error
      const e = error as { error?: string; cause?: unknown };
      if (e.error) return e.error;
      const challenge = Array.isArray(e.cause) ? (e.cause[0] as { parameters?: { error?: string } } | undefined) : undefined;
      return challenge?.parameters?.error ?? String(error);
    }
    throw new Error('the grant succeeded');
  }

  before(async () => {
    t = await buildTestContext({ env: { ACCESS_TOKEN_TTL: '600', PRODUCTS: 'on' } });
    admin = await userWithRoles(t.app, ['admin'], 'admin');
    const res = await api(t.app, admin.accessToken)('POST', '/admin/oidc-clients', { name: 'Nightly job', grant_types: ['client_credentials'], permissions: ['products:read', 'users:admin'] });
    assert.equal(res.statusCode, 201, res.body);
    machine = res.json();
  });
  after(async () => {
    await t.close();
  });

  it('issues an RFC 9068 JWT with every permission the client holds when none is asked, verifiable from JWKS', async () => {
    const config = await configFor(machine.client_id, machine.client_secret);
    const tokens = await oidc.clientCredentialsGrant(config);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.refresh_token, undefined);
    assert.equal(tokens.id_token, undefined);
    assert.equal(tokens.expires_in, 600);
    const header = decodeProtectedHeader(tokens.access_token);
    assert.equal(header.typ, 'at+jwt');
    assert.equal(header.alg, t.config.jwtAlg);
    assert.equal(header.kid, t.services.keys.activeKid(), "signed with Gatehouse's active key");
    const { payload } = await verify(tokens.access_token);
    assert.equal(payload.iss, ISSUER);
    assert.equal(payload.sub, machine.client_id);
    assert.equal(payload.client_id, machine.client_id);
    assert.equal(payload.aud, 'gatehouse');
    assert.equal(payload.scope, 'products:read users:admin');
    assert.deepEqual(payload.permissions, ['products:read', 'users:admin']);
    assert.equal(payload.exp! - payload.iat!, 600);
    assert.equal(typeof payload.jti, 'string');
    assert.equal(payload.sid, undefined, 'no session');
    assert.match(await t.services.metrics.scrape(), /gatehouse_oidc_tokens_issued_total\{grant_type="client_credentials"\} [1-9]/, 'counted by grant type');
  });

  it('a requested subset (client_secret_post too); a permission it does not hold is invalid_scope', async () => {
    const tokens = await oidc.clientCredentialsGrant(await configFor(machine.client_id, machine.client_secret, true), { scope: 'products:read' });
    const { payload } = await verify(tokens.access_token);
    assert.equal(payload.scope, 'products:read');
    assert.deepEqual(payload.permissions, ['products:read']);
    const config = await configFor(machine.client_id, machine.client_secret);
    assert.equal(await oauthError(oidc.clientCredentialsGrant(config, { scope: 'products:read products:write' })), 'invalid_scope');
    assert.equal(await oauthError(oidc.clientCredentialsGrant(config, { scope: 'openid' })), 'invalid_scope');
    assert.equal(await oauthError(oidc.clientCredentialsGrant(config, { resource: 'https://elsewhere.example.com/api' })), 'invalid_target');
  });

  it("Gatehouse's own API refuses these tokens as bearer tokens", async () => {
    const tokens = await oidc.clientCredentialsGrant(await configFor(machine.client_id, machine.client_secret));
    const res = await me(t.app, tokens.access_token);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal((await api(t.app, tokens.access_token)('GET', '/admin/oidc-clients')).statusCode, 401, 'users:admin in the token grants nothing here');
  });

  it('a token of the at+jwt type is refused even when it carries a live session (the key set is shared)', async () => {
    const jwk = t.services.keys.activeSigningJwk()!;
    const claims = decodeJwt(admin.accessToken);
    const forged = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: jwk.alg, kid: jwk.kid, typ: 'at+jwt' })
      .sign(await importJWK(jwk, jwk.alg));
    assert.equal((await me(t.app, admin.accessToken)).statusCode, 200, 'the session is live');
    assert.equal((await me(t.app, forged)).statusCode, 401);
  });

  it('a client without the grant is unauthorized_client; a wrong, rotated-out or disabled client is invalid_client', async () => {
    const a = api(t.app, admin.accessToken);
    const web = (await a('POST', '/admin/oidc-clients', { name: 'Web app', redirect_uris: ['https://app.example.com/cb'], permissions: ['products:read'] })).json();
    assert.equal(await oauthError(oidc.clientCredentialsGrant(await configFor(web.client_id, web.client_secret))), 'unauthorized_client');

    const job = (await a('POST', '/admin/oidc-clients', { name: 'Other job', grant_types: ['client_credentials'], permissions: ['products:read'] })).json();
    assert.equal(await oauthError(oidc.clientCredentialsGrant(await configFor(job.client_id, 'not-the-secret'))), 'invalid_client');
    const rotated = (await a('POST', `/admin/oidc-clients/${job.client_id}/secret`)).json();
    assert.equal(await oauthError(oidc.clientCredentialsGrant(await configFor(job.client_id, job.client_secret))), 'invalid_client', 'the old secret stopped working');
    assert.ok((await oidc.clientCredentialsGrant(await configFor(job.client_id, rotated.client_secret))).access_token);
    assert.equal((await a('PATCH', `/admin/oidc-clients/${job.client_id}`, { enabled: false })).statusCode, 200);
    assert.equal(await oauthError(oidc.clientCredentialsGrant(await configFor(job.client_id, rotated.client_secret))), 'invalid_client', 'disabled: refused at once');
    assert.equal((await a('DELETE', `/admin/oidc-clients/${job.client_id}`)).statusCode, 204);
    assert.equal(await oauthError(oidc.clientCredentialsGrant(await configFor(job.client_id, rotated.client_secret))), 'invalid_client', 'deleted');
  });

  it('after keys rotate or revoke, tokens are signed with the new active key', async () => {
    const config = await configFor(machine.client_id, machine.client_secret);
    const before = decodeProtectedHeader((await oidc.clientCredentialsGrant(config)).access_token).kid;
    const rotatedTo = await t.services.keys.rotate();
    const afterRotate = (await oidc.clientCredentialsGrant(config)).access_token;
    assert.equal(decodeProtectedHeader(afterRotate).kid, rotatedTo);
    assert.notEqual(rotatedTo, before);
    await verify(afterRotate);
    const { rotatedTo: replacement } = await t.services.keys.revoke(rotatedTo);
    assert.ok(replacement);
    const afterRevoke = (await oidc.clientCredentialsGrant(config)).access_token;
    assert.equal(decodeProtectedHeader(afterRevoke).kid, replacement, 'the revoked key signs nothing more');
    await verify(afterRevoke);
  });
});
