/**
 * Bad input is a 4xx problem, never a 500 (docs/api.md): malformed JSON and wrong shapes →
 * 400 validation_error, a body over BODY_LIMIT_BYTES (2048 here) → 413 payload_too_large, an
 * unknown route or method → 404 not_found — all application/problem+json.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, PASSWORD, register, uniqueEmail } from '../helpers/factories.js';

describe('malformed input', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on', BODY_LIMIT_BYTES: '2048' } });
  });
  after(async () => {
    await t.close();
  });
  const post = (url: string, payload: string | Buffer, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': contentType }, payload });

  it('malformed JSON → 400 validation_error (problem+json, type /problems/validation_error)', async () => {
    for (const payload of ['{"login": ', '{login: "x"}', "{'login': 'x'}", '{"login":"a","password":"b",}', 'not json', '\u0000']) {
      const body = expectProblem(await post('/api/v1/auth/login', payload), 400, 'validation_error');
      assert.equal(body.type, '/problems/validation_error');
      assert.ok(Array.isArray(body.errors), 'errors listed');
    }
  });

  it('wrong shapes → 400 validation_error: arrays, null, wrong types, __proto__', async () => {
    for (const payload of ['[]', 'null', '"login"', '42', '{"login":["a"],"password":"b"}', '{"login":"a","password":{"x":1}}']) {
      expectProblem(await post('/api/v1/auth/login', payload), 400, 'validation_error');
    }
    expectProblem(await post('/api/v1/auth/login', '{"__proto__":{"admin":true},"login":"a","password":"b"}'), 400, 'validation_error');
  });

  it('a body the JSON parser is not for → 400 validation_error, not 500', async () => {
    expectProblem(await post('/api/v1/auth/login', 'login=a&password=b', 'text/plain'), 400, 'validation_error');
    const res = await post('/api/v1/auth/login', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `invalid UTF-8: ${res.statusCode}`);
  });

  it('a body over BODY_LIMIT_BYTES → 413 payload_too_large (JSON and form)', async () => {
    const big = JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(3000) });
    expectProblem(await post('/api/v1/auth/register', big), 413, 'payload_too_large');
    expectProblem(await post('/api/v1/auth/login', `login=a&password=${'x'.repeat(3000)}`, 'application/x-www-form-urlencoded'), 413, 'payload_too_large');
    const under = JSON.stringify({ login: `${'n'.repeat(200)}@example.com`, password: 'x'.repeat(1000) });
    assert.ok(Buffer.byteLength(under) > 1024 && Buffer.byteLength(under) < 2048);
    expectProblem(await post('/api/v1/auth/login', under), 401, 'invalid_credentials');
  });

  it('a NUL character (U+0000, which PostgreSQL text cannot hold) → 400 validation_error naming the field', async () => {
    const login = expectProblem(await post('/api/v1/auth/login', JSON.stringify({ login: 'al\u0000ice', password: 'x' })), 400, 'validation_error');
    assert.deepEqual(login.errors, [{ field: 'login', message: 'must not contain the NUL character (U+0000)' }]);
    const reg = expectProblem(await post('/api/v1/auth/register', JSON.stringify({ email: uniqueEmail(), password: PASSWORD, name: 'a\u0000b' })), 400, 'validation_error');
    assert.equal(reg.errors?.[0]?.field, 'name');
    expectProblem(await post('/api/v1/auth/register', JSON.stringify({ email: 'n\u0000ul@example.com', password: PASSWORD })), 400, 'validation_error');
    const u = await register(t.app);
    const patch = await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: bearer(u.accessToken), payload: { name: 'a\u0000b' } });
    expectProblem(patch, 400, 'validation_error');
    const query = expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/products?q=a%00b', headers: bearer(u.accessToken) }), 400, 'validation_error');
    assert.equal(query.errors?.[0]?.field, 'q');
  });

  it('deeply nested JSON (thousands of levels in a few kilobytes) → 400, not a stack overflow', async () => {
    const depth = 20_000;
    for (const nested of ['['.repeat(depth) + ']'.repeat(depth), '{"b":'.repeat(depth) + '1' + '}'.repeat(depth)]) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: `{"login":"a","password":"b","a":${nested}}` });
      assert.equal(res.statusCode, 413, 'over BODY_LIMIT_BYTES here');
    }
    const big = await buildTestContext({ env: { BODY_LIMIT_BYTES: '200000' } });
    try {
      for (const nested of ['['.repeat(depth) + ']'.repeat(depth), '{"b":'.repeat(depth) + '"\u0000"' + '}'.repeat(depth)]) {
        for (const url of ['/api/v1/auth/login', '/api/v1/auth/register']) {
          const res = await big.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: `{"a":${nested}}` });
          expectProblem(res, 400, 'validation_error');
        }
      }
    } finally {
      await big.close();
    }
  });

  it('a UUID with a urn:uuid: prefix (which PostgreSQL refuses) → 400 validation_error, not 500', async () => {
    const u = await register(t.app);
    for (const id of ['urn:uuid:00000000-0000-4000-8000-000000000000', 'URN:UUID:00000000-0000-4000-8000-000000000000', '{00000000-0000-4000-8000-000000000000}']) {
      expectProblem(await t.app.inject({ method: 'GET', url: `/api/v1/products/${encodeURIComponent(id)}`, headers: bearer(u.accessToken) }), 400, 'validation_error');
      expectProblem(await t.app.inject({ method: 'DELETE', url: `/api/v1/auth/sessions/${encodeURIComponent(id)}`, headers: bearer(u.accessToken) }), 400, 'validation_error');
      expectProblem(await t.app.inject({ method: 'GET', url: `/api/v1/products?seller_id=${encodeURIComponent(id)}`, headers: bearer(u.accessToken) }), 400, 'validation_error');
    }
  });

  it('JSON in: a form-encoded sign-in is refused (400), so another site cannot post one without a preflight', async () => {
    const u = await register(t.app);
    const form = await post('/api/v1/auth/login', `login=${encodeURIComponent(u.email)}&password=${PASSWORD}`, 'application/x-www-form-urlencoded');
    expectProblem(form, 400, 'validation_error');
    assert.equal(form.cookies.length, 0);
  });

  it('a failing union reports the field, not every branch of the schema', async () => {
    const res = expectProblem(await post('/api/v1/auth/refresh', JSON.stringify({ refresh_token: 5 })), 400, 'validation_error');
    assert.deepEqual(res.errors, [{ field: 'refresh_token', message: 'must be string' }]);
  });

  it('unknown routes and methods → 404 not_found', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' }), 404, 'not_found');
    expectProblem(await t.app.inject({ method: 'GET', url: '/nothing-here' }), 404, 'not_found');
    expectProblem(await t.app.inject({ method: 'POST', url: '/api/v1/auth/nope', payload: {} }), 404, 'not_found');
    expectProblem(await t.app.inject({ method: 'PUT', url: '/api/v1/auth/login', payload: {} }), 404, 'not_found');
    expectProblem(await t.app.inject({ method: 'GET', url: '/api/v1/auth/login' }), 404, 'not_found');
  });
});
