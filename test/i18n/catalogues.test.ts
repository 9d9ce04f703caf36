import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntlMessageFormat } from 'intl-messageformat';
import { loadConfig } from '../../src/config/load-config.js';
import { LOCALES, negotiateLocale } from '../../src/i18n/locales.js';
import { CATALOGUES, translator, type MessageKey } from '../../src/i18n/translator.js';

/** the argument names a message uses, nested plural/select branches included */
function argumentsOf(message: string, locale: string): string[] {
  const names = new Set<string>();
  const walk = (nodes: unknown[]): void => {
    for (const node of nodes as { type: number; value?: string; options?: Record<string, { value: unknown[] }>; children?: unknown[] }[]) {
      // 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural, 8 tag
      if ([1, 2, 3, 4, 5, 6].includes(node.type) && node.value) names.add(node.value);
      if (node.options) for (const option of Object.values(node.options)) walk(option.value);
      if (node.children) walk(node.children);
    }
  };
  walk(new IntlMessageFormat(message, locale).getAst());
  return [...names].sort();
}

describe('i18n: the catalogues', () => {
  it('every language has every key, each message parses, with the same arguments as English', () => {
    const keys = Object.keys(CATALOGUES.en) as MessageKey[];
    for (const locale of LOCALES) {
      const catalogue = CATALOGUES[locale];
      assert.deepEqual(Object.keys(catalogue).sort(), [...keys].sort(), `${locale} has exactly the English keys`);
      for (const key of keys) {
        assert.deepEqual(argumentsOf(catalogue[key], locale), argumentsOf(CATALOGUES.en[key], 'en'), `${locale}: ${key} uses the English arguments`);
      }
    }
  });

  it('German messages are German: none is left equal to its English text unless it is a name or a pattern', () => {
    // texts that are the same word in both languages, or only a pattern around arguments
    const same = (key: MessageKey) => /^[\s{}·a-z.,:/-]*$/i.test(CATALOGUES.en[key].replace(/\{[^}]*\}/g, '')) && !/[a-z]{3,}/i.test(CATALOGUES.en[key].replace(/\{[^}]*\}/g, ''));
    const untranslated = (Object.keys(CATALOGUES.en) as MessageKey[]).filter((k) => CATALOGUES.de[k] === CATALOGUES.en[k] && !same(k) && !ALLOWED_EQUAL.has(k));
    assert.deepEqual(untranslated, []);
  });

  it('fills in the brand and formats dates in the reader’s locale', () => {
    assert.equal(translator('de', 'Acme').t('layout.footer'), 'Acme · Ihre Anmeldung wird von diesem Dienst geschützt');
    assert.equal(translator('en', 'Acme').t('layout.title', { title: 'Sign in' }), 'Sign in · Acme');
    const moment = new Date('2026-12-07T14:05:00Z');
    assert.match(translator('de', 'Acme').dateTime(moment), /7\. Dez\. 2026.*14:05/);
    assert.match(translator('en', 'Acme').dateTime(moment), /Dec 7, 2026.*02:05/);
  });
});

/** English words that German uses unchanged (add with care: the test above is what keeps German pages German) */
const ALLOWED_EQUAL = new Set<MessageKey>(['mfa.account.passkeys', 'layout.title', 'error.field.name', 'error.field.code', 'error.field.token']);

describe('i18n: which language a reader gets', () => {
  it('the switch’s cookie first, then Accept-Language by q-value, then DEFAULT_LOCALE', () => {
    assert.equal(negotiateLocale({ cookie: 'de', acceptLanguage: 'en' }, 'en'), 'de');
    assert.equal(negotiateLocale({ cookie: 'xx', acceptLanguage: 'de-DE,de;q=0.9,en;q=0.5' }, 'en'), 'de');
    assert.equal(negotiateLocale({ acceptLanguage: 'fr-FR, en;q=0.2, de;q=0.8' }, 'en'), 'de');
    assert.equal(negotiateLocale({ acceptLanguage: 'fr-FR' }, 'de'), 'de');
    assert.equal(negotiateLocale({}, 'en'), 'en');
    assert.equal(negotiateLocale({ acceptLanguage: `${'x,'.repeat(10_000)}de` }, 'en'), 'en', 'an oversized header is not parsed');
  });

  it('DEFAULT_LOCALE accepts the known languages only; BRAND_COLOR a #rgb or #rrggbb colour', () => {
    assert.equal(loadConfig({ DEFAULT_LOCALE: 'de' }).defaultLocale, 'de');
    assert.throws(() => loadConfig({ DEFAULT_LOCALE: 'fr' }), /DEFAULT_LOCALE/);
    assert.equal(loadConfig({ BRAND_COLOR: '#A1B2C3' }).brandColor, '#a1b2c3');
    assert.throws(() => loadConfig({ BRAND_COLOR: 'red;}body{' }), /BRAND_COLOR/);
    assert.equal(loadConfig({}).brandName, 'Gatehouse');
  });
});
