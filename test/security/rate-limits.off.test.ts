/**
 * `RATE_LIMIT_<NAME>=off` disables a limit (docs/security.md): with every limit off, more logins, failed
 * logins, registrations and refreshes than the defaults allow (20/60, 10/60, 10/3600, 60/60) from
 * one address all go through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { login, PASSWORD, refresh, register, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';

describe('rate limits set to off', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({
      env: {
        RATE_LIMIT_LOGIN_IP: 'off',
        RATE_LIMIT_LOGIN_ID: 'OFF',
        RATE_LIMIT_REGISTER_IP: 'off',
        RATE_LIMIT_REFRESH_IP: 'off',
        RATE_LIMIT_API_IP: 'off',
        LOCKOUT_THRESHOLD: '1000',
      },
    });
  });
  after(async () => {
    await t.close();
  });

  it('are parsed as null', () => {
    for (const name of ['rateLimitLoginIp', 'rateLimitLoginId', 'rateLimitRegisterIp', 'rateLimitRefreshIp', 'rateLimitApiIp'] as const) {
      assert.equal(t.config[name], null, name);
    }
  });

  it('12 registrations, 25 logins on one identifier and 65 refreshes from one IP all pass', async () => {
    for (let i = 0; i < 12; i++) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('off'), password: PASSWORD } });
      assert.equal(res.statusCode, 201, `registration ${i + 1}`);
    }
    const u = await register(t.app);
    for (let i = 0; i < 25; i++) {
      const res = await login(t.app, u.email, i % 2 ? WRONG_PASSWORD : PASSWORD);
      assert.equal(res.statusCode, i % 2 ? 401 : 200, `login ${i + 1}`);
    }
    let token = u.refreshToken;
    for (let i = 0; i < 65; i++) {
      const res = await refresh(t.app, { refresh_token: token });
      assert.equal(res.statusCode, 200, `refresh ${i + 1}`);
      token = res.json().refresh_token;
    }
  });
});
