/**
 * The OpenID Connect provider's discovery document: the issuer is PUBLIC_URL, jwks_uri is
 * Gatehouse's one key set, and it advertises exactly what Gatehouse supports (code flow only,
 * S256 only, the grant types, scopes and client authentication methods); errors at the library's
 * endpoints are OAuth JSON, not problem+json, with the headers every response carries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';

describe('OIDC discovery', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { RATE_LIMIT_API_IP: '2/60', RATE_LIMIT_OIDC_TOKEN_IP: '5/60' } });
  });
  after(async () => {
    await t.close();
  });

  it('advertises the issuer, the one key set and exactly the supported flows', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration', headers: { host: 'evil.example.com', 'x-forwarded-host': 'evil.example.com' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    const d = res.json();
    const issuer = 'http://localhost:8000';
    assert.equal(d.issuer, issuer);
    assert.equal(d.jwks_uri, `${issuer}/.well-known/jwks.json`);
    assert.deepEqual(d.response_types_supported, ['code']);
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    for (const g of ['authorization_code', 'refresh_token', 'client_credentials']) assert.ok(d.grant_types_supported.includes(g), g);
    assert.ok(!d.grant_types_supported.includes('implicit'));
    for (const s of ['openid', 'profile', 'email', 'offline_access', 'roles']) assert.ok(d.scopes_supported.includes(s), s);
    for (const m of ['client_secret_basic', 'client_secret_post', 'none']) assert.ok(d.token_endpoint_auth_methods_supported.includes(m), m);
    assert.ok(d.id_token_signing_alg_values_supported.includes(t.config.jwtAlg));
    for (const e of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'end_session_endpoint', 'revocation_endpoint', 'introspection_endpoint']) {
      assert.ok(typeof d[e] === 'string' && d[e].startsWith(`${issuer}/oidc/`), `${e}: ${d[e]}`);
    }
    assert.ok(!('registration_endpoint' in d), 'no dynamic registration: clients are managed by admins');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.ok(res.headers['content-security-policy']);
  });

  it('the key set it names verifies: the same JWKS as the API tokens', async () => {
    const jwks = (await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json();
    assert.ok(jwks.keys.some((k: { kid: string }) => k.kid === t.services.keys.activeKid()));
  });

  it("errors are OAuth JSON, not problem+json; bodies reach the library unparsed; no API rate limit, the token endpoint's own", async () => {
    for (let i = 0; i < 4; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials&client_id=nope&client_secret=nope' });
      assert.equal(res.statusCode, 401, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.json().error, 'invalid_client');
      assert.ok(!('code' in res.json()) && !('type' in res.json()), 'not problem+json');
    }
    const anonymous = await t.app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=password&username=a&password=b' });
    assert.equal(anonymous.statusCode, 400, anonymous.body);
    assert.equal(anonymous.json().error, 'invalid_request');
    assert.equal(typeof anonymous.json().error_description, 'string');
    // RATE_LIMIT_OIDC_TOKEN_IP (5/60 here): the sixth token request in the window, answered the OAuth way
    const limited = await t.app.inject({ method: 'POST', url: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' });
    assert.equal(limited.statusCode, 429, limited.body);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
    assert.equal(limited.json().error, 'temporarily_unavailable');
    assert.equal((await t.app.inject({ method: 'GET', url: '/.well-known/openid-configuration' })).statusCode, 200, 'discovery is not the token endpoint');
  });
});
