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

// connection-level failures of PostgreSQL or Redis (node/pg/ioredis errors and server shutdown codes)
const OUTAGE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300', '08006', '08001', '08004']);

/** the database (or Redis) is down or not up yet, as opposed to a bad query or bad data */
export function isConnectionFailure(error: unknown): boolean {
  const e = error as { code?: string; message?: string; errors?: unknown[] } | null;
  if (e?.code !== undefined && OUTAGE_CODES.has(e.code)) return true;
  // node's AggregateError when every address of a host refused (localhost: ::1 and 127.0.0.1)
  if (Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every(isConnectionFailure)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Connection is closed|the database system is (starting up|shutting down)/i.test(e?.message ?? '');
}
