/**
 * Cursor pagination (SPEC §2): newest first by (created_at, id); the cursor is opaque to clients
 * (base64url of "<iso time>|<id>"). A cursor that does not decode is a 400 on field `cursor`.
 */
import { Type } from '@sinclair/typebox';
import { commonErrors } from '../errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export interface CursorPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined | null): CursorPosition | null {
  if (cursor === undefined || cursor === null || cursor === '') return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const [time = '', id = ''] = text.split('|');
  const createdAt = new Date(time);
  // exactly what encodeCursor writes: a real UUID and a 4-digit-year ISO time that round-trips,
  // so a crafted cursor is a 400 here and never reaches the database as an invalid value
  const valid =
    UUID.test(id) && ISO_TIME.test(time) && !time.startsWith('0000') && !Number.isNaN(createdAt.getTime()) && createdAt.toISOString() === time;
  if (!valid) throw commonErrors.validation([{ field: 'cursor', message: 'is not a valid cursor' }]);
  return { createdAt, id };
}

/** fetch limit+1 rows, return `limit` of them and the cursor of the last one when more exist */
export function page<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

export const DEFAULT_PAGE_LIMIT = 20;

export const PageQuery = {
  // optional (the OpenAPI document must not call it required); validation fills in the default
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_LIMIT })),
  cursor: Type.Optional(Type.String({ maxLength: 200 })),
};
