/**
 * Guards: TOTP guessing by someone who has the password is locked, not only rate limited. After 20
 * wrong second-step codes for one account within 24 h — counted across mfa_tokens, since the
 * password hands out a fresh token (and 5 more guesses) each time — the account's second step is
 * locked for an hour (429 too_many_attempts, the right code too), and the user is mailed once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { expectProblem, register, sleep } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { PageClient, textOf } from '../helpers/page-client.js';
import { withMail } from '../email-ownership/email-helpers.js';
import { enableTotp, firstStep, post, type TotpUser } from './mfa-helpers.js';

/** a six-digit code that is none of the codes accepted now (the previous, current and next step) */
function wrongCode(secret: string, now: number): string {
  const accepted = new Set([-30_000, 0, 30_000].map((d) => totpCode(secret, now + d)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!accepted.has(code)) return code;
  }
}

describe('the second step locked after 20 wrong codes a day', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  const clock = new FakeClock(Date.now());
  before(async () => {
    // the per-account code rate limit would stop the guesses first: this is about the lock
    env = await withMail({ clock, env: { RATE_LIMIT_CODE_ID: 'off' } });
  });
  after(async () => {
    await env.close();
  });

  const lockMails = (email: string) => env.smtp.to(email).filter((m) => /two-step sign-in locked/.test(m.subject));

  async function secondStep(user: TotpUser, code: string) {
    const { mfa_token } = await firstStep(env.t.app, user.email);
    return post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code });
  }

  it('20 wrong codes over several mfa_tokens lock it for an hour (the right code too: 429), the user is mailed once; then the right code works', async () => {
    const user = await enableTotp(env.t.app, await register(env.t.app), clock);

    // four sign-ins with the password, five wrong codes each (each token allows five)
    for (let token = 0; token < 4; token++) {
      const { mfa_token } = await firstStep(env.t.app, user.email);
      for (let i = 0; i < 5; i++) {
        const res = await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code: wrongCode(user.secret, clock.now()) });
        expectProblem(res, 400, 'invalid_code');
      }
      clock.advance(60_000);
    }

    // a fresh token and the right code: refused while the lock lasts
    const refused = await secondStep(user, totpCode(user.secret, clock.now()));
    const problem = expectProblem(refused, 429, 'too_many_attempts');
    assert.match(problem.detail ?? '', /locked/);
    assert.ok(Number(refused.headers['retry-after']) > 3000, `Retry-After ${refused.headers['retry-after']}`);
    // and no session came of it
    assert.equal(refused.headers['set-cookie'], undefined);

    const mail = await env.smtp.waitFor(user.email, /two-step sign-in locked/);
    assert.match(mail.text, /20 wrong codes/);
    // more tries while locked: still one mail
    expectProblem(await secondStep(user, wrongCode(user.secret, clock.now())), 429, 'too_many_attempts');
    await sleep(300);
    assert.equal(lockMails(user.email).length, 1, 'mailed once');

    // the second-step page sends the browser back to /login, which says why
    const page = new PageClient(env.t.app);
    await page.get('/login');
    assert.equal((await page.post('/login', { login: user.email, password: user.password })).headers.location, '/login/mfa');
    await page.get('/login/mfa');
    const locked = await page.post('/login/mfa', { code: totpCode(user.secret, clock.now()) });
    assert.equal(locked.headers.location, '/login?error=second_step_locked');
    assert.match(textOf((await page.get(String(locked.headers.location))).body), /locked for an hour/);

    const failures = (await env.t.services.audit.list({ userId: user.id, type: 'login.failed' }, { limit: 100, cursor: null })).items;
    assert.equal(failures.filter((e) => e.data.reason === 'mfa').length, 20);
    assert.ok(failures.some((e) => e.data.reason === 'mfa_locked'));

    // an hour later the right code signs in
    clock.advance(3600_000);
    const done = await secondStep(user, totpCode(user.secret, clock.now()));
    assert.equal(done.statusCode, 200, done.body);
    assert.ok((done.json() as { access_token?: string }).access_token);
  });

  it('fewer than 20 wrong codes lock nothing', async () => {
    const user = await enableTotp(env.t.app, await register(env.t.app), clock);
    for (let token = 0; token < 3; token++) {
      const { mfa_token } = await firstStep(env.t.app, user.email);
      for (let i = 0; i < 5; i++) expectProblem(await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, code: wrongCode(user.secret, clock.now()) }), 400, 'invalid_code');
    }
    clock.advance(30_000);
    const done = await secondStep(user, totpCode(user.secret, clock.now()));
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(lockMails(user.email).length, 0);
  });
});
