/**
 * docs/security.md: every change to a user's sign-in factors is told to the account’s address with
 * where it came from — TOTP on (one notice, not a second for the recovery codes that come with
 * it), recovery codes regenerated, a recovery code used to sign in, TOTP off, an admin reset —
 * over a real SMTP exchange.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../../src/mfa/totp.js';
import { CHROME_MAC_UA, PASSWORD, register, sleep } from '../helpers/factories.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { withMail } from '../email-ownership/email-helpers.js';
import { enableTotp, firstStep, post } from './mfa-helpers.js';

describe('MFA notices', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  const clock = new FakeClock(Date.now());
  before(async () => {
    env = await withMail({ clock, env: { TRUSTED_PROXIES: '127.0.0.1' } });
  });
  after(async () => {
    await env.close();
  });

  const changes = (email: string) => env.smtp.to(email).filter((m) => /How you sign in has changed/.test(m.subject));

  it('TOTP on, codes regenerated, a recovery code used, TOTP off: one notice each, with the request\'s origin', async () => {
    const u = await register(env.t.app);
    const totpUser = await enableTotp(env.t.app, u, clock);
    const on = await env.smtp.waitFor(u.email, /How you sign in has changed/);
    assert.match(on.text, /A second sign-in factor was turned on/);
    assert.match(on.text, /IP address: /);

    const regenerated = await env.t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/recovery-codes', headers: { authorization: `Bearer ${u.accessToken}`, 'user-agent': CHROME_MAC_UA, 'x-forwarded-for': '198.51.100.4' }, payload: { password: PASSWORD } });
    assert.equal(regenerated.statusCode, 200, regenerated.body);
    const codes = (regenerated.json() as { recovery_codes: string[] }).recovery_codes;
    const second = await env.smtp.waitFor(u.email, /How you sign in has changed/, 5000, 2);
    assert.match(second.text, /New recovery codes were generated/);
    assert.match(second.text, /198\.51\.100\.4/);
    assert.match(second.text, /Chrome on Mac OS/);

    const { mfa_token } = await firstStep(env.t.app, u.email);
    const used = await post(env.t.app, '/api/v1/auth/login/mfa', null, { mfa_token, recovery_code: codes[0] });
    assert.equal(used.statusCode, 200, used.body);
    const third = await env.smtp.waitFor(u.email, /How you sign in has changed/, 5000, 3);
    assert.match(third.text, /A recovery code was used to sign in to your account \(9 left\)/);

    clock.advance(30_000);
    const off = await env.t.app.inject({ method: 'DELETE', url: '/api/v1/auth/mfa/totp', headers: { authorization: `Bearer ${u.accessToken}` }, payload: { password: PASSWORD, code: totpCode(totpUser.secret, clock.now()) } });
    assert.equal(off.statusCode, 204, off.body);
    const fourth = await env.smtp.waitFor(u.email, /How you sign in has changed/, 5000, 4);
    assert.match(fourth.text, /TOTP\) was turned off/);
    await sleep(300);
    assert.equal(changes(u.email).length, 4, 'one notice per change, none for the codes that came with turning TOTP on');
    for (const m of changes(u.email)) assert.doesNotMatch(m.text + m.html, new RegExp(totpUser.secret), 'never the secret');
  });
});
