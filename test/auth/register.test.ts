import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { PASSWORD, uniqueEmail } from '../helpers/factories.js';

describe('POST /api/v1/auth/register', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });

  it('creates a buyer, returns the token response and sets the refresh cookie', async () => {
    const email = `  Ada.Lovelace+${Date.now()}@Example.COM `;
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD, username: 'Ada_L', name: 'Ada' } });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 900);
    assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(body.user.email, email.trim().toLowerCase());
    assert.equal(body.user.username, 'ada_l');
    assert.deepEqual(body.user.roles, ['buyer']);
    assert.equal(body.user.has_password, true);
    assert.equal(body.user.avatar_url, null);
    assert.equal('password_hash' in body.user, false);
    const cookie = res.cookies.find((c) => c.name === 'refresh_token');
    assert.ok(cookie);
    assert.equal(cookie.value, body.refresh_token);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/api/v1/auth');
  });

  it('refuses a duplicate email (case-insensitively) with 409 email_taken', async () => {
    const email = uniqueEmail();
    const first = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    assert.equal(first.statusCode, 201);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: email.toUpperCase(), password: PASSWORD } });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'email_taken');
    assert.match(again.headers['content-type'] as string, /application\/problem\+json/);
  });

  it('refuses a weak password with 422 weak_password and feedback', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail(), password: 'password1' } });
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().code, 'weak_password');
    assert.match(res.json().detail, /strength/);
  });

  it('refuses unknown fields and bad types with 400 validation_error naming the field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail(), password: PASSWORD, roles: ['admin'] } });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().errors, [{ field: 'roles', message: 'is not allowed' }]);
    const typed = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: 42, password: PASSWORD } });
    assert.equal(typed.statusCode, 400);
    assert.equal(typed.json().errors[0].field, 'email');
  });
});
