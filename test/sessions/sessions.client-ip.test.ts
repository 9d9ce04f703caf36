/**
 * The client IP a session records (docs/security.md): `X-Forwarded-For` is trusted only from
 * TRUSTED_PROXIES (addresses and CIDR ranges); by default the header is ignored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { register, sessionsOf, signIn, type TestUser } from '../helpers/factories.js';

async function ipOf(t: TestContext, u: TestUser, headers: Record<string, string>, remoteAddress?: string): Promise<string | null> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { login: u.email, password: u.password },
    headers,
    ...(remoteAddress ? { remoteAddress } : {}),
  });
  assert.equal(res.statusCode, 200, res.body);
  const current = (await sessionsOf(t.app, res.json().access_token)).find((s) => s.current);
  return current?.ip ?? null;
}

describe('client IP with TRUSTED_PROXIES=127.0.0.1,10.0.0.0/8', () => {
  let t: TestContext;
  let u: TestUser;
  before(async () => {
    t = await buildTestContext({ env: { TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/8' } });
    u = await register(t.app);
  });
  after(async () => {
    await t.close();
  });

  it('takes X-Forwarded-For from a trusted proxy', async () => {
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': '203.0.113.7' }), '203.0.113.7');
  });

  it('trusts a proxy inside a CIDR range', async () => {
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': '203.0.113.8' }, '10.1.2.3'), '203.0.113.8');
  });

  it('takes the nearest untrusted address of a chain, not a spoofed leftmost one', async () => {
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': '198.51.100.66, 203.0.113.9' }), '203.0.113.9');
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': '198.51.100.66, 203.0.113.10, 10.0.0.5' }), '203.0.113.10', 'skips a trusted hop');
  });

  it('a hop that is not an address (passed on by a trusted proxy) is not taken: the proxy\'s address is', async () => {
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': 'garbage, <script>' }), '127.0.0.1');
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': '<script>' }, '10.1.2.3'), '10.1.2.3');
  });

  it('ignores the header from a peer that is not a trusted proxy', async () => {
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': '203.0.113.11' }, '192.0.2.50'), '192.0.2.50');
  });

  it('uses the peer address when there is no header', async () => {
    assert.equal(await ipOf(t, u, {}), '127.0.0.1');
  });
});

describe('client IP without TRUSTED_PROXIES', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext();
  });
  after(async () => {
    await t.close();
  });

  it('ignores X-Forwarded-For', async () => {
    const u = await register(t.app);
    assert.equal(await ipOf(t, u, { 'x-forwarded-for': '203.0.113.7' }), '127.0.0.1');
    const s = await signIn(t.app, u.email, u.password, { 'x-forwarded-for': '203.0.113.7, 198.51.100.1' });
    assert.ok((await sessionsOf(t.app, s.access_token)).every((x) => x.ip === '127.0.0.1'));
  });
});
