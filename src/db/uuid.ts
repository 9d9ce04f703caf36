/**
 * What a UUID looks like, written once: the canonical 8-4-4-4-12 hex form that PostgreSQL's uuid
 * type reads (without ajv-formats' `urn:uuid:` prefix, which it refuses). Request schemas (the
 * `uuid` format), page routes and cursors check ids with it, so a malformed id is a 400 or a 404,
 * never a database error.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}
