/** SQLSTATE codes the services answer for themselves (same from pg and PGlite) */
export const FOREIGN_KEY_VIOLATION = '23503';

export function isForeignKeyViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === FOREIGN_KEY_VIOLATION;
}

/**
 * A named statement's plan no longer fits its table (the schema changed since it was prepared:
 * another instance migrated, or DDL in this one). The statements' callers run it unnamed instead.
 */
export function isStalePlan(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

// connection-level failures of PostgreSQL or Redis (node/pg/ioredis errors and server shutdown
// codes: 57P01 admin shutdown or pg_terminate_backend, 57P02 crash shutdown, 57P03 cannot connect
// now, 53300 too many connections; and the whole 08 class, connection exceptions)
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', '57P01', '57P02', '57P03', '53300']);
const OUTAGE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Connection is closed|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|read ECONNRESET|write EPIPE/i;

/** the database (or Redis) is down or not up yet, as opposed to a bad query or bad data */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  const e = error as { code?: string; message?: string; errors?: unknown[]; cause?: unknown } | null;
  if (typeof e?.code === 'string' && (OUTAGE_CODES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  // node's AggregateError when every address of a host refused (localhost: ::1 and 127.0.0.1)
  if (Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every((x) => isConnectionFailure(x, depth + 1))) return true;
  if (OUTAGE_MESSAGE.test(typeof e?.message === 'string' ? e.message : '')) return true;
  // an error wrapping one of these (new Error('…', { cause }))
  return e?.cause !== undefined && e.cause !== null && depth < 3 && isConnectionFailure(e.cause, depth + 1);
}
