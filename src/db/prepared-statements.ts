/**
 * Named prepared statements for PostgreSQL. Kysely sends every query as an unnamed statement, so
 * PostgreSQL parses and plans it again each time; the hot statements (a sign-in's user lookup,
 * its session + audit insert) spent more time there than executing. This wraps the pg pool so a
 * parameterised query runs as a statement named after its SQL text: each connection prepares it
 * once and then only binds and executes.
 *
 * Bounds and escapes:
 * - at most MAX_NAMES distinct texts are named per process (queries whose text varies, such as
 *   IN lists of different lengths, cannot grow PostgreSQL's per-connection cache without end);
 * - a text whose cached plan no longer fits the table (another instance migrated it) is retried
 *   once unnamed and never named again in this process;
 * - `DATABASE_PREPARE=false` turns it off (PgBouncer before 1.21 in transaction pooling mode);
 * - a text that starts with PLAN_EACH_TIME is never named: PostgreSQL keeps a named statement's
 *   generic plan, made for the table as it was then, and re-plans only when the table's
 *   statistics change — a join of a parameter's rows with a table that was small at first keeps
 *   scanning the whole table as it grows. Such a statement is planned on each run instead.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { isStalePlan } from './sql-errors.js';

const MAX_NAMES = 1000;

/** the opening of a SQL text to be planned on every run (see above), never prepared under a name */
export const PLAN_EACH_TIME = '/* planned each time */';
const PATCHED = Symbol('gatehouse.prepared');

type QueryFn = (text: string | pg.QueryConfig, values?: unknown[]) => Promise<pg.QueryResult>;

export class PreparedStatements {
  readonly #names = new Map<string, string>();
  readonly #never = new Set<string>();

  /** the statement name for a SQL text, or null when it runs unnamed */
  nameFor(text: string): string | null {
    if (this.#never.has(text) || text.startsWith(PLAN_EACH_TIME)) return null;
    let name = this.#names.get(text);
    if (name === undefined) {
      if (this.#names.size >= MAX_NAMES) return null;
      name = `gh_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      this.#names.set(text, name);
    }
    return name;
  }

  /** a pool for Kysely's PostgresDialect whose clients run parameterised queries prepared */
  wrap(pool: pg.Pool): pg.Pool {
    const connect = async (): Promise<pg.PoolClient> => {
      const client = (await pool.connect()) as pg.PoolClient & { [PATCHED]?: true };
      if (!client[PATCHED]) {
        const query = client.query.bind(client) as QueryFn;
        (client as unknown as { query: QueryFn }).query = (text, values) => this.#run(query, text, values);
        client[PATCHED] = true;
      }
      return client;
    };
    return new Proxy(pool, { get: (target, key) => (key === 'connect' ? connect : Reflect.get(target, key, target)) });
  }

  async #run(query: QueryFn, text: string | pg.QueryConfig, values?: unknown[]): Promise<pg.QueryResult> {
    const name = typeof text === 'string' && values && values.length > 0 ? this.nameFor(text) : null;
    if (name === null) return query(text, values);
    try {
      return await query({ name, text: text as string, values });
    } catch (error) {
      if (isStalePlan(error)) {
        this.#never.add(text as string);
        return query(text, values);
      }
      throw error;
    }
  }
}
