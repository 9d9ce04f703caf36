/**
 * Guards #16's fifth finding: `Cache-Control: no-store` was decided on the raw URL, so
 * /%61pi/v1/auth/login — which reaches the login route — answered without it. It is decided on the
 * matched route now (and on the decoded path for unmatched ones).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { PASSWORD, register } from '../helpers/factories.js';

describe('Cache-Control on API answers', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('a percent-encoded path to the login route carries no-store, tokens and all', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({ method: 'POST', url: '/%61pi/v1/auth/login', payload: { login: u.email, password: PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().access_token);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  it('unmatched API paths too, encoded or not; JWKS keeps its own caching', async () => {
    for (const url of ['/api/v1/nope', '/%61pi/v1/nope']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404);
      assert.equal(res.headers['cache-control'], 'no-store', url);
    }
    const jwks = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    assert.equal(jwks.headers['cache-control'], 'public, max-age=300');
  });
});
