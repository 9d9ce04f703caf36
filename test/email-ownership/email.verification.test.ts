/**
 * Email verification (docs/api.md, docs/operations.md): registration mails an 8-digit code and a one-click link;
 * POST /email/verify takes the code, GET /verify-email?token= the link (a plain HTML page, no
 * script); both audit email.verified. Codes expire after 24 h (fake clock), are single use, and
 * five wrong tries void them (400 invalid_code five times, then 429 too_many_attempts).
 * REQUIRE_EMAIL_VERIFICATION=true refuses sign-in until verified, only after the right password.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, expectProblem, login, me, PASSWORD, register, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { codeIn, linkTokenIn } from '../helpers/smtp-sink.js';
import { withMail } from './email-helpers.js';

describe('email verification', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  const clock = new FakeClock();
  before(async () => {
    env = await withMail({ clock });
  });
  after(async () => {
    await env.close();
  });
  const verify = (token: string, code: string) => env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', headers: bearer(token), payload: { code } });

  it('register mails a code; POST /email/verify with it verifies the address (audited), once', async () => {
    const u = await register(env.t.app);
    const mail = await env.smtp.waitFor(u.email, /Verify your email/);
    const code = codeIn(mail);
    const res = await verify(u.accessToken, code);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().email_verified, true);
    assert.equal((await me(env.t.app, u.accessToken)).json().email_verified, true);
    const events = await env.t.services.audit.list({ userId: u.id, type: 'email.verified' }, { limit: 10, cursor: null });
    assert.equal(events.items.length, 1);
    assert.equal(events.items[0]!.data.via, 'code');
    assert.ok(!JSON.stringify(events.items[0]).includes(code));
  });

  it('the one-click link verifies through a plain HTML page (no script); a used link says so', async () => {
    const u = await register(env.t.app);
    const token = linkTokenIn(await env.smtp.waitFor(u.email, /Verify your email/));
    const page = await env.t.app.inject({ method: 'GET', url: `/verify-email?token=${token}` });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /verified/i);
    assert.doesNotMatch(page.body, /<script|style=/i);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal((await me(env.t.app, u.accessToken)).json().email_verified, true);
    const again = await env.t.app.inject({ method: 'GET', url: `/verify-email?token=${token}` });
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /not valid/);
    const bogus = await env.t.app.inject({ method: 'GET', url: '/verify-email?token=nope' });
    assert.equal(bogus.statusCode, 400);
    // without a token it is the verification page itself (what to do, or the code form when signed in)
    const plain = await env.t.app.inject({ method: 'GET', url: '/verify-email' });
    assert.equal(plain.statusCode, 200);
    assert.match(plain.body, /link in the email/);
  });

  it('five wrong codes answer 400 invalid_code, then the code is void: 429 too_many_attempts, even the right one', async () => {
    const u = await register(env.t.app);
    const code = codeIn(await env.smtp.waitFor(u.email, /Verify your email/));
    const wrong = code === '00000000' ? '11111111' : '00000000';
    for (let i = 0; i < 5; i++) expectProblem(await verify(u.accessToken, wrong), 400, 'invalid_code');
    expectProblem(await verify(u.accessToken, code), 429, 'too_many_attempts');
    // a new request starts a new code with its own tries
    const requested = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify/request', headers: bearer(u.accessToken) });
    assert.equal(requested.statusCode, 202);
    const fresh = codeIn(await env.smtp.waitFor(u.email, /Verify your email/, 5000, 2));
    assert.equal((await verify(u.accessToken, fresh)).statusCode, 200);
  });

  it('a code expires after 24 hours: 400 code_expired', async () => {
    const u = await register(env.t.app);
    const code = codeIn(await env.smtp.waitFor(u.email, /Verify your email/));
    clock.advance(24 * 3600 * 1000 + 1000);
    // the access token expired with the clock: sign in again (the clock moved, not the code)
    const token = (await login(env.t.app, u.email)).json().access_token as string;
    expectProblem(await verify(token, code), 400, 'code_expired');
  });

  it('bad bodies: 400 validation_error; without a token: 401', async () => {
    const u = await register(env.t.app);
    await env.smtp.waitFor(u.email, /Verify your email/);
    expectProblem(await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', headers: bearer(u.accessToken), payload: {} }), 400, 'validation_error');
    expectProblem(await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', headers: bearer(u.accessToken), payload: { code: '12345678', extra: 1 } }), 400, 'validation_error');
    expectProblem(await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', payload: { code: '12345678' } }), 401, 'unauthorized');
  });
});

describe('REQUIRE_EMAIL_VERIFICATION=true with the emailed code', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
  });
  after(async () => {
    await env.close();
  });

  it('sign-in is refused (403 only after the right password) until the link is followed', async () => {
    const email = uniqueEmail('required');
    const res = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email, password: PASSWORD } });
    assert.equal(res.statusCode, 201);
    const token = linkTokenIn(await env.smtp.waitFor(email, /Verify your email/));
    expectProblem(await login(env.t.app, email, WRONG_PASSWORD), 401, 'invalid_credentials');
    expectProblem(await login(env.t.app, email), 403, 'email_not_verified');
    assert.equal((await env.t.app.inject({ method: 'GET', url: `/verify-email?token=${token}` })).statusCode, 200);
    const ok = await login(env.t.app, email);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().user.email_verified, true);
  });
});
