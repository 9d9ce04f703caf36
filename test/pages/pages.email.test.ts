/**
 * The email pages with mail delivered to a real SMTP sink: a forgotten password reset with the
 * emailed code (every session ends, the new password signs in), the same with the emailed link
 * (/reset-password?token=…), and registration under REQUIRE_EMAIL_VERIFICATION=true, which leads to
 * /verify-email without a session until the emailed link is opened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withMail } from '../email-ownership/email-helpers.js';
import { PASSWORD, register, uniqueEmail } from '../helpers/factories.js';
import { codeIn, linkTokenIn } from '../helpers/smtp-sink.js';
import { PageClient, textOf } from '../helpers/page-client.js';

const NEW_PASSWORD = 'Fresh-Lantern-Meadow-31';

describe('pages: password reset by email', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail();
  });
  after(() => env.close());

  async function signIn(login: string, password: string): Promise<number> {
    const client = new PageClient(env.t.app);
    await client.get('/login');
    return (await client.post('/login', { login, password })).statusCode;
  }

  it('forgot → code from the email → new password; old sessions end, the new password signs in', async () => {
    const u = await register(env.t.app);
    const signedIn = new PageClient(env.t.app);
    await signedIn.get('/login');
    await signedIn.post('/login', { login: u.email, password: PASSWORD });
    const client = new PageClient(env.t.app);
    await client.get('/forgot-password');
    const posted = await client.post('/forgot-password', { email: u.email });
    assert.equal(posted.statusCode, 303, 'Post/Redirect/Get');
    assert.equal(posted.headers.location, `/reset-password?email=${encodeURIComponent(u.email)}&notice=sent`);
    const sent = await client.get(String(posted.headers.location));
    assert.match(textOf(sent.body), /If an account uses this address/);
    const unknownPosted = await new PageClient(env.t.app).get('/forgot-password').then(() => client.post('/forgot-password', { email: uniqueEmail('nobody') }));
    assert.equal(unknownPosted.statusCode, 303);
    const unknown = await client.get(String(unknownPosted.headers.location));
    assert.equal(textOf(unknown.body).replace(/nobody-[^@]+@example\.com/, ''), textOf(sent.body).replace(u.email, ''), 'the same answer for an unknown address');
    const code = codeIn(await env.smtp.waitFor(u.email, /reset/i));
    const wrong = await client.post('/reset-password', { email: u.email, code: '00000000', new_password: NEW_PASSWORD });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /id="f-code"[^>]*aria-invalid="true"/);
    const weak = await client.post('/reset-password', { email: u.email, code, new_password: 'short' });
    assert.equal(weak.statusCode, 422);
    const done = await client.post('/reset-password', { email: u.email, code, new_password: NEW_PASSWORD });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/login?notice=reset');
    assert.match(textOf((await client.get('/login?notice=reset')).body), /Sign in with the new password/);
    assert.equal((await signedIn.follow(await signedIn.get('/dashboard'))).statusCode, 200);
    assert.equal(signedIn.cookies.has('refresh_token'), false, 'the earlier session ended');
    assert.equal(await signIn(u.email, PASSWORD), 401);
    assert.equal(await signIn(u.email, NEW_PASSWORD), 303);
  });

  it('the emailed link opens /reset-password?token=… asking only for the new password', async () => {
    const u = await register(env.t.app);
    const client = new PageClient(env.t.app);
    await client.get('/forgot-password');
    await client.post('/forgot-password', { email: u.email });
    const token = linkTokenIn(await env.smtp.waitFor(u.email, /reset/i));
    const form = await client.get(`/reset-password?token=${token}`);
    assert.doesNotMatch(form.body, /name="code"/);
    assert.match(form.body, /name="token" value="/);
    const done = await client.post('/reset-password', { token, new_password: NEW_PASSWORD });
    assert.equal(done.statusCode, 303);
    await client.get(`/reset-password?token=${token}`); // sign-out cleared the cookies, the form's token with them
    const reused = await client.post('/reset-password', { token, new_password: 'Another-Fresh-Lantern-32' });
    assert.equal(reused.statusCode, 400);
    assert.match(textOf(reused.body), /not valid/);
    assert.equal(await signIn(u.email, NEW_PASSWORD), 303);
  });
});

describe('pages: registration with REQUIRE_EMAIL_VERIFICATION=true', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
  });
  after(() => env.close());

  it('registering leads to /verify-email without a session; the emailed link verifies; then sign-in works', async () => {
    const client = new PageClient(env.t.app);
    await client.get('/register');
    const email = uniqueEmail('verify');
    const res = await client.post('/register', { email, username: '', name: '', password: PASSWORD });
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/verify-email?registered=1');
    assert.equal(client.cookies.has('gatehouse_session'), false);
    assert.match(textOf((await client.get('/verify-email?registered=1')).body), /Your account is created/);
    await client.get('/login');
    const refused = await client.post('/login', { login: email, password: PASSWORD });
    assert.equal(refused.statusCode, 403);
    const token = linkTokenIn(await env.smtp.waitFor(email, /Verify your email/));
    const verified = await client.get(`/verify-email?token=${token}`);
    assert.equal(verified.statusCode, 200);
    assert.match(textOf(verified.body), /Email address verified/);
    assert.equal((await client.post('/login', { login: email, password: PASSWORD })).statusCode, 303);
  });
});
