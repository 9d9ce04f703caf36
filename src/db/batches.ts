/**
 * Multi-row statements stay under PostgreSQL's limit of 65,535 bound parameters per statement:
 * rows are split into parts of at most `rowsPerStatement` (the default fits rows of up to 13
 * columns).
 */
export const ROWS_PER_STATEMENT = 5000;

export function inChunks<T>(rows: readonly T[], rowsPerStatement = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += rowsPerStatement) out.push(rows.slice(i, i + rowsPerStatement));
  return out;
}
