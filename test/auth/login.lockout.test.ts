/**
 * Lockout (docs/security.md) with LOCKOUT_THRESHOLD=3 and LOCKOUT_MINUTES=0.05 (3 s): failures are counted
 * per identifier as typed, lower-cased, whether or not an account has it; the failure that reaches
 * the threshold still gets 401, later attempts get 423 account_locked with Retry-After — even with
 * the right password — until the window ends. A successful sign-in resets the count.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { eventually, expectProblem, login, register, sleep, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';

describe('POST /auth/login: lockout', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { LOCKOUT_THRESHOLD: '3', LOCKOUT_MINUTES: '0.05' } });
  });
  after(async () => {
    await t.close();
  });

  it('3 failures → 401 each; the 4th attempt → 423 account_locked with Retry-After, even with the right password', async () => {
    const u = await register(t.app);
    for (let i = 1; i <= 3; i++) expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    const locked = await login(t.app, u.email);
    expectProblem(locked, 423, 'account_locked');
    const retryAfter = Number(locked.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 3, `Retry-After ${locked.headers['retry-after']}`);
    assert.equal(locked.cookies.length, 0, 'no session while locked');
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 423, 'account_locked');
    const events = await t.services.audit.list({ userId: u.id, type: 'login.failed' }, { limit: 10, cursor: null }).then((p) => p.items);
    assert.deepEqual(events.map((e) => e.data.reason).sort(), ['locked', 'locked', 'wrong_password', 'wrong_password', 'wrong_password'], 'refusals while locked are audited too');
  });

  it('attempts sent together: exactly 3 failures get 401, the rest 423, and a right password sent with them is refused', async () => {
    const u = await register(t.app);
    const wrong = Array.from({ length: 9 }, () => login(t.app, u.email, WRONG_PASSWORD));
    // queued behind the wrong ones (the hash queue is first come, first served): by the time its
    // password checks out, the failures have locked the identifier
    const right = login(t.app, u.email);
    const [responses, rightResponse] = await Promise.all([Promise.all(wrong), right]);
    const counts: Record<number, number> = {};
    for (const r of responses) counts[r.statusCode] = (counts[r.statusCode] ?? 0) + 1;
    assert.deepEqual(counts, { 401: 3, 423: 6 });
    for (const r of responses.filter((x) => x.statusCode === 423)) expectProblem(r, 423, 'account_locked');
    expectProblem(rightResponse, 423, 'account_locked');
    assert.equal(rightResponse.cookies.length, 0, 'no session');
  });

  it('a lock lasts its whole window from the failure that completed it, not what was left of the first', async () => {
    const u = await register(t.app);
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    await sleep(2000);
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email), 423, 'account_locked');
    // 3.5 s after the first failure: its 3 s counting window is over, the lock (from 2 s) is not
    await sleep(1500);
    const still = await login(t.app, u.email);
    expectProblem(still, 423, 'account_locked');
    assert.ok(Number(still.headers['retry-after']) >= 1);
  });

  it('counts failures for an identifier no account has', async () => {
    const ghost = uniqueEmail('ghost');
    for (let i = 1; i <= 3; i++) expectProblem(await login(t.app, ghost, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, ghost, WRONG_PASSWORD), 423, 'account_locked');
    expectProblem(await login(t.app, 'ghost_username', WRONG_PASSWORD), 401, 'invalid_credentials');
  });

  it('counts the identifier case-insensitively and without surrounding spaces', async () => {
    const u = await register(t.app);
    expectProblem(await login(t.app, u.email.toUpperCase(), WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, `  ${u.email}  `, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email.replace(/^u/, 'U'), WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email), 423, 'account_locked');
  });

  it('locks only that identifier: another account still signs in', async () => {
    const victim = await register(t.app);
    const bystander = await register(t.app);
    for (let i = 0; i < 3; i++) await login(t.app, victim.email, WRONG_PASSWORD);
    expectProblem(await login(t.app, victim.email), 423, 'account_locked');
    assert.equal((await login(t.app, bystander.email)).statusCode, 200);
  });

  it('signs in again once the window has ended', async () => {
    const u = await register(t.app);
    for (let i = 0; i < 3; i++) await login(t.app, u.email, WRONG_PASSWORD);
    expectProblem(await login(t.app, u.email), 423, 'account_locked');
    let last = 423;
    await eventually(async () => (last = (await login(t.app, u.email)).statusCode) !== 423, 'lockout window end', 8000, 250);
    assert.equal(last, 200, 'the right password works after the window');
  });

  it('a successful sign-in resets the count', async () => {
    const u = await register(t.app);
    await login(t.app, u.email, WRONG_PASSWORD);
    await login(t.app, u.email, WRONG_PASSWORD);
    assert.equal((await login(t.app, u.email)).statusCode, 200);
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(t.app, u.email, WRONG_PASSWORD), 401, 'invalid_credentials');
    assert.equal((await login(t.app, u.email)).statusCode, 200, 'the failures before the success were forgotten');
  });
});
