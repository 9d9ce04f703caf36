/**
 * Request ids (issue #21): every response names its request id in X-Request-Id; the same id is in
 * the access-log line and in a 5xx problem body, so an operator finds the cause from either. An id
 * passed by a trusted proxy (nginx's $request_id) is kept; from anyone else, or when it is not a
 * short safe token, it is replaced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, PASSWORD, register } from '../helpers/factories.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids behind a trusted proxy (TRUSTED_PROXIES=127.0.0.1)', () => {
  let t: TestContext;
  const lines: string[] = [];
  before(async () => {
    t = await buildTestContext({ env: { TRUSTED_PROXIES: '127.0.0.1' }, log: { level: 'info', stream: { write: (l: string) => lines.push(l) } } });
  });
  after(async () => {
    await t.close();
  });

  it('every response carries a fresh X-Request-Id, also errors and unknown routes', async () => {
    const ids = new Set<string>();
    for (const url of ['/health', '/api/v1/auth/me', '/no/such/route', '/.well-known/jwks.json']) {
      const res = await t.app.inject({ method: 'GET', url });
      const id = res.headers['x-request-id'];
      assert.match(String(id), UUID, url);
      ids.add(String(id));
    }
    assert.equal(ids.size, 4, 'one id per request');
  });

  it("keeps the proxy's id when it is a safe token, and says it in the access log", async () => {
    const id = 'f3b1c2d4e5a6978801234567890abcde';
    const res = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': id } });
    assert.equal(res.headers['x-request-id'], id);
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.request_id === id);
    assert.ok(line, 'the access line names the same id');
    assert.equal(line.url, '/health');
  });

  it('replaces an id that is too short, too long or carries other characters', async () => {
    for (const bad of ['abc', 'x'.repeat(129), '<script>alert(1)</script>', 'id with spaces 12345', 'a\u00e9bcdefghij']) {
      const res = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': bad } });
      assert.match(String(res.headers['x-request-id']), UUID, JSON.stringify(bad));
    }
  });

  it('a 500 problem body, the X-Request-Id header and the log line name the same id', async () => {
    const u = await register(t.app);
    lines.length = 0;
    await t.services.database.close();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { login: u.email, password: PASSWORD } });
    const body = expectProblem(res, 500, 'internal_error');
    assert.equal(body.request_id, res.headers['x-request-id']);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.request_id === body.request_id);
    assert.ok(logged.some((l) => l.level === 50), 'the error itself is logged under that id');
    assert.ok(logged.some((l) => l.status === 500), 'and the access line');
  });
});

describe('request ids without TRUSTED_PROXIES', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('an X-Request-Id sent by a client is not taken', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'f3b1c2d4e5a6978801234567890abcde' } });
    assert.match(String(res.headers['x-request-id']), UUID);
  });
});
