/** Currencies: the static ISO 4217 list (src/products/currencies.ts) and what the API accepts. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DomainError } from '../../src/errors.js';
import { CURRENCIES, isCurrency } from '../../src/products/currencies.js';
import { buildTestContext, type TestContext } from '../helpers/build-test-app.js';
import { userWithRoles, type TestUser } from '../helpers/factories.js';
import { call, errorFields } from './products-helpers.js';
import { systemContext } from '../../src/request-context.js';

describe('products: currencies', () => {
  it('the list: about 180 unique upper-case three-letter codes, sorted, current ones only', () => {
    assert.ok(CURRENCIES.length >= 170 && CURRENCIES.length <= 185, String(CURRENCIES.length));
    assert.equal(new Set(CURRENCIES).size, CURRENCIES.length);
    assert.ok(CURRENCIES.every((c) => /^[A-Z]{3}$/.test(c)));
    assert.deepEqual([...CURRENCIES], [...CURRENCIES].sort());
    for (const c of ['EUR', 'USD', 'JPY', 'GBP', 'CHF', 'CNY', 'INR', 'BRL', 'XOF', 'XCG', 'ZWG', 'SLE', 'VES', 'XAU']) assert.ok(isCurrency(c), c);
    for (const c of ['XYZ', 'eur', 'HRK', 'BGN', 'ANG', 'ZWL', 'DEM', 'FRF', 'XTS', 'XXX', 'BTC', '']) assert.ok(!isCurrency(c), c);
  });

  describe('over HTTP', () => {
    let t: TestContext;
    let seller: TestUser;
    before(async () => {
      t = await buildTestContext({ env: { PRODUCTS: 'on' } });
      seller = await userWithRoles(t.app, ['seller'], 'seller');
    });
    after(async () => {
      await t.close();
    });

    const create = (currency: unknown) => call(t.app, seller.accessToken, 'POST', '/products', { title: 'Coin', price: '1.00', currency });

    for (const code of ['EUR', 'USD', 'JPY', 'XCG', 'ZWG']) {
      it(`${code} is accepted and returned as sent`, async () => {
        const res = await create(code);
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.json().currency, code);
      });
    }

    for (const code of ['eur', 'Eur', 'XYZ', 'HRK', 'XXX', 'EURO', 'EU', ' EUR', 'EUR ', '', 978, null]) {
      it(`${JSON.stringify(code)} → 400 on field currency`, async () => {
        assert.deepEqual(errorFields(await create(code)), ['currency']);
      });
    }

    it('PATCH checks the currency the same way', async () => {
      const id = (await create('EUR')).json().id;
      assert.deepEqual(errorFields(await call(t.app, seller.accessToken, 'PATCH', `/products/${id}`, { currency: 'usd' })), ['currency']);
      const ok = await call(t.app, seller.accessToken, 'PATCH', `/products/${id}`, { currency: 'CHF' });
      assert.equal(ok.json().currency, 'CHF');
    });

    it('the service refuses bad fields on its own, for callers other than the API (all fields at once)', async () => {
      const actor = { userId: seller.id, permissions: new Set(['products:write']) };
      await assert.rejects(
        t.services.products.create(systemContext, actor, { title: '  ', price: 19.999, currency: 'eur', image_url: 'http://x.example/a.png', description: 'ok' }),
        (error: unknown) => {
          assert.ok(error instanceof DomainError);
          assert.equal(error.code, 'validation_error');
          assert.deepEqual(error.errors?.map((e) => e.field).sort(), ['currency', 'image_url', 'price', 'title']);
          return true;
        },
      );
      await assert.rejects(t.services.products.create(systemContext, { userId: seller.id, permissions: new Set(['products:read']) }, { title: 'x', price: 1, currency: 'EUR' }), { code: 'forbidden' });
    });
  });
});
