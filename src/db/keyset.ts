/**
 * Keyset pagination (docs/api.md: newest first by created_at, then id). A page continues strictly
 * after the last row of the previous one: a row comparison, which PostgreSQL answers from the
 * (created_at desc, id desc) indexes, and no offset that drifts when rows are added meanwhile.
 * Services read limit + 1 rows and hand back a Page; the cursor is opaque to clients (base64url of
 * "<iso time>|<id>"), and one that does not decode is a 400 on field `cursor`.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { commonErrors } from '../errors.js';
import { isUuid } from './uuid.js';

export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

/** one page of a list, newest first; `nextCursor` is null on the last page */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** what a paginated list asks for: at most `limit` items after `cursor` (null: from the newest) */
export interface PageRequest {
  limit: number;
  cursor: string | null;
}

/** rows older than `after` in (created_at, id) order; the columns as the query names them */
export function olderThan(createdAtColumn: string, idColumn: string, after: KeysetPosition): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(createdAtColumn)}, ${sql.ref(idColumn)}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(position: KeysetPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined | null): KeysetPosition | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [time = '', id = ''] = text.split('|');
  const createdAt = new Date(time);
  // exactly what encodeCursor writes: a real UUID and a 4-digit-year ISO time that round-trips,
  // so a crafted cursor is a 400 here and never reaches the database as an invalid value
  const valid =
    isUuid(id) && ISO_TIME.test(time) && !time.startsWith('0000') && !Number.isNaN(createdAt.getTime()) && createdAt.toISOString() === time;
  if (!valid) throw commonErrors.validation([{ field: 'cursor', message: 'is not a valid cursor' }]);
  return { createdAt, id };
}

/**
 * Reads one page through `read`, which gets the position to continue after and how many rows to
 * fetch (limit + 1: the extra row only tells whether another page exists).
 */
export async function readPage<T extends KeysetPosition>(request: PageRequest, read: (after: KeysetPosition | null, fetch: number) => Promise<T[]>): Promise<Page<T>> {
  const rows = await read(decodeCursor(request.cursor), request.limit + 1);
  const items = rows.slice(0, request.limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > request.limit && last ? encodeCursor(last) : null };
}
