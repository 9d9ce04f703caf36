/**
 * API description (docs/api.md): an OpenAPI 3.1 document at /openapi.json generated from the schemas
 * that validate requests, and interactive docs at /docs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';

interface Operation {
  requestBody?: { content: Record<string, { schema: { type?: string; properties?: Record<string, unknown>; required?: string[]; additionalProperties?: boolean } }> };
  responses?: Record<string, { content?: Record<string, unknown> }>;
  parameters?: { name: string; in: string; required?: boolean; schema?: { default?: unknown } }[];
}

describe('OpenAPI and docs', () => {
  let t: TestContext;
  let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components?: { securitySchemes?: Record<string, unknown> } };
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json();
  });
  after(async () => {
    await t.close();
  });

  it('is OpenAPI 3.1', () => {
    assert.match(doc.openapi, /^3\.1\./);
  });

  it('describes POST /api/v1/auth/login with the request body schema that validates it', () => {
    const op = doc.paths['/api/v1/auth/login']?.post;
    assert.ok(op, 'POST /api/v1/auth/login');
    const schema = op.requestBody?.content['application/json']?.schema;
    assert.ok(schema, 'a JSON request body schema');
    assert.deepEqual(Object.keys(schema.properties ?? {}).sort(), ['email', 'login', 'password']);
    assert.ok(schema.required?.includes('password'));
    assert.equal(schema.additionalProperties, false, 'strict, as validation is');
    for (const status of ['200', '401', '423', '429']) assert.ok(op.responses?.[status], `documents ${status}`);
  });

  it('paginated lists document limit as optional with its default; errors as application/problem+json', () => {
    for (const path of ['/api/v1/products', '/api/v1/admin/users', '/api/v1/admin/audit']) {
      const limit = doc.paths[path]?.get?.parameters?.find((p) => p.name === 'limit');
      assert.ok(limit, `${path} documents limit`);
      assert.equal(limit.required, false, `${path}: limit is optional`);
      assert.equal(limit.schema?.default, 20);
    }
    const unauthorized = doc.paths['/api/v1/auth/me']?.get?.responses?.['401'];
    assert.deepEqual(Object.keys(unauthorized?.content ?? {}), ['application/problem+json']);
  });

  it('lists the core auth endpoints', () => {
    const expected: [string, string][] = [
      ['/api/v1/auth/register', 'post'],
      ['/api/v1/auth/refresh', 'post'],
      ['/api/v1/auth/logout', 'post'],
      ['/api/v1/auth/logout-all', 'post'],
      ['/api/v1/auth/me', 'get'],
      ['/api/v1/auth/me', 'patch'],
      ['/api/v1/auth/sessions', 'get'],
      ['/api/v1/auth/sessions/{id}', 'delete'],
      ['/api/v1/auth/password', 'post'],
      ['/api/v1/auth/introspect', 'post'],
      ['/api/v1/hello', 'get'],
    ];
    for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
    assert.ok(doc.components?.securitySchemes?.bearer, 'bearer security scheme');
  });

  it('/docs answers 200 HTML', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /<html/i);
  });
});
