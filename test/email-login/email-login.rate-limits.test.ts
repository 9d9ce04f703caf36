/**
 * The limits of sign-in by email: RATE_LIMIT_EMAIL_LOGIN_ID per address and
 * RATE_LIMIT_EMAIL_LOGIN_IP per client IP on requests, reached alike for a known and an unknown
 * address (429 rate_limited with Retry-After); RATE_LIMIT_CODE_ID on code entries per address,
 * known or not.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectProblem, uniqueEmail } from '../helpers/factories.js';
import { requestCode, signInWithCode, verifiedUser, withEmailLogin, type MailEnv } from './email-login-helpers.js';

describe('sign-in by email: rate limits', () => {
  let env: MailEnv;
  before(async () => {
    env = await withEmailLogin({ env: { RATE_LIMIT_EMAIL_LOGIN_IP: '3/3600', RATE_LIMIT_EMAIL_LOGIN_ID: '2/3600', RATE_LIMIT_CODE_ID: '3/600', TRUSTED_PROXIES: '127.0.0.1' } });
  });
  after(() => env.close());

  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('per address (RATE_LIMIT_EMAIL_LOGIN_ID): the same for a known and an unknown address', async () => {
    const known = await verifiedUser(env);
    const unknown = uniqueEmail('nobody');
    for (const [i, email] of [known.email, unknown].entries()) {
      assert.equal((await requestCode(env.t.app, email, from(`198.51.100.${10 + i}`))).statusCode, 202);
      assert.equal((await requestCode(env.t.app, email, from(`198.51.100.${20 + i}`))).statusCode, 202);
      const limited = expectProblem(await requestCode(env.t.app, email, from(`198.51.100.${30 + i}`)), 429, 'rate_limited');
      assert.ok(limited);
    }
  });

  it('per client IP (RATE_LIMIT_EMAIL_LOGIN_IP), with Retry-After', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await requestCode(env.t.app, uniqueEmail('ip'), from('198.51.100.99'))).statusCode, 202);
    const limited = await requestCode(env.t.app, uniqueEmail('ip'), from('198.51.100.99'));
    expectProblem(limited, 429, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0);
  });

  it('code entries per address (RATE_LIMIT_CODE_ID), known or not', async () => {
    const known = await verifiedUser(env);
    for (const email of [known.email, uniqueEmail('ghost')]) {
      for (let i = 0; i < 3; i++) expectProblem(await signInWithCode(env.t.app, email, '12345678'), 400, 'invalid_code');
      expectProblem(await signInWithCode(env.t.app, email, '12345678'), 429, 'rate_limited');
    }
  });
});
