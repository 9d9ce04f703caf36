/**
 * The pages leave no secret in the logs (docs/security.md): at `trace`, a page registration, a failed and a
 * good sign-in, a renewal of the page session, a TOTP set-up and second step, a reset-password link
 * and sign-out log their requests but no password, access or refresh token, CSRF token, TOTP secret,
 * code or link token.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { PASSWORD, uniqueEmail, WRONG_PASSWORD } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { PageClient } from '../helpers/page-client.js';

describe('pages: logs carry no secrets', () => {
  let t: TestContext;
  let log = '';
  const clock = new FakeClock();
  before(async () => {
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        log += chunk.toString();
        callback();
      },
    });
    t = await buildTestContext({ clock, env: { LOG_LEVEL: 'trace' }, log: { level: 'trace', stream } });
  });
  after(() => t.close());

  it('names the page requests but none of their secrets', async () => {
    const secrets: string[] = [PASSWORD, WRONG_PASSWORD];
    const client = new PageClient(t.app);
    await client.get('/register');
    const email = uniqueEmail('logs');
    assert.equal((await client.post('/register', { email, username: '', name: '', password: PASSWORD })).statusCode, 303);
    secrets.push(client.csrf!, client.cookies.get('gatehouse_csrf')!.value, client.cookies.get('gatehouse_session')!.value, client.cookies.get('refresh_token')!.value);
    client.cookies.delete('gatehouse_session');
    assert.equal((await client.follow(await client.get('/account'))).statusCode, 200);
    secrets.push(client.cookies.get('gatehouse_session')!.value, client.cookies.get('refresh_token')!.value);
    const setup = await client.post('/account/totp/setup', { password: PASSWORD });
    const secret = /data-totp-secret>([A-Z2-7]+)</.exec(setup.body)![1]!;
    const confirmCode = totpCode(secret, clock.now());
    await client.post('/account/totp/confirm', { code: confirmCode, secret, otpauth_uri: 'otpauth://totp/x' });
    clock.advance(30_000);
    secrets.push(secret, confirmCode);

    const other = new PageClient(t.app);
    await other.get('/login');
    assert.equal((await other.post('/login', { login: email, password: WRONG_PASSWORD })).statusCode, 401);
    assert.equal((await other.post('/login', { login: email, password: PASSWORD })).statusCode, 303);
    const mfaToken = other.cookies.get('gatehouse_mfa')!.value;
    const code = totpCode(secret, clock.now());
    assert.equal((await other.post('/login/mfa', { code })).statusCode, 303);
    secrets.push(mfaToken, code, other.cookies.get('gatehouse_session')!.value, other.cookies.get('refresh_token')!.value);
    const linkToken = 'L'.repeat(43);
    await other.get(`/reset-password?token=${linkToken}`);
    await other.post('/reset-password', { token: linkToken, new_password: 'Another-Long-Password-99' });
    secrets.push(linkToken, 'Another-Long-Password-99');
    await client.post('/logout', {});

    assert.match(log, /\/login\/mfa/);
    assert.match(log, /\/account\/totp\/setup/);
    for (const s of secrets) assert.ok(!log.includes(s), `a secret reached the log: ${s.slice(0, 6)}…`);
  });
});
