/**
 * CORS (docs/security.md): an explicit allow-list (CORS_ORIGINS); listed origins get
 * Access-Control-Allow-Origin with credentials, on preflights and on actual requests; any other
 * origin gets no CORS headers at all (never `*`), and its preflight is answered (204) rather than
 * with a 404 problem (#16) — with or without CORS_ORIGINS — so the browser refuses the call itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, register } from '../helpers/factories.js';

const LISTED = 'https://app.example.com';

function assertNoCors(res: LightMyRequestResponse, label: string) {
  assert.equal(res.headers['access-control-allow-origin'], undefined, `${label}: no Access-Control-Allow-Origin`);
  assert.equal(res.headers['access-control-allow-credentials'], undefined, `${label}: no credentials`);
}

describe('CORS with CORS_ORIGINS', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { CORS_ORIGINS: `${LISTED},https://admin.example.com` } });
  });
  after(async () => {
    await t.close();
  });
  const preflight = (origin: string, method = 'POST', headers = 'content-type') =>
    t.app.inject({ method: 'OPTIONS', url: '/api/v1/auth/refresh', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers } });

  it('a preflight from a listed origin is allowed with credentials, for the headers the API needs', async () => {
    for (const origin of [LISTED, 'https://admin.example.com']) {
      const res = await preflight(origin, 'POST', 'authorization, content-type');
      assert.ok(res.statusCode === 200 || res.statusCode === 204, `${origin}: ${res.statusCode}`);
      assert.equal(res.headers['access-control-allow-origin'], origin);
      assert.equal(res.headers['access-control-allow-credentials'], 'true');
      assert.match(String(res.headers['access-control-allow-methods']), /POST/);
      assert.match(String(res.headers['access-control-allow-headers']).toLowerCase(), /authorization/);
      assert.match(String(res.headers.vary), /Origin/i);
    }
  });

  it('an actual request from a listed origin gets Allow-Origin and Allow-Credentials', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { ...bearer(u.accessToken), origin: LISTED } });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['access-control-allow-origin'], LISTED);
    assert.equal(res.headers['access-control-allow-credentials'], 'true');
  });

  it('other origins get nothing, on preflights and requests', async () => {
    const u = await register(t.app);
    for (const origin of ['http://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'https://APP.example.com:443x', 'null']) {
      const refused = await preflight(origin);
      assert.equal(refused.statusCode, 204, `preflight ${origin}: ${refused.statusCode} ${refused.body}`);
      assertNoCors(refused, `preflight ${origin}`);
      assertNoCors(await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { ...bearer(u.accessToken), origin } }), `GET ${origin}`);
    }
    assertNoCors(await t.app.inject({ method: 'GET', url: '/health' }), 'no Origin');
  });
});

describe('CORS without CORS_ORIGINS', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('a preflight is answered 204 without CORS headers, not with a 404 problem', async () => {
    const res = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/auth/login', headers: { origin: LISTED, 'access-control-request-method': 'POST' } });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(res.body, '');
    assertNoCors(res, 'preflight');
  });
});
