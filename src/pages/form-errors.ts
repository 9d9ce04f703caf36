/**
 * A refused form, as the page shows it: the service's DomainError becomes messages next to the
 * fields it names (validation errors, email or username taken, a weak password with zxcvbn's
 * feedback) or one message above the form (wrong password, locked, rate-limited, …), with the
 * error's own status and headers (Retry-After). Anything that is not a DomainError is rethrown:
 * the error handler renders the 500 page.
 */
import { commonErrors, DomainError } from '../errors.js';

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

export function refusalOf(error: unknown, fieldFor: FieldFor = {}): Refusal {
  if (!(error instanceof DomainError) || (error.status >= 500 && error.code !== 'server_busy')) throw error;
  const fields: Record<string, string> = {};
  let message: string | null = null;
  const said = error.detail ?? error.title;
  const target = fieldFor[error.code];
  if (error.code === 'validation_error' && error.errors?.length) {
    for (const e of error.errors) {
      const name = fieldFor[e.field] ?? e.field;
      fields[name] = `${label(name)} ${e.message}.`;
    }
    message = 'Please correct the fields marked below.';
  } else if (target) {
    fields[target] = said;
  } else {
    message = said;
  }
  const text = error.code === 'validation_error' && error.errors?.length ? Object.values(fields).join(' ') : (message ?? Object.values(fields).join(' '));
  return { status: error.status, headers: error.headers, errors: { message, fields }, code: error.code, text };
}

function label(field: string): string {
  const words = field.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** fields a form needs filled in: 400 validation_error naming every empty one ("is required") */
export function requireFields(fields: Record<string, string>): void {
  const missing = Object.entries(fields).filter(([, v]) => v === '').map(([field]) => ({ field, message: 'is required' }));
  if (missing.length > 0) throw commonErrors.validation(missing);
}
