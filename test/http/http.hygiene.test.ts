import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load-config.js';
import { baseTestEnv, buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { createTestDatabase } from '../helpers/test-database.js';
import { bearer, login, OTHER_PASSWORD, PASSWORD, register } from '../helpers/factories.js';
import { MemoryStore } from '../../src/cache/memory-store.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('HTTP hygiene', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on', BODY_LIMIT_BYTES: '2048', CORS_ORIGINS: 'https://app.example.com' } });
  });
  after(async () => {
    await t.close();
  });

  it('bad input never gives a 500: malformed JSON, big bodies, unknown routes, bad encodings', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"login": ' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'validation_error');
    assert.match(String(bad.headers['content-type']), /^application\/problem\+json/);
    const big = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'a@b.co', password: 'x'.repeat(3000) } });
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().code, 'payload_too_large');
    const unknown = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().type, '/problems/not_found');
    for (const url of ['/api/v1/auth/sessions/%E0%A4%A', '/api/v1/products/%zz', '/%', '/api/v1/auth/me?x=%ZZ']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`);
    }
    const form = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    assert.equal(form.statusCode, 400);
  });

  it('an over-long URL over real HTTP gets a 4xx, not a 500', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as { port: number };
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: `/api/v1/${'a'.repeat(20_000)}` }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.ok(status >= 400 && status < 500, `status ${status}`);
  });

  it('security headers on every response; HSTS only for an https PUBLIC_URL', async () => {
    for (const url of ['/health', '/api/v1/auth/me', '/nope']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.ok(res.headers['referrer-policy']);
      assert.equal(res.headers['strict-transport-security'], undefined);
    }
    const docs = await t.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(docs.statusCode, 200);
    assert.match(String(docs.headers['content-security-policy']), /script-src 'self'/);
    const https = await buildTestContext({ env: { PUBLIC_URL: 'https://auth.example.com' } });
    try {
      assert.match(String((await https.app.inject({ method: 'GET', url: '/health' })).headers['strict-transport-security']), /max-age=/);
    } finally {
      await https.close();
    }
  });

  it('CORS: listed origins get credentials, others nothing', async () => {
    const ok = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/auth/refresh', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' } });
    assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
    assert.equal(ok.headers['access-control-allow-credentials'], 'true');
    const evil = await t.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
  });

  it('OpenAPI 3.1 from the validating schemas, docs, health endpoints', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    const loginOp = doc.paths['/api/v1/auth/login'].post;
    assert.ok(loginOp.requestBody.content['application/json'].schema.properties.password);
    assert.ok(doc.paths['/api/v1/products/{id}'].patch);
    assert.ok(doc.paths['/api/v1/admin/users'].get);
    const health = (await t.app.inject({ method: 'GET', url: '/health' })).json();
    assert.equal(health.status, 'ok');
    assert.match(health.version, /^\d+\.\d+\.\d+/);
    assert.equal((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().checks.database, 'ok');
    if (process.env.TEST_REDIS_URL) assert.equal(ready.json().checks.redis, 'ok');
  });
});

describe('secrets never reach the logs', () => {
  it('passwords, tokens, cookies and Authorization headers are absent from a trace-level log', async () => {
    let log = '';
    const stream = new Writable({ write(chunk, _enc, cb) { log += chunk.toString(); cb(); } });
    const db = await createTestDatabase();
    const config = loadConfig({ ...baseTestEnv, LOG_LEVEL: 'trace', DATA_DIR: mkdtempSync(join(tmpdir(), 'gh-log-')), SECRETS_KEY: randomBytes(32).toString('base64') });
    const app = await buildApp(config, { database: await db.open(), store: new MemoryStore(), logTo: stream, logLevel: 'trace' });
    try {
      const u = await register(app);
      const l = (await login(app, u.email)).json();
      await app.inject({ method: 'POST', url: '/api/v1/auth/refresh', headers: { cookie: `refresh_token=${l.refresh_token}` } });
      await app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(l.access_token), payload: { current_password: PASSWORD, new_password: OTHER_PASSWORD } });
      await app.inject({ method: 'GET', url: `/verify?token=${l.refresh_token}&code=12345678` });
      assert.ok(log.length > 500, 'the log was written');
      for (const secret of [PASSWORD, OTHER_PASSWORD, u.accessToken, u.refreshToken, l.access_token, l.refresh_token, '12345678']) {
        assert.equal(log.includes(secret), false, `leaked: ${secret.slice(0, 12)}…`);
      }
    } finally {
      await app.close();
      await db.drop();
    }
  });
});
