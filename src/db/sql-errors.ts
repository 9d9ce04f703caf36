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
