import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/load-config.js';
import { configTable } from '../../scripts/config-table.js';

describe('configuration', () => {
  it('defaults are the documented ones', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8000);
    assert.equal(c.publicUrl, 'http://localhost:8000');
    assert.equal(c.accessTokenTtl, 900);
    assert.equal(c.refreshTokenTtl, 604800);
    assert.equal(c.sessionMaxAge, 2592000);
    assert.equal(c.refreshReuseGrace, 10);
    assert.deepEqual([c.argon2MemoryKib, c.argon2TimeCost, c.argon2Parallelism], [19456, 2, 1]);
    assert.deepEqual(c.rateLimitLoginIp, { limit: 20, windowSeconds: 60 });
    assert.deepEqual(c.rateLimitApiIp, { limit: 600, windowSeconds: 60 });
    assert.equal(c.lockoutThreshold, 5);
    assert.equal(c.lockoutSeconds, 900);
    assert.equal(c.jwtAlg, 'ES256');
    assert.equal(c.cookieSecure, true);
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.rateLimitLoginIp) && Object.isFrozen(c.trustedProxies), 'frozen all the way down');
  });

  it('PUBLIC_URL unset follows PORT: tokens and mail links name the port the server listens on, not 8000', () => {
    const c = loadConfig({ PORT: '9100' });
    assert.equal(c.publicUrl, 'http://localhost:9100');
    assert.equal(c.publicOrigin, 'http://localhost:9100');
    assert.equal(loadConfig({ PORT: '9100', PUBLIC_URL: 'https://auth.example.com/' }).publicUrl, 'https://auth.example.com', 'a set PUBLIC_URL wins');
    assert.equal(loadConfig({ PORT: '9100', PUBLIC_URL: '' }).publicUrl, 'http://localhost:9100', 'empty is unset');
  });

  it('parses off, decimals and lists', () => {
    const c = loadConfig({ RATE_LIMIT_LOGIN_IP: 'off', LOCKOUT_MINUTES: '0.05', TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8', PUBLIC_URL: 'https://a.example.com/' });
    assert.equal(c.rateLimitLoginIp, null);
    assert.equal(c.lockoutSeconds, 3);
    assert.deepEqual(c.trustedProxies, ['127.0.0.1', '10.0.0.0/8']);
    assert.equal(c.publicUrl, 'https://a.example.com');
  });

  it('lists every bad setting at once', () => {
    try {
      loadConfig({ PORT: 'x', RATE_LIMIT_API_IP: '5', JWT_ALG: 'HS256', SECRETS_KEY: 'c2hvcnQ=', CORS_ORIGINS: 'not a url' });
      assert.fail('expected a ConfigError');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      const keys = e.problems.map((p) => p.split(':')[0]);
      assert.deepEqual(keys.sort(), ['CORS_ORIGINS', 'JWT_ALG', 'PORT', 'RATE_LIMIT_API_IP', 'SECRETS_KEY']);
    }
  });

  it('production with DATABASE_URL refuses to run without SECRETS_KEY', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@y/z' }), /SECRETS_KEY/);
  });

  it("the README's configuration table is the schema's (no drift), and lists the documented variables", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(configTable()), 'run `npm run docs:config`');
    for (const name of ['RATE_LIMIT_LOGIN_IP', 'RATE_LIMIT_LOGIN_ID', 'RATE_LIMIT_REGISTER_IP', 'RATE_LIMIT_REFRESH_IP', 'RATE_LIMIT_RESET_IP', 'RATE_LIMIT_RESET_ID', 'RATE_LIMIT_CODE_ID', 'RATE_LIMIT_API_IP', 'LOCKOUT_THRESHOLD', 'LOCKOUT_MINUTES', 'HASH_CONCURRENCY', 'HASH_QUEUE_MAX', 'SECRETS_KEY', 'REDIS_KEY_PREFIX', 'TRUSTED_PROXIES', 'CORS_ORIGINS', 'BODY_LIMIT_BYTES', 'INTROSPECTION_TOKEN']) {
      assert.ok(readme.includes(`| \`${name}\` |`), name);
    }
  });
});
