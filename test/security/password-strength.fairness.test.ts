/**
 * Guards the strength check against one client blocking everyone's registrations: it had one queue
 * whose 10 s deadline counted the time spent waiting, so a client sending hostile 128-character
 * passwords (seconds each to rate) made a legitimate registration from elsewhere fail with 422
 * (or 503 once the queue was full). Now only a bounded prefix is rated, clients take turns, one
 * client's waiting ratings are capped, and the deadline counts from the start of the rating.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ratingClient } from '../../src/passwords/password-policy.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { uniqueEmail } from '../helpers/factories.js';

// patterns whose l33t substitutions and repeats made zxcvbn take seconds over 128 characters
const UNITS = ['p4$$w0rd', 'P@ssw0rd!', '$+@73', '7is34', '@7', '13$7', '|1!i'];
const hostile = (i: number) => {
  const unit = UNITS[i % UNITS.length]!;
  return unit.repeat(Math.ceil(128 / unit.length)).slice(0, 128);
};

describe('password rating under a flood from one client', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('a legitimate registration from another address is answered 201 while one client floods /register with hostile passwords', async () => {
    let flooding = true;
    const floodStatuses: number[] = [];
    let sent = 0;
    async function flooder(): Promise<void> {
      while (flooding) {
        const i = sent++;
        const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', remoteAddress: '203.0.113.66', payload: { email: uniqueEmail(`flood${i}`), password: hostile(i) } });
        floodStatuses.push(res.statusCode);
        // a refused one (server_busy) is sent again a moment later
        if (res.statusCode === 503) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
    // 32 requests in flight from the one client, all the time (more than it may have waiting)
    const flood = Promise.all(Array.from({ length: 32 }, () => flooder()));
    // the legitimate request arrives once the flood's ratings are queued
    while (sent < 32) await new Promise((resolve) => setTimeout(resolve, 10));
    const legit = t.app.inject({ method: 'POST', url: '/api/v1/auth/register', remoteAddress: '198.51.100.20', payload: { email: uniqueEmail('legit'), password: 'Glacier-Teapot-Orbit-1971' } });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), 60_000)));
    const res = await Promise.race([legit, deadline]).finally(() => clearTimeout(timer));
    flooding = false;
    await flood;
    assert.notEqual(res, 'no answer', 'the legitimate registration was answered');
    if (res === 'no answer') return;
    assert.equal(res.statusCode, 201, res.body);
    for (const status of floodStatuses) assert.ok([201, 422, 503].includes(status), `flood answered ${status}`);
    // the flood was still going when the legitimate request was answered
    assert.ok(floodStatuses.length >= 32, `${floodStatuses.length} flood answers`);
  });

  it('the whole password still counts for the length rules, beyond the rated prefix', async () => {
    const long = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('long'), password: `Glacier-Teapot-Orbit-1971${'x'.repeat(104)}` } });
    assert.equal(long.statusCode, 422, long.body);
    assert.match(long.json().detail, /at most 128/);
  });

  it('clients are told apart by address, an IPv6 address by its /64', () => {
    assert.equal(ratingClient('203.0.113.66'), '203.0.113.66');
    assert.equal(ratingClient('::ffff:203.0.113.66'), '203.0.113.66', 'an IPv4-mapped address is that IPv4 client');
    assert.equal(ratingClient('2001:db8:1:2:aaaa::1'), ratingClient('2001:0db8:0001:0002:ffff:1:2:3'));
    assert.notEqual(ratingClient('2001:db8:1:2::1'), ratingClient('2001:db8:1:3::1'));
    assert.equal(ratingClient('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(ratingClient(null), 'unknown');
  });
});
