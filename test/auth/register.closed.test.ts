/**
 * REGISTRATION=closed (docs/api.md): self-registration answers 403 registration_closed and creates
 * nothing; admins can still create accounts, and those accounts sign in normally.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, login, PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { systemContext } from '../../src/request-context.js';

describe('POST /auth/register with REGISTRATION=closed', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { REGISTRATION: 'closed' } });
  });
  after(async () => {
    await t.close();
  });

  it('answers 403 registration_closed, sets no cookie and creates no account', async () => {
    const email = uniqueEmail('closed');
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD, username: 'closed_user' } });
    expectProblem(res, 403, 'registration_closed');
    assert.equal(res.cookies.length, 0, 'no refresh cookie');
    assert.equal(await t.services.users.findByLogin(email), null, 'no account was created');
    const signIn = await login(t.app, email);
    expectProblem(signIn, 401, 'invalid_credentials');
  });

  it('an admin still creates accounts, and they can sign in', async () => {
    const email = uniqueEmail('by-admin');
    await t.services.users.createByAdmin(systemContext, { email, password: PASSWORD });
    const res = await login(t.app, email);
    assert.equal(res.statusCode, 200, res.body);
  });

  it('refuses before looking at the body (403 before 400, docs/api.md order of checks)', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 'not-an-email', password: 'x', roles: ['admin'] } });
    expectProblem(res, 403, 'registration_closed');
    const notJson = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', headers: { 'content-type': 'application/json' }, payload: '{"email": ' });
    expectProblem(notJson, 403, 'registration_closed');
  });
});
