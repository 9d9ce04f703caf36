/**
 * Headers on every response (docs/security.md): X-Content-Type-Options: nosniff, X-Frame-Options: DENY,
 * a Referrer-Policy; a strict Content-Security-Policy on HTML; HSTS only when PUBLIC_URL is https.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, register } from '../helpers/factories.js';

const REFERRER_POLICIES = ['no-referrer', 'same-origin', 'strict-origin', 'strict-origin-when-cross-origin', 'no-referrer-when-downgrade', 'origin', 'origin-when-cross-origin'];

function assertBaseHeaders(res: LightMyRequestResponse, label: string) {
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${label}: X-Content-Type-Options`);
  assert.equal(res.headers['x-frame-options'], 'DENY', `${label}: X-Frame-Options`);
  assert.ok(REFERRER_POLICIES.includes(String(res.headers['referrer-policy'])), `${label}: Referrer-Policy ${res.headers['referrer-policy']}`);
}

describe('security headers with an http PUBLIC_URL', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(async () => {
    await t.close();
  });

  it('on every kind of response, and no HSTS', async () => {
    const u = await register(t.app);
    const responses: [string, LightMyRequestResponse][] = [
      ['200 JSON', await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u.accessToken) })],
      ['201', await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: `h${Date.now()}@example.com`, password: u.password } })],
      ['204', await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout' })],
      ['400', await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{' })],
      ['401', await t.app.inject({ method: 'GET', url: '/api/v1/auth/me' })],
      ['404', await t.app.inject({ method: 'GET', url: '/nope' })],
      ['health', await t.app.inject({ method: 'GET', url: '/health' })],
      ['jwks', await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })],
      ['openapi', await t.app.inject({ method: 'GET', url: '/openapi.json' })],
      ['docs', await t.app.inject({ method: 'GET', url: '/docs' })],
      ['preflight', await t.app.inject({ method: 'OPTIONS', url: '/api/v1/auth/me', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' } })],
    ];
    for (const [label, res] of responses) {
      assert.ok(res.statusCode < 500, `${label}: ${res.statusCode}`);
      assertBaseHeaders(res, label);
      assert.equal(res.headers['strict-transport-security'], undefined, `${label}: no HSTS over http`);
    }
  });

  it('HTML gets a strict Content-Security-Policy', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const csp = String(res.headers['content-security-policy'] ?? '');
    assert.match(csp, /default-src '(self|none)'/);
    assert.match(csp, /frame-ancestors 'none'/);
    const scriptSrc = /script-src ([^;]*)/.exec(csp)?.[1] ?? '';
    assert.ok(scriptSrc.length > 0, `script-src set: ${csp}`);
    assert.ok(!scriptSrc.includes("'unsafe-inline'") && !scriptSrc.includes("'unsafe-eval'") && !scriptSrc.includes('*'), `script-src strict: ${scriptSrc}`);
  });

  it('API responses are not cached', async () => {
    const u = await register(t.app);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(u.accessToken) });
    assert.match(String(res.headers['cache-control']), /no-store/);
  });
});

describe('security headers with an https PUBLIC_URL', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PUBLIC_URL: 'https://auth.example.com' } });
  });
  after(async () => {
    await t.close();
  });

  it('adds Strict-Transport-Security with a max-age, also to errors raised before routing', async () => {
    // '/%zz' and a 5 000-character path parameter are refused by the router (frameworkErrors)
    for (const url of ['/health', '/api/v1/auth/me', '/nope', '/%zz', `/api/v1/auth/sessions/${'a'.repeat(5000)}`]) {
      const res = await t.app.inject({ method: 'GET', url });
      assertBaseHeaders(res, url);
      const hsts = String(res.headers['strict-transport-security'] ?? '');
      const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
      assert.ok(maxAge >= 15_552_000, `${url.slice(0, 40)}: HSTS max-age ${hsts}`);
    }
  });

  it('the raw answer to an over-long URL carries HSTS too', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/api/v1/${'a'.repeat(20_000)}` }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      });
      req.on('error', reject);
      req.end();
    });
    assert.match(String(headers['strict-transport-security']), /max-age=\d+/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
  });
});
