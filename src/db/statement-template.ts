/**
 * A hot statement whose Kysely query is built and compiled once. Kysely builds an operation tree
 * (frozen objects, a parser per argument) and compiles it to SQL on every call: for the sign-in's
 * statements that was more of the event loop's time than the driver's (bench/RESULTS.md, (b)).
 * Here the builder runs once, with a marker in place of each value; every execution then only
 * puts the values where the markers were and runs the compiled SQL (which both engines run as a
 * named prepared statement: prepared-statements.ts, pglite-dialect.ts).
 *
 * The builder must give the same SQL whatever the values are — no branch on a value, no value
 * inspected (a marker is an opaque object) — which is what the values-as-arguments signature
 * says: the builder is handed the markers, never the values. Constants written in the builder stay
 * as they were compiled. Results go through Kysely's executor as with `execute()` (the query log
 * and the round-trip counting of the tests see these statements like any other).
 */
import { createQueryId, type Compilable } from 'kysely';
import type { Executor } from './database-types.js';

/** stands for the value at `index` while the statement is built */
class Marker {
  constructor(readonly index: number) {}
}

interface Compiled {
  sql: string;
  query: ReturnType<Compilable['compile']>['query'];
  /** for each parameter of the SQL: the index of the value it takes, or a constant of the builder */
  binds: ({ value: number } | { constant: unknown })[];
}

export class StatementTemplate<V extends readonly unknown[], R> {
  #compiled: Compiled | null = null;

  /** `build` gets one marker per value (typed as the value: pass it where the value would go) */
  constructor(
    private readonly arity: V['length'],
    private readonly build: (db: Executor, ...values: V) => Compilable<R>,
  ) {}

  /** the statement's rows for these values */
  async execute(db: Executor, ...values: V): Promise<R[]> {
    const compiled = (this.#compiled ??= this.#compile(db));
    const parameters = compiled.binds.map((b) => ('value' in b ? values[b.value] : b.constant));
    const result = await db.executeQuery<R>({ sql: compiled.sql, parameters, query: compiled.query, queryId: createQueryId() });
    return result.rows;
  }

  async executeTakeFirst(db: Executor, ...values: V): Promise<R | undefined> {
    return (await this.execute(db, ...values))[0];
  }

  #compile(db: Executor): Compiled {
    const markers = Array.from({ length: this.arity }, (_, i) => new Marker(i)) as unknown as V;
    const { sql, parameters, query } = this.build(db, ...markers).compile();
    const binds = parameters.map((p) => (p instanceof Marker ? { value: p.index } : { constant: p }));
    const used = new Set(binds.flatMap((b) => ('value' in b ? [b.value] : [])));
    // a value the builder did not pass on (or inspected instead) would be silently ignored
    for (let i = 0; i < this.arity; i++) if (!used.has(i)) throw new Error(`StatementTemplate: value ${i} is not a parameter of ${sql}`);
    return { sql, query, binds };
  }
}
