/**
 * Keyset pagination (SPEC §2: newest first by created_at, then id). A page continues strictly
 * after the last row of the previous one: a row comparison, which PostgreSQL answers from the
 * (created_at desc, id desc) indexes, and no offset that drifts when rows are added meanwhile.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';

export interface KeysetPosition {
  createdAt: Date;
  id: string;
}

/** rows older than `after` in (created_at, id) order; the columns as the query names them */
export function olderThan(createdAtColumn: string, idColumn: string, after: KeysetPosition): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${sql.ref(createdAtColumn)}, ${sql.ref(idColumn)}) < (${after.createdAt}::timestamptz, ${after.id}::uuid)`;
}
