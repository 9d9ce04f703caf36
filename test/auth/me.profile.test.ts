/**
 * GET /auth/me and PATCH /auth/me (docs/api.md): the user object plus permissions; the profile
 * fields name, username (lower-cased, unique) and avatar_url (http/https) can be set and cleared
 * with null; anything else in the body is refused, not ignored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, expectProblem, me, register, type TestUser, USER_FIELDS } from '../helpers/factories.js';

describe('GET and PATCH /auth/me', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { PRODUCTS: 'on' } });
  });
  after(async () => {
    await t.close();
  });
  const patch = (u: TestUser, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', headers: bearer(u.accessToken), payload });

  it('GET /me: the user object with every optional field present, plus permissions', async () => {
    const u = await register(t.app);
    const res = await me(t.app, u.accessToken);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), [...USER_FIELDS, 'permissions'].sort());
    assert.equal(body.id, u.id);
    assert.equal(body.email, u.email);
    assert.equal(body.username, null);
    assert.equal(body.name, null);
    assert.equal(body.avatar_url, null);
    assert.deepEqual(body.roles, ['buyer']);
    assert.deepEqual(body.permissions, ['products:read']);
    assert.equal(body.has_password, true);
    assert.equal(body.disabled, false);
    assert.ok(!Number.isNaN(Date.parse(body.created_at)) && body.created_at.endsWith('Z'), 'ISO 8601 UTC');
  });

  it('GET /me without a valid token → 401 unauthorized with WWW-Authenticate: Bearer', async () => {
    for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic dXNlcjpwYXNz' }]) {
      const res = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers });
      expectProblem(res, 401, 'unauthorized');
      assert.equal(res.headers['www-authenticate'], 'Bearer');
    }
  });

  it('PATCH sets name, username (lower-cased) and avatar_url (https or http); GET /me agrees', async () => {
    const u = await register(t.app);
    const res = await patch(u, { name: 'Ada Lovelace', username: 'Ada.L', avatar_url: 'https://img.example.com/a.png' });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), USER_FIELDS);
    assert.equal(body.name, 'Ada Lovelace');
    assert.equal(body.username, 'ada.l');
    assert.equal(body.avatar_url, 'https://img.example.com/a.png');
    assert.equal((await patch(u, { avatar_url: 'http://img.example.com/b.png' })).json().avatar_url, 'http://img.example.com/b.png');
    const now = (await me(t.app, u.accessToken)).json();
    assert.equal(now.username, 'ada.l');
    assert.equal(now.avatar_url, 'http://img.example.com/b.png');
  });

  it('null clears each field', async () => {
    const u = await register(t.app, { username: 'to_clear', name: 'Someone' });
    await patch(u, { avatar_url: 'https://img.example.com/c.png' });
    const res = await patch(u, { name: null, username: null, avatar_url: null });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().name, null);
    assert.equal(res.json().username, null);
    assert.equal(res.json().avatar_url, null);
  });

  it('an unknown field such as roles → 400 validation_error naming it; roles unchanged', async () => {
    const u = await register(t.app);
    const res = await patch(u, { name: 'X', roles: ['admin'] });
    const body = expectProblem(res, 400, 'validation_error');
    assert.deepEqual(body.errors, [{ field: 'roles', message: 'is not allowed' }]);
    const after = (await me(t.app, u.accessToken)).json();
    assert.deepEqual(after.roles, ['buyer']);
    assert.equal(after.name, null, 'nothing of the refused request was applied');
    expectProblem(await patch(u, { email: 'other@example.com' }), 400, 'validation_error');
  });

  it('a username taken by someone else, in any case → 409 username_taken; your own in another case → 200', async () => {
    await register(t.app, { username: 'taken_name' });
    const u = await register(t.app, { username: 'mine_name' });
    expectProblem(await patch(u, { username: 'taken_name' }), 409, 'username_taken');
    expectProblem(await patch(u, { username: 'TAKEN_NAME' }), 409, 'username_taken');
    const own = await patch(u, { username: 'MINE_NAME' });
    assert.equal(own.statusCode, 200, own.body);
    assert.equal(own.json().username, 'mine_name');
  });

  it('invalid values → 400 validation_error naming the field', async () => {
    const u = await register(t.app);
    for (const [field, value] of [
      ['username', 'x'],
      ['username', 'john doe'],
      ['username', 'a'.repeat(33)],
      ['avatar_url', 'javascript:alert(1)'],
      ['avatar_url', 'ftp://img.example.com/a.png'],
      ['avatar_url', 'not a url'],
      ['name', 42],
    ] as const) {
      const body = expectProblem(await patch(u, { [field]: value }), 400, 'validation_error');
      assert.ok(body.errors?.some((e) => e.field === field), `${field}=${String(value)}: ${JSON.stringify(body.errors)}`);
    }
    assert.equal((await me(t.app, u.accessToken)).json().avatar_url, null);
  });

  it('PATCH without a token → 401', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'X' } });
    expectProblem(res, 401, 'unauthorized');
  });
});
