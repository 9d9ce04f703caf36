/**
 * EMAIL_LOGIN=off (the default): both endpoints and /login/email answer 404, /login does not offer
 * it, and no sign-in mail goes out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { systemContext } from '../../src/request-context.js';
import { withMail } from '../email-ownership/email-helpers.js';
import { expectProblem, register } from '../helpers/factories.js';
import { PageClient } from '../helpers/page-client.js';
import { requestCode, signInWithCode } from './email-login-helpers.js';

describe('sign-in by email off (the default)', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail();
  });
  after(() => env.close());

  it('the endpoints and the link page answer 404; /login does not offer it', async () => {
    assert.equal(env.t.config.emailLogin, 'off');
    const u = await register(env.t.app);
    expectProblem(await requestCode(env.t.app, u.email), 404, 'not_found');
    expectProblem(await signInWithCode(env.t.app, u.email, '12345678'), 404, 'not_found');
    const client = new PageClient(env.t.app);
    const login = await client.get('/login');
    assert.equal(login.statusCode, 200);
    assert.doesNotMatch(login.body, /login\/email/);
    assert.doesNotMatch(login.body, /sign-in code/i);
    assert.equal((await client.get('/login/email')).statusCode, 404);
    assert.equal((await client.get('/login/email?token=abc')).statusCode, 404);
    assert.equal((await client.post('/login/email', { token: 'abc' })).statusCode, 404);
    assert.equal((await client.post('/login/email/request', { email: u.email })).statusCode, 404);
    assert.equal((await client.post('/login/email/code', { email: u.email, code: '12345678' })).statusCode, 404);
    assert.equal(env.smtp.to(u.email).filter((m) => /sign-in code/.test(m.subject)).length, 0);
  });

  it('the service refuses too (404) when called while off', async () => {
    await assert.rejects(env.t.services.emailLogin.request(systemContext, 'a@example.com'), { code: 'not_found' });
  });
});
