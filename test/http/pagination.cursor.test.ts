// Guards a fixed bug: crafted cursors (a non-UUID id of the right length, out-of-range years)
// passed decoding and made PostgreSQL/PGlite reject the query, answering 500 instead of 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeCursor, encodeCursor } from '../../src/db/keyset.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { bearer, userWithRoles, type TestUser } from '../helpers/factories.js';

const craft = (text: string) => Buffer.from(text).toString('base64url');
const ID = '0b9f5c8e-3c1d-4a5e-9f00-1234567890ab';
const crafted = [
  craft(`2026-01-01T00:00:00.000Z|${'-'.repeat(36)}`),
  craft(`2026-01-01T00:00:00.000Z|${'a'.repeat(36)}`),
  craft(`-200000-01-01T00:00:00.000Z|${ID}`),
  craft(`+200000-01-01T00:00:00.000Z|${ID}`),
  craft(`0000-01-01T00:00:00.000Z|${ID}`),
  craft(`2026-02-31T00:00:00.000Z|${ID}`),
  craft('nonsense'),
];

describe('cursor decoding', () => {
  it('round-trips what it encodes and refuses anything else', () => {
    const pos = { createdAt: new Date('2026-11-28T10:00:00.123Z'), id: ID };
    assert.deepEqual(decodeCursor(encodeCursor(pos)), pos);
    for (const c of crafted) assert.throws(() => decodeCursor(c), (e: { code?: string }) => e.code === 'validation_error', c);
  });

  describe('over HTTP, on every paginated list', () => {
    let t: TestContext;
    let admin: TestUser;
    before(async () => {
      t = await buildTestContext({ env: { PRODUCTS: 'on' } });
      admin = await userWithRoles(t.app, ['admin'], 'admin');
    });
    after(async () => {
      await t.close();
    });

    for (const path of ['/api/v1/products', '/api/v1/admin/users', '/api/v1/admin/audit']) {
      it(`${path}: crafted cursors are 400, never 500`, async () => {
        for (const c of crafted) {
          const res = await t.app.inject({ method: 'GET', url: `${path}?cursor=${c}`, headers: bearer(admin.accessToken) });
          assert.equal(res.statusCode, 400, `${c}: ${res.body}`);
          assert.equal(res.json().errors[0].field, 'cursor');
        }
      });
    }
  });
});
