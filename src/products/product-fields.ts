/**
 * The rules of a product's fields (docs/api.md "Product"), applied by the service on every path in
 * (API, later pages and CLI); the HTTP schemas check the same shapes first, for the OpenAPI document
 * and early 400s.
 *
 * Prices never pass through floating-point arithmetic: they are validated as decimal text and
 * stored as text into numeric(10,2). A JSON number is judged by its shortest decimal form
 * (String(n)), so 19.99 is "19.99", 1e3 (the number one thousand, however the JSON spelled it) is
 * "1000", and 19.999 or 1e-7 are refused. As strings, only plain decimals are accepted: digits,
 * optionally a point and one or two decimals ("1e3", "1.", ".5", " 1", "-0" are refused).
 */
import { commonErrors } from '../errors.js';
import { isCurrency } from './currencies.js';

export const MAX_PRICE = '99999999.99';
export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 5000;
export const IMAGE_URL_MAX = 2048;

/** the string form a request may use for a price (the range is checked separately) */
export const PRICE_TEXT_PATTERN = '^[0-9]+(\\.[0-9]{1,2})?$';
const PRICE_TEXT = /^([0-9]+)(?:\.([0-9]{1,2}))?$/;
const MAX_INTEGER_DIGITS = 8;

export const PRICE_MESSAGE = `must be a decimal number with at most 2 decimal places, from 0 to ${MAX_PRICE}`;
const CURRENCY_MESSAGE = 'must be an ISO 4217 currency code in upper case, e.g. "EUR"';
const IMAGE_URL_MESSAGE = 'must be an https URL or null';

/** a product's writable fields as a request sends them (API names) */
export interface ProductFieldsInput {
  title?: string;
  description?: string | null;
  price?: number | string;
  currency?: string;
  image_url?: string | null;
}

/** the same fields, checked and normalised (price as text with exactly two decimals) */
export interface ProductFields {
  title?: string;
  description?: string | null;
  price?: string;
  currency?: string;
  imageUrl?: string | null;
}

/** canonical text with exactly two decimals ("5.00"), or null when the value is not a valid price */
export function normalizePrice(input: unknown): string | null {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return null;
    text = String(input); // shortest round-trip form; exponent forms fail the pattern below
  } else if (typeof input === 'string') {
    text = input;
  } else {
    return null;
  }
  const match = PRICE_TEXT.exec(text);
  if (!match) return null;
  const integer = match[1]!.replace(/^0+(?=[0-9])/, '');
  if (integer.length > MAX_INTEGER_DIGITS) return null;
  return `${integer}.${(match[2] ?? '').padEnd(2, '0')}`;
}

const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * An https URL with a real host: the WHATWG parser alone is lenient (`https:///x` becomes
 * https://x/, `https://.` parses), so the text must name a host right after `https://` and that
 * host must be a DNS name (IDNs as the parser's punycode), an IPv4 address or an IPv6 literal.
 */
function checkImageUrl(url: unknown): boolean {
  if (typeof url !== 'string' || url.length > IMAGE_URL_MAX || !/^https:\/\/[^/?#\\\s]/.test(url)) return false;
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  if (host.startsWith('[')) return true;
  return host.replace(/\.$/, '').split('.').every((label) => HOST_LABEL.test(label));
}

const codePoints = (s: string) => [...s].length;

/**
 * Checks the fields present in `input` (absent ones stay absent), reporting every invalid field
 * at once as a 400 validation_error.
 */
export function checkProductFields(input: ProductFieldsInput): ProductFields {
  const errors: { field: string; message: string }[] = [];
  const out: ProductFields = {};
  const { title, description, price, currency, image_url: imageUrl } = input;
  if (title !== undefined) {
    if (typeof title !== 'string' || codePoints(title) < 1 || codePoints(title) > TITLE_MAX) errors.push({ field: 'title', message: `must be 1–${TITLE_MAX} characters` });
    else if (title.trim() === '') errors.push({ field: 'title', message: 'must not be blank' });
    else out.title = title;
  }
  if (description !== undefined) {
    if (description !== null && (typeof description !== 'string' || codePoints(description) > DESCRIPTION_MAX)) {
      errors.push({ field: 'description', message: `must be at most ${DESCRIPTION_MAX} characters, or null` });
    } else out.description = description;
  }
  if (price !== undefined) {
    const normalized = normalizePrice(price);
    if (normalized === null) errors.push({ field: 'price', message: PRICE_MESSAGE });
    else out.price = normalized;
  }
  if (currency !== undefined) {
    if (typeof currency !== 'string' || !isCurrency(currency)) errors.push({ field: 'currency', message: CURRENCY_MESSAGE });
    else out.currency = currency;
  }
  if (imageUrl !== undefined) {
    if (imageUrl !== null && !checkImageUrl(imageUrl)) errors.push({ field: 'image_url', message: IMAGE_URL_MESSAGE });
    else out.imageUrl = imageUrl;
  }
  if (errors.length > 0) throw commonErrors.validation(errors);
  return out;
}
