/**
 * Guards #16's first finding: one request froze the server. zxcvbn ran on the event loop over up
 * to 128 characters, and "P@ssw0rd!" repeated to 128 took seconds, with /health/live waiting
 * behind it. The strength check now runs off the loop under a deadline: while hostile passwords
 * are being rated, other requests are answered; each hostile registration still gets an answer
 * (422 or 201), never a 500.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { uniqueEmail } from '../helpers/factories.js';

const HOSTILE = ['P@ssw0rd!', '1234567890', 'aA1!', 'Tr0ub4dor&3', 'qwerty!1'].map((unit) => unit.repeat(Math.ceil(128 / unit.length)).slice(0, 128));

describe('hostile passwords and the event loop', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('while five 128-character hostile passwords are rated, /health/live is answered first', async () => {
    const order: string[] = [];
    const registrations = HOSTILE.map((password, i) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail(`hostile${i}`), password } }).then((res) => {
        order.push(`register-${i}`);
        return res;
      }),
    );
    // queued behind the registrations: on a blocked loop it could only run after they were rated
    const live = t.app.inject({ method: 'GET', url: '/health/live' }).then((res) => {
      order.push('live');
      return res;
    });
    const [liveRes, ...results] = await Promise.all([live, ...registrations]);
    assert.equal(liveRes.statusCode, 200);
    assert.equal(order[0], 'live', `answered before any registration: ${order.join(', ')}`);
    for (const res of results) {
      assert.ok([201, 422].includes(res.statusCode), `${res.statusCode} ${res.body}`);
      if (res.statusCode === 422) assert.equal(res.json().code, 'weak_password');
    }
  });

  it('ordinary passwords are still rated: a weak one is refused with feedback, a strong one accepted', async () => {
    const weak = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('weak'), password: 'password123' } });
    assert.equal(weak.statusCode, 422);
    assert.match(weak.json().detail, /strength \d of 4/);
    const strong = await t.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { email: uniqueEmail('strong'), password: 'Glacier-Teapot-Orbit-1971' } });
    assert.equal(strong.statusCode, 201, strong.body);
  });
});
