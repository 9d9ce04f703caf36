/**
 * The emails Gatehouse sends (docs/operations.md), each a subject, a plain-text body and an HTML body, with
 * `{{name}}` placeholders filled from the message's data (escaped in HTML; a missing value is
 * empty). Built in per language (built-in/en.ts, built-in/de.ts); an operator replaces any part of any message by putting a file in
 * MAIL_TEMPLATES_DIR: `<template>.<locale>.subject.txt`, `<template>.<locale>.txt`,
 * `<template>.<locale>.html` for one language, or `<template>.subject.txt`, `<template>.txt`,
 * `<template>.html` for DEFAULT_LOCALE (read once at start; a part without a file keeps the
 * built-in text of that language). The language is the message's `locale` (the reader's:
 * `readerData` in mail-service.ts), else DEFAULT_LOCALE. Rendering happens when the message is
 * sent, so a changed template applies to mail still queued; a security notice's time, device,
 * location and change are put into words of that language then too (notice-values.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { escapeHtml } from '../http/html.js';
import { isLocale, LOCALES, type Locale } from '../i18n/locales.js';
import { translator } from '../i18n/translator.js';
import { noticeValues } from './notice-values.js';
import { BUILT_IN_DE } from './built-in/de.js';
import { BUILT_IN_EN } from './built-in/en.js';
import { TEMPLATE_NAMES, type Template, type TemplateName } from './built-in/template.js';

export { TEMPLATE_NAMES, type Template, type TemplateName };

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

const BUILT_IN: Record<Locale, Record<TemplateName, Template>> = { en: BUILT_IN_EN, de: BUILT_IN_DE };

/** the built-in messages' signature, per language (their subjects end with ` · {{brand}}`) */
const SIGNATURE_TEXT: Record<Locale, string> = { en: `-- \nThe {{brand}} team\n`, de: `-- \nIhr {{brand}}-Team\n` };
const SIGNATURE_HTML: Record<Locale, string> = { en: '<p style="color: #57606a">The {{brand}} team</p>', de: '<p style="color: #57606a">Ihr {{brand}}-Team</p>' };

/**
 * MAIL_FROM with BRAND_NAME as the sender's display name when MAIL_FROM names none or keeps the
 * default "Gatehouse" (an operator's own display name wins)
 */
export function senderOf(mailFrom: string, brand: string): string {
  const m = /^\s*(?:"?([^"<]*?)"?\s*)?<([^>]+)>\s*$/.exec(mailFrom);
  const name = m ? (m[1] ?? '').trim() : '';
  const address = m ? m[2]! : mailFrom.trim();
  if (name !== '' && name !== 'Gatehouse') return mailFrom;
  return `"${brand.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

function fill(template: string, data: Record<string, unknown>, escape: (s: string) => string): string {
  return template.replace(/\{\{\s*([a-z0-9_]+)\s*\}\}/gi, (_, key: string) => {
    const value = data[key];
    return value === null || value === undefined ? '' : escape(String(value));
  });
}

export class MailTemplates {
  readonly #templates: Record<Locale, Record<string, Template>>;

  /**
   * `dir`: MAIL_TEMPLATES_DIR (null: the built-in templates only); `brand`: BRAND_NAME, which every
   * template may use as `{{brand}}` and the built-in ones put in the signature; `defaultLocale`:
   * DEFAULT_LOCALE, the language of a message that names none (and of the files without a locale)
   */
  constructor(
    dir: string | null,
    readonly brand = 'Gatehouse',
    readonly defaultLocale: Locale = 'en',
  ) {
    const byLocale = {} as Record<Locale, Record<string, Template>>;
    for (const locale of LOCALES) {
      const templates: Record<string, Template> = {};
      for (const name of TEMPLATE_NAMES) {
        const builtIn = BUILT_IN[locale][name];
        const read = (suffix: string, fallback: string) => {
          if (!dir) return fallback;
          const own = join(dir, `${name}.${locale}${suffix}`);
          if (existsSync(own)) return readFileSync(own, 'utf8');
          const general = join(dir, `${name}${suffix}`);
          return locale === defaultLocale && existsSync(general) ? readFileSync(general, 'utf8') : fallback;
        };
        templates[name] = {
          subject: read('.subject.txt', `${builtIn.subject} · {{brand}}`).trim(),
          text: read('.txt', `${builtIn.text}\n${SIGNATURE_TEXT[locale]}`),
          html: read('.html', builtIn.html.replace('\n</body>', `\n${SIGNATURE_HTML[locale]}\n</body>`)),
        };
      }
      byLocale[locale] = templates;
    }
    this.#templates = byLocale;
  }

  /** renders `name` in the language of `values.locale` (DEFAULT_LOCALE when missing or unknown) */
  render(name: string, values: Record<string, unknown>): RenderedMail {
    const locale = isLocale(values['locale']) ? values['locale'] : this.defaultLocale;
    const t = this.#templates[locale][name];
    if (!t) throw new Error(`unknown mail template "${name}"`);
    // a notice's time, device, change … in words of this language (notice-values.ts)
    const data = { ...noticeValues(translator(locale, this.brand), values), brand: this.brand };
    // a subject is one line: a value with a line break must not add headers
    return { subject: fill(t.subject, data, (s) => s.replace(/[\r\n]+/g, ' ')), text: fill(t.text, data, (s) => s), html: fill(t.html, data, escapeHtml) };
  }
}
