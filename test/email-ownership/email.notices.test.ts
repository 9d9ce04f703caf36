/**
 * Security notices (docs/operations.md) with the requester's IP, parsed device and location (GEOIP_DB, a
 * small .mmdb written here): password changed, account deleted, and a sign-in from a device the
 * user has not used before — which costs POST /login no round trip (the session insert queues it,
 * see test/auth/round-trips.test.ts) and is not sent for a device already seen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bearer, CHROME_MAC_UA, IPHONE_UA, login, OTHER_PASSWORD, PASSWORD, register, sleep } from '../helpers/factories.js';
import { writeMmdb } from '../helpers/mmdb-writer.js';
import { withMail } from './email-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-notice-geoip-'));
const dbPath = join(dir, 'city.mmdb');
writeFileSync(dbPath, writeMmdb([{ cidr: '203.0.113.0/24', record: { country: { iso_code: 'NZ', names: { en: 'New Zealand' } }, city: { names: { en: 'Wellington' } } } }]));

describe('security notices', () => {
  let env: Awaited<ReturnType<typeof withMail>>;
  before(async () => {
    env = await withMail({ env: { GEOIP_DB: dbPath, TRUSTED_PROXIES: '127.0.0.1' } });
  });
  after(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a sign-in from an unseen device is told with IP, device and location; a known device is not', async () => {
    const u = await register(env.t.app, {});
    // registered from no user agent; the first browser sign-in is a new device
    const fromNz = { 'user-agent': CHROME_MAC_UA, 'x-forwarded-for': '203.0.113.7' };
    assert.equal((await login(env.t.app, u.email, PASSWORD, fromNz)).statusCode, 200);
    const notice = await env.smtp.waitFor(u.email, /New sign-in/);
    assert.match(notice.text, /IP address: 203\.0\.113\.7/);
    assert.match(notice.text, /Device: Chrome on Mac OS \(desktop\)/);
    assert.match(notice.text, /Location: Wellington, NZ/);
    assert.match(notice.html, /Wellington, NZ/);
    // the same device again: no second notice
    assert.equal((await login(env.t.app, u.email, PASSWORD, fromNz)).statusCode, 200);
    // another device: a second notice
    assert.equal((await login(env.t.app, u.email, PASSWORD, { 'user-agent': IPHONE_UA })).statusCode, 200);
    const second = await env.smtp.waitFor(u.email, /New sign-in/, 5000, 2);
    assert.match(second.text, /Mobile Safari on iOS/);
    await sleep(300);
    assert.equal(env.smtp.to(u.email).filter((m) => /New sign-in/.test(m.subject)).length, 2);
  });

  it('password changed and account deleted are told to the address', async () => {
    const u = await register(env.t.app);
    const changed = await env.t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: { ...bearer(u.accessToken), 'user-agent': CHROME_MAC_UA, 'x-forwarded-for': '203.0.113.9' },
      payload: { current_password: PASSWORD, new_password: OTHER_PASSWORD },
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const notice = await env.smtp.waitFor(u.email, /password was changed/);
    assert.match(notice.text, /203\.0\.113\.9/);
    assert.match(notice.text, /Wellington/);
    const deleted = await env.t.app.inject({ method: 'DELETE', url: '/api/v1/auth/account', headers: bearer(changed.json().access_token), payload: { password: OTHER_PASSWORD } });
    assert.equal(deleted.statusCode, 204);
    await env.smtp.waitFor(u.email, /account was deleted/);
  });
});
