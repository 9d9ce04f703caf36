/**
 * What the signed-in pages (dashboard, account, products, admin console) share beyond PageKit:
 * multi-valued form fields (checkbox groups), ids from the path checked before any service sees
 * them (a malformed UUID is a 404 page, never a database error), the notice a Post/Redirect/Get
 * carries to the page it lands on, and the cursor of a paginated list.
 */
import type { FastifyRequest } from 'fastify';
import { isUuid } from '../db/uuid.js';
import { commonErrors } from '../errors.js';
import type { MessageKey, Translator } from '../i18n/translator.js';
import { refusalOf, type FieldFor, type Refusal } from './form-errors.js';


/** every value of a repeated form field (checkboxes), strings only */
export function formList(request: FastifyRequest, name: string): string[] {
  const body = request.body as Record<string, unknown> | undefined;
  const value = body && typeof body === 'object' ? body[name] : undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** a ticked checkbox */
export function formChecked(request: FastifyRequest, name: string): boolean {
  return formList(request, name).length > 0;
}

/** the path's `:id` when it is a UUID; anything else names nothing (404) */
export function pathId(request: FastifyRequest, what = 'page'): string {
  const id = (request.params as Record<string, unknown> | undefined)?.id;
  if (typeof id !== 'string' || !isUuid(id)) throw commonErrors.notFound(`No such ${what}.`);
  return id;
}

export { isUuid };

/** a typed-in value, or null when the field was left empty (clears an optional field) */
export function orNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** the message a redirect asked the next page to show (`?notice=<key>`), from a fixed list */
export function noticeOf(request: FastifyRequest, notices: Record<string, string>): string | null {
  const key = (request.query as Record<string, unknown> | undefined)?.notice;
  return typeof key === 'string' && Object.hasOwn(notices, key) ? notices[key]! : null;
}

/** a path with `?notice=` added (PRG) */
export function withNotice(path: string, notice: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}notice=${encodeURIComponent(notice)}`;
}

/**
 * the notice a redirect asked for, in the reader's language: `notices` maps each `?notice=` key to
 * its catalogue key (an unknown key shows nothing)
 */
export function noticeIn(request: FastifyRequest, notices: Record<string, MessageKey>, t: Translator): string | null {
  const key = noticeOf(request, notices);
  return key === null ? null : t.t(key as MessageKey);
}

/**
 * A refused console form in the reader's language. English readers get the service's own detail
 * (it names the specifics: which role still holds a permission, which event filter is unknown),
 * which the catalogue's per-code message cannot; other languages get the catalogue's translation.
 */
export function consoleRefusal(error: unknown, t: Translator, fieldFor?: FieldFor): Refusal {
  return t.locale === 'en' ? refusalOf(error, fieldFor ?? {}) : refusalOf(error, t, fieldFor);
}
