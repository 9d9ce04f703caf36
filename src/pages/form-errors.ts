/**
 * A refused form, as the page shows it: the service's DomainError becomes messages next to the
 * fields it names (validation errors, email or username taken, a weak password) or one message
 * above the form (wrong password, locked, rate-limited, …), with the error's own status and
 * headers (Retry-After). Anything that is not a DomainError is rethrown: the error handler
 * renders the 500 page.
 *
 * With the reader's Translator (`refusalOf(error, t)` or `refusalOf(error, t, fieldFor)`) the
 * messages come from the catalogue's `error` section: one message per problem code
 * (`error.code.<code>`, waits from Retry-After filled in), and for validation errors one per kind
 * of complaint (`error.validation.<kind>`) around the field's translated label
 * (`error.field.<name>`). Without one (`refusalOf(error)` or `refusalOf(error, fieldFor)`) the
 * service's own English detail is shown, as before.
 */
import { commonErrors, DomainError, type ErrorCode } from '../errors.js';
import { Translator, CATALOGUES, type MessageKey, type MessageValues } from '../i18n/translator.js';

export interface FormErrors {
  message: string | null;
  fields: Record<string, string>;
}

export const NO_ERRORS: FormErrors = { message: null, fields: {} };

export interface Refusal {
  status: number;
  headers: Record<string, string>;
  errors: FormErrors;
  code: string;
  /** everything in one sentence, for a form too small to mark fields */
  text: string;
}

/** which form field a code is about (e.g. weak_password → `new_password` on the reset form) */
export type FieldFor = Partial<Record<string, string>>;

export function refusalOf(error: unknown, t?: Translator | FieldFor, fieldFor?: FieldFor): Refusal {
  if (!(error instanceof DomainError) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
  const translate = t instanceof Translator ? t : null;
  const targets: FieldFor = (t instanceof Translator ? fieldFor : t) ?? {};
  const fields: Record<string, string> = {};
  let message: string | null = null;
  const said = translate ? codeMessage(translate, error) : (error.detail ?? error.title);
  const target = targets[error.code];
  const fieldList = error.code === 'validation_error' && error.errors?.length ? error.errors : null;
  if (fieldList) {
    for (const e of fieldList) {
      const name = targets[e.field] ?? e.field;
      fields[name] = translate ? validationMessage(translate, name, e.message) : `${englishLabel(name)} ${e.message}.`;
    }
    message = translate ? translate.t('error.correctFields') : 'Please correct the fields marked below.';
  } else if (target) {
    fields[target] = said;
  } else {
    message = said;
  }
  const text = fieldList ? Object.values(fields).join(' ') : (message ?? Object.values(fields).join(' '));
  return { status: error.status, headers: error.headers, errors: { message, fields }, code: error.code, text };
}

function englishLabel(field: string): string {
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function isKey(key: string): key is MessageKey {
  return Object.hasOwn(CATALOGUES.en, key);
}

/** a field's name as the reader's language says it ("Passwort"), or the raw name in quotes */
export function fieldLabel(t: Translator, field: string): string {
  const key = `error.field.${field}`;
  return isKey(key) ? t.t(key) : t.t('error.field.other', { name: field });
}

/** the kinds of complaint a validator makes (src/http/validation.ts, user-fields.ts), by its English text */
const KINDS: [RegExp, (m: RegExpMatchArray) => { key: MessageKey; values?: MessageValues }][] = [
  [/^is required$/, () => ({ key: 'error.validation.required' })],
  [/^is not allowed$/, () => ({ key: 'error.validation.notAllowed' })],
  [/valid email address|format "email"/, () => ({ key: 'error.validation.email' })],
  [/format "(uri|url|uri-reference)"|valid URL/i, () => ({ key: 'error.validation.url' })],
  [/must NOT have more than (\d+) characters/, (m) => ({ key: 'error.validation.tooLong', values: { max: Number(m[1]) } })],
  [/must NOT have fewer than (\d+) characters/, (m) => ({ key: 'error.validation.tooShort', values: { min: Number(m[1]) } })],
  [/must NOT have more than (\d+) items/, (m) => ({ key: 'error.validation.tooMany', values: { max: Number(m[1]) } })],
  [/must NOT have fewer than (\d+) items/, (m) => ({ key: 'error.validation.tooFew', values: { min: Number(m[1]) } })],
  [/^already exists$/, () => ({ key: 'error.validation.exists' })],
  [/must match pattern/, () => ({ key: 'error.validation.pattern' })],
];

function validationMessage(t: Translator, field: string, complaint: string): string {
  for (const [re, kind] of KINDS) {
    const m = complaint.match(re);
    if (m) {
      const { key, values } = kind(m);
      return t.t(key, { ...values, field: fieldLabel(t, field) });
    }
  }
  return t.t('error.validation.invalid', { field: fieldLabel(t, field) });
}

/** a wait as `{unit, n}` for the catalogue's plural: seconds below a minute, whole minutes above (rounded up) */
function waitOf(headers: Record<string, string>): { unit: 'seconds' | 'minutes'; n: number } | null {
  const seconds = Number(headers['retry-after']);
  if (!Number.isFinite(seconds) || seconds <= 0) return null;
  const s = Math.ceil(seconds);
  return s < 60 ? { unit: 'seconds', n: s } : { unit: 'minutes', n: Math.ceil(s / 60) };
}

/** the catalogue's message for a problem code (a few codes have variants the detail tells apart) */
export function codeMessage(t: Translator, error: DomainError): string {
  const wait = waitOf(error.headers);
  const detail = error.detail ?? '';
  switch (error.code) {
    case 'account_locked':
      return wait ? t.t('error.code.account_locked.wait', wait) : t.t('error.code.account_locked');
    case 'rate_limited':
      return t.t('error.code.rate_limited', { seconds: Math.max(1, Math.ceil(Number(error.headers['retry-after']) || 1)) });
    case 'too_many_attempts':
      if (wait) return t.t('error.code.too_many_attempts.wait', wait);
      return /sign in again/i.test(detail) ? t.t('error.code.too_many_attempts.signIn') : t.t('error.code.too_many_attempts');
    case 'weak_password': {
      const short = detail.match(/at least (\d+) characters/);
      if (short) return t.t('error.code.weak_password.short', { min: Number(short[1]) });
      const long = detail.match(/at most (\d+) characters/);
      if (long) return t.t('error.code.weak_password.long', { max: Number(long[1]) });
      return t.t('error.code.weak_password');
    }
    case 'forbidden':
      return /sign in again/i.test(detail) ? t.t('error.code.forbidden.reauthenticate') : t.t('error.code.forbidden');
    case 'invalid_code':
      return /no code to check/.test(detail) ? t.t('error.code.invalid_code.none') : t.t('error.code.invalid_code');
    default: {
      const key = `error.code.${error.code satisfies ErrorCode}`;
      return isKey(key) ? t.t(key) : t.t('error.code.other');
    }
  }
}

/** fields a form needs filled in: 400 validation_error naming every empty one ("is required") */
export function requireFields(fields: Record<string, string>): void {
  const missing = Object.entries(fields).filter(([, v]) => v === '').map(([field]) => ({ field, message: 'is required' }));
  if (missing.length > 0) throw commonErrors.validation(missing);
}
