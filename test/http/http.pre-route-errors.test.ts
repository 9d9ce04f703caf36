/**
 * Errors raised before any route runs (docs/api.md): bad percent-encoding and over-long URLs are a
 * 4xx, never a 500 — checked through app.inject and over a real socket (a 20 000-character URL is
 * refused by Node's HTTP parser before Fastify sees it) — and are problem+json like every error,
 * with the security headers of docs/security.md.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, register } from '../helpers/factories.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function rawRequest(port: number, path: string, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const BAD_URLS = ['/api/v1/auth/sessions/%E0%A4%A', '/api/v1/auth/sessions/%zz', '/%', '/api/v1/%E0%A4%A/hello'];
/** DELETE /sessions/{id} exists, so a 5 000-character id reaches the router's parameter limit */
const LONG_PARAM = `/api/v1/auth/sessions/${'a'.repeat(5000)}`;

describe('errors before routing', () => {
  let t: TestContext;
  let port: number;
  before(async () => {
    t = await buildTestContext();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await t.close();
  });

  it('bad percent-encoding in the path → 400 or 404, never 500 (anonymous and signed in)', async () => {
    const u = await register(t.app);
    for (const url of BAD_URLS) {
      for (const method of ['GET', 'DELETE'] as const) {
        for (const headers of [{}, bearer(u.accessToken)]) {
          const res = await t.app.inject({ method, url, headers });
          assert.ok([400, 404].includes(res.statusCode), `${method} ${url}: ${res.statusCode} ${res.body}`);
        }
      }
    }
    const query = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me?x=%ZZ', headers: bearer(u.accessToken) });
    assert.ok(query.statusCode < 500, `bad encoding in the query: ${query.statusCode}`);
  });

  it('a 20 000-character URL over real HTTP → 400 validation_error with errors[], not 431 or 500', async () => {
    for (const path of [`/api/v1/${'a'.repeat(20_000)}`, `/api/v1/auth/sessions/${'a'.repeat(20_000)}`, `/health?${'q'.repeat(20_000)}`]) {
      const res = await rawRequest(port, path);
      assert.equal(res.status, 400, `status ${res.status}`);
      const body = JSON.parse(res.body) as { status: number; code: string; errors?: unknown[] };
      assert.equal(body.status, 400);
      assert.equal(body.code, 'validation_error');
      assert.ok(Array.isArray(body.errors) && body.errors.length > 0, res.body);
    }
  });

  it('over-long path parameters and bad encodings over real HTTP → 4xx, not 500', async () => {
    for (const path of [LONG_PARAM, ...BAD_URLS]) {
      for (const method of ['GET', 'DELETE']) {
        const res = await rawRequest(port, path, method);
        assert.ok(res.status >= 400 && res.status < 500, `${method} ${path.slice(0, 40)}: ${res.status}`);
      }
    }
  });

  it('these answers are problem+json with a stable code (docs/api.md, error codes) and carry the security headers', async () => {
    const failures: string[] = [];
    const requests: [string, string][] = [...BAD_URLS.map((p): [string, string] => ['GET', p]), ['DELETE', LONG_PARAM], ['GET', `/api/v1/${'a'.repeat(20_000)}`]];
    for (const [method, path] of requests) {
      const res = await rawRequest(port, path, method);
      const label = `${method} ${path.slice(0, 40)} (${res.status})`;
      if (!String(res.headers['content-type']).startsWith('application/problem+json')) failures.push(`${label}: content-type ${res.headers['content-type']}`);
      else {
        const code = (JSON.parse(res.body) as { code?: string }).code;
        if (!['validation_error', 'not_found'].includes(code ?? '')) failures.push(`${label}: code ${code}`);
      }
      if (res.headers['x-content-type-options'] !== 'nosniff') failures.push(`${label}: no X-Content-Type-Options`);
      if (res.headers['x-frame-options'] !== 'DENY') failures.push(`${label}: no X-Frame-Options`);
      if (!res.headers['referrer-policy']) failures.push(`${label}: no Referrer-Policy`);
    }
    assert.deepEqual(failures, []);
  });
});
