/**
 * The languages Gatehouse speaks, and which one a reader gets: the language switch's cookie
 * (`gh_lang`) when it names a known locale, else the best match of `Accept-Language`
 * (RFC 9110 §12.5.4, q-values honoured), else DEFAULT_LOCALE. Mail, which has no request, uses
 * the account owner's: the request's (RequestContext.locale) when the owner caused it, else the
 * stored users.locale, else DEFAULT_LOCALE (docs/architecture.md, "Languages").
 */
import Negotiator from 'negotiator';

export const LOCALES = ['en', 'de'] as const;
export type Locale = (typeof LOCALES)[number];

/** the cookie the language switch sets (a year; not a secret, not HttpOnly-sensitive) */
export const LOCALE_COOKIE = 'gh_lang';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export interface LocaleHints {
  /** the `gh_lang` cookie's value */
  cookie?: string | undefined;
  /** the Accept-Language header */
  acceptLanguage?: string | undefined;
}

export function negotiateLocale(hints: LocaleHints, fallback: Locale): Locale {
  return readerLocale(hints) ?? fallback;
}

/** the locale the hints name (the cookie, else Accept-Language's best match), or null when they name none Gatehouse speaks */
export function readerLocale(hints: LocaleHints): Locale | null {
  if (isLocale(hints.cookie)) return hints.cookie;
  const header = hints.acceptLanguage;
  // a hostile header is bounded before parsing (the parser is linear, but no reason to feed it 64 KiB)
  if (header && header.length <= 512) {
    const [best] = new Negotiator({ headers: { 'accept-language': header } }).languages([...LOCALES]);
    if (isLocale(best)) return best;
  }
  return null;
}

/**
 * The hints of a request read from its raw headers, for code that has no parsed cookies (the
 * OpenID Connect library's error page, /dev/mail): the `gh_lang` cookie out of `Cookie`, and
 * `Accept-Language`. A header that is not a plain string (repeated) counts as absent.
 */
export function hintsOfHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): LocaleHints {
  const cookieHeader = headers.cookie;
  const acceptLanguage = headers['accept-language'];
  let cookie: string | undefined;
  if (typeof cookieHeader === 'string' && cookieHeader.length <= 8192) {
    for (const part of cookieHeader.split(';')) {
      const at = part.indexOf('=');
      if (at > 0 && part.slice(0, at).trim() === LOCALE_COOKIE) cookie = part.slice(at + 1).trim();
    }
  }
  return { cookie, acceptLanguage: typeof acceptLanguage === 'string' ? acceptLanguage : undefined };
}
