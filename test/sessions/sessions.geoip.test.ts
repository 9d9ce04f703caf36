import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openGeoIp } from '../../src/sessions/geoip.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, login, register } from '../helpers/factories.js';
import { writeMmdb } from '../helpers/mmdb-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-geoip-'));
const dbPath = join(dir, 'test-city.mmdb');
writeFileSync(
  dbPath,
  writeMmdb([
    { cidr: '203.0.113.0/24', record: { country: { iso_code: 'NZ', names: { en: 'New Zealand' } }, city: { names: { en: 'Wellington' } } } },
    { cidr: '198.51.100.0/24', record: { country: { iso_code: 'FR', names: { en: 'France' } } } },
  ]),
);

describe('session locations from GEOIP_DB', () => {
  let t: TestContext;
  before(async () => {
    t = await buildTestContext({ env: { GEOIP_DB: dbPath, TRUSTED_PROXIES: '127.0.0.1' } });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads countries and cities from a real .mmdb', () => {
    const geo = openGeoIp(dbPath);
    assert.deepEqual(geo.lookup('203.0.113.9'), { country: 'NZ', city: 'Wellington' });
    assert.deepEqual(geo.lookup('198.51.100.1'), { country: 'FR', city: null });
    assert.equal(geo.lookup('192.0.2.1'), null);
    assert.equal(geo.lookup('not-an-ip'), null);
    assert.equal(geo.lookup(null), null);
  });

  it('GET /sessions shows the location of the address the session started from', async () => {
    const u = await register(t.app);
    const res = await login(t.app, u.email, u.password, { 'x-forwarded-for': '203.0.113.50' });
    assert.equal(res.statusCode, 200);
    const sessions = await t.app.inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(res.json().access_token) });
    const current = sessions.json().items.find((s: { current: boolean }) => s.current);
    assert.equal(current.ip, '203.0.113.50');
    assert.deepEqual(current.location, { country: 'NZ', city: 'Wellington' });
    const other = sessions.json().items.find((s: { current: boolean }) => !s.current);
    assert.equal(other.location, null, 'a loopback address has no location');
  });
});
