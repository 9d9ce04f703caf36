/**
 * Usernames at registration (docs/api.md): 3–32 of [a-z0-9_.-] after lower-casing, stored lower-case,
 * unique regardless of the case typed; anything else is 400 validation_error naming `username`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { expectProblem, PASSWORD, signIn, uniqueEmail } from '../helpers/factories.js';

describe('POST /auth/register: usernames', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });
  const registerWith = (username: string, email = uniqueEmail('uname')) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD, username } });

  it('lower-cases the username; the user signs in with it typed in any case', async () => {
    const res = await registerWith('Mixed.Case_User-1');
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().user.username, 'mixed.case_user-1');
    const stored = await t.services.users.get(res.json().user.id);
    assert.equal(stored.username, 'mixed.case_user-1', 'stored normalised');
    assert.equal((await signIn(t.app, 'MIXED.CASE_USER-1')).user.id, res.json().user.id);
  });

  it('accepts exactly 3 and exactly 32 characters', async () => {
    assert.equal((await registerWith('abc')).statusCode, 201);
    assert.equal((await registerWith('a'.repeat(31) + 'b')).statusCode, 201);
  });

  it('refuses a username already taken, in any case, with 409 username_taken', async () => {
    assert.equal((await registerWith('taken_name')).statusCode, 201);
    for (const again of ['taken_name', 'TAKEN_NAME', 'Taken_Name']) {
      const email = uniqueEmail('dup');
      const res = await registerWith(again, email);
      expectProblem(res, 409, 'username_taken');
      assert.equal(await t.services.users.findByLogin(email), null, 'nothing created');
    }
  });

  for (const [label, username] of [
    ['2 characters', 'ab'],
    ['33 characters', 'a'.repeat(33)],
    ['an inner space', 'john doe'],
    ['only spaces', '     '],
    ['surrounding spaces (usernames are lower-cased, not trimmed)', ' alice '],
    ['32 letters and a space', `${'a'.repeat(32)} `],
    ['an @', 'john@doe'],
    ['non-ASCII letters', 'jöhn'],
  ] as const) {
    it(`refuses ${label} with 400 validation_error on username`, async () => {
      const email = uniqueEmail('bad-uname');
      const res = await registerWith(username, email);
      const body = expectProblem(res, 400, 'validation_error');
      assert.ok(body.errors?.some((e) => e.field === 'username'), JSON.stringify(body.errors));
      assert.equal(await t.services.users.findByLogin(email), null, 'nothing created');
    });
  }
});
