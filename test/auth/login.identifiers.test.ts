/**
 * What POST /auth/login accepts as the identifier (docs/api.md): `login` holding an email (any case,
 * surrounding spaces) or a username, `email` as an alias of `login`; neither → 400.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, me, PASSWORD, register, type TestUser, uniqueEmail, USER_FIELDS } from '../helpers/factories.js';

describe('POST /auth/login: identifiers', () => {
  let t: TestContext;
  let u: TestUser;
  before(async () => {
    t = await buildTestContext();
    u = await register(t.app, { email: uniqueEmail('Grace.Hopper'), username: 'Grace_H' });
  });
  after(async () => {
    await t.close();
  });
  const post = (payload: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload });

  it('returns the token response and the refresh cookie', async () => {
    const res = await post({ login: u.email, password: PASSWORD });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'refresh_token', 'token_type', 'user']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 900);
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(Object.keys(body.user).sort(), USER_FIELDS);
    assert.equal(body.user.id, u.id);
    assert.equal(res.cookies.find((c) => c.name === 'refresh_token')?.value, body.refresh_token);
    assert.equal((await me(t.app, body.access_token)).statusCode, 200);
  });

  for (const [label, id] of [
    ['the email as registered', () => u.email],
    ['the email upper-cased', () => u.email.toUpperCase()],
    ['the email in mixed case with surrounding spaces', () => `  ${u.email.replace(/^g/, 'G')}\t `],
    ['the username', () => 'grace_h'],
    ['the username in another case', () => 'GRACE_H'],
  ] as const) {
    it(`signs in by ${label}`, async () => {
      const res = await post({ login: id(), password: PASSWORD });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().user.id, u.id);
    });
  }

  it('accepts `email` as an alias of `login`', async () => {
    const res = await post({ email: ` ${u.email.toUpperCase()} `, password: PASSWORD });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().user.id, u.id);
  });

  it('neither login nor email → 400 validation_error naming login', async () => {
    const body = expectProblem(await post({ password: PASSWORD }), 400, 'validation_error');
    assert.deepEqual(body.errors?.map((e) => e.field), ['login']);
    const empty = expectProblem(await post({}), 400, 'validation_error');
    assert.deepEqual(empty.errors, [{ field: 'login', message: 'is required' }, { field: 'password', message: 'is required' }], 'both missing fields named');
  });

  it('a missing password, wrong types and unknown fields → 400 validation_error', async () => {
    assert.ok(expectProblem(await post({ login: u.email }), 400, 'validation_error').errors?.some((e) => e.field === 'password'));
    assert.ok(expectProblem(await post({ login: 42, password: PASSWORD }), 400, 'validation_error').errors?.some((e) => e.field === 'login'));
    assert.ok(expectProblem(await post({ login: u.email, password: PASSWORD, remember: true }), 400, 'validation_error').errors?.some((e) => e.field === 'remember'));
  });
});
