/**
 * Messages by key, in the reader's language, from one catalogue per language (messages/en.ts,
 * messages/de.ts) written in ICU MessageFormat and formatted by `intl-messageformat` (plurals,
 * selects, numbers and dates as the locale writes them). Every message may use `{brand}`
 * (BRAND_NAME). The German catalogue has exactly the English keys: the compiler refuses a missing
 * one, and test/i18n checks that both use the same arguments.
 *
 * What comes out is plain text: pages put it through the `html` template, which escapes it.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import type { Locale } from './locales.js';
import { de } from './messages/de.js';
import { en, type MessageKey } from './messages/en.js';

export type { MessageKey } from './messages/en.js';
export type MessageValues = Record<string, string | number | Date | null | undefined>;

export const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { en, de };

/** compiled messages, per locale, compiled on first use */
const compiled: Record<Locale, Map<MessageKey, IntlMessageFormat>> = { en: new Map(), de: new Map() };

function formatOf(locale: Locale, key: MessageKey): IntlMessageFormat {
  let format = compiled[locale].get(key);
  if (!format) {
    format = new IntlMessageFormat(CATALOGUES[locale][key], locale);
    compiled[locale].set(key, format);
  }
  return format;
}

export class Translator {
  private readonly dateTimeFormat: Intl.DateTimeFormat;
  private readonly dateFormat: Intl.DateTimeFormat;

  constructor(
    readonly locale: Locale,
    readonly brand: string,
  ) {
    // the server does not know the reader's time zone: times are shown in UTC, and say so
    this.dateTimeFormat = new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' });
    this.dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' });
  }

  /** the message `key` with `values` (and `{brand}`) filled in */
  t(key: MessageKey, values?: MessageValues): string {
    const result = formatOf(this.locale, key).format({ brand: this.brand, ...values });
    return typeof result === 'string' ? result : String(result);
  }

  /** a moment as the reader's locale writes it (UTC): "7 Dec 2026, 14:05 UTC" / "07.12.2026, 14:05 UTC" */
  dateTime(value: Date | string | number): string {
    return this.dateTimeFormat.format(new Date(value));
  }

  /** a day as the reader's locale writes it */
  date(value: Date | string | number): string {
    return this.dateFormat.format(new Date(value));
  }

  /** a number as the reader's locale writes it */
  number(value: number): string {
    return value.toLocaleString(this.locale);
  }
}

const translators = new Map<string, Translator>();

/** one Translator per (locale, brand), kept: they hold compiled formats */
export function translator(locale: Locale, brand: string): Translator {
  const id = `${locale}\u0000${brand}`;
  let t = translators.get(id);
  if (!t) {
    t = new Translator(locale, brand);
    translators.set(id, t);
  }
  return t;
}
