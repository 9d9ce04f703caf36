/** OAUTH_<ID>_* variables (docs/security.md): parsed by loadConfig, bad ones stop the start naming them. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { safeRedirectPath } from '../../src/http/redirect-target.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('OAuth settings', () => {
  it('one provider per id, multi-word ids included', () => {
    const config = loadConfig({ OAUTH_GITHUB_CLIENT_ID: 'a', OAUTH_GITHUB_CLIENT_SECRET: 'b', OAUTH_MY_IDP_CLIENT_ID: 'c', OAUTH_MY_IDP_ISSUER: 'https://idp.example/', OAUTH_MY_IDP_SCOPES: 'openid email,groups' });
    assert.deepEqual(config.oauthProviders.map((p) => [p.id, p.clientId, p.issuer, p.scopes]), [
      ['github', 'a', null, null],
      ['my_idp', 'c', 'https://idp.example', ['openid', 'email', 'groups']],
    ]);
  });

  it('a generic provider needs an issuer; a client id is required; http only outside production', () => {
    assert.ok(problems({ OAUTH_ACME_CLIENT_ID: 'x' }).some((p) => p.startsWith('OAUTH_ACME_ISSUER')));
    assert.ok(problems({ OAUTH_GITHUB_CLIENT_SECRET: 'x' }).some((p) => p.startsWith('OAUTH_GITHUB_CLIENT_ID')));
    assert.deepEqual(problems({ OAUTH_ACME_CLIENT_ID: 'x', OAUTH_ACME_ISSUER: 'http://127.0.0.1:9' }), []);
    const prod = problems({ NODE_ENV: 'production', OAUTH_ACME_CLIENT_ID: 'x', OAUTH_ACME_ISSUER: 'http://idp.example', OAUTH_GITHUB_CLIENT_ID: 'y', OAUTH_GITHUB_TOKEN_URL: 'http://proxy.example/token' });
    assert.ok(prod.some((p) => p.startsWith('OAUTH_ACME_ISSUER') && p.includes('https')));
    assert.ok(prod.some((p) => p.startsWith('OAUTH_GITHUB_TOKEN_URL')));
  });

  it('OAUTH_<ID>_LINK_BY_EMAIL: true by default, false turns linking by email off, anything else stops the start', () => {
    const config = loadConfig({ OAUTH_GITHUB_CLIENT_ID: 'a', OAUTH_ACME_CLIENT_ID: 'c', OAUTH_ACME_ISSUER: 'https://idp.example', OAUTH_ACME_LINK_BY_EMAIL: 'false' });
    assert.deepEqual(config.oauthProviders.map((p) => [p.id, p.linkByEmail]), [['acme', false], ['github', true]]);
    assert.ok(problems({ OAUTH_GITHUB_CLIENT_ID: 'a', OAUTH_GITHUB_LINK_BY_EMAIL: 'no' }).some((p) => p.startsWith('OAUTH_GITHUB_LINK_BY_EMAIL')));
  });

  it('redirect targets: same-origin paths only', () => {
    const origin = 'https://auth.example.com';
    assert.equal(safeRedirectPath('/a/b?c=1#d', origin), '/a/b?c=1#d');
    for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example', 'evil', '/\tx', '', null, undefined, `/${'a'.repeat(3000)}`]) {
      assert.equal(safeRedirectPath(bad, origin), null, String(bad));
    }
  });
});
