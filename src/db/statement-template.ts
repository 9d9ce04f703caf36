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
import type { Executor, StatementStart } from './database-types.js';

/** stands for a value while a statement is built: the final builder's (`part` -1) or a part's */
class Marker {
  constructor(
    readonly part: number,
    readonly key: number | string,
  ) {}
}

interface Compiled {
  sql: string;
  query: ReturnType<Compilable['compile']>['query'];
  /** for each parameter of the SQL: where its value is taken from, or a constant of the builder */
  binds: ({ part: number; key: number | string } | { constant: unknown })[];
}

/** compiles once what `build` builds from the markers; refuses a value that is not a parameter */
function compile(build: () => Compilable<unknown>, provided: { part: number; keys: readonly (number | string)[] }[]): Compiled {
  const { sql, parameters, query } = build().compile();
  const binds = parameters.map((p) => (p instanceof Marker ? { part: p.part, key: p.key } : { constant: p }));
  const used = new Set(binds.flatMap((b) => ('part' in b ? [`${b.part}:${b.key}`] : [])));
  // a value the builder did not pass on (or inspected instead) would be silently ignored
  for (const { part, keys } of provided) {
    for (const key of keys) if (!used.has(`${part}:${key}`)) throw new Error(`StatementTemplate: value ${String(key)}${part >= 0 ? ` of part ${part}` : ''} is not a parameter of ${sql}`);
  }
  return { sql, query, binds };
}

async function run<R>(db: Executor, compiled: Compiled, value: (part: number, key: number | string) => unknown): Promise<R[]> {
  const parameters = compiled.binds.map((b) => ('part' in b ? value(b.part, b.key) : b.constant));
  const result = await db.executeQuery<R>({ sql: compiled.sql, parameters, query: compiled.query, queryId: createQueryId() });
  return result.rows;
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
    return run<R>(db, compiled, (_, key) => values[key as number]);
  }

  async executeTakeFirst(db: Executor, ...values: V): Promise<R | undefined> {
    return (await this.execute(db, ...values))[0];
  }

  #compile(db: Executor): Compiled {
    const indexes = Array.from({ length: this.arity }, (_, i) => i);
    const markers = indexes.map((i) => new Marker(-1, i)) as unknown as V;
    return compile(() => this.build(db, ...markers), [{ part: -1, keys: indexes }]);
  }
}

/**
 * A statement several owners write into (a sign-in: the session and its refresh token, the
 * new-device notice, the audit event, the event's webhook deliveries — one round trip, atomic as
 * one statement). Each owner keeps its data-modifying CTEs as a `CteTemplate` (a module constant
 * in its repository) and hands the statement a `StatementPart`: the template with this execution's
 * values. Which parts are present, in which order, is the statement's shape: each shape is built
 * and compiled once, with markers for every part's values, and executed with values only.
 *
 * Values are named (an object per part, its keys fixed by the part's type): a builder reads each
 * value once, as the marker it passes on, and must not branch on one — anything that changes the
 * SQL (a CTE present or not, a number of rows) is a different template, or an array parameter.
 */
export class CteTemplate<V extends object> {
  readonly #id = ++templates;

  /** `build` adds the CTEs to `start`; it gets markers in place of the values (typed as the values) */
  constructor(private readonly build: (start: StatementStart, values: V) => StatementStart) {}

  /** this template with one execution's values */
  of(values: V): StatementPart {
    return { shape: this.#id, values: values as Readonly<Record<string, unknown>>, build: this.build as unknown as StatementPart['build'] };
  }
}

let templates = 0;

/** one owner's CTEs with their values, for a ComposedTemplate (made by CteTemplate.of) */
export interface StatementPart {
  /** parts of one template build the same SQL */
  readonly shape: number;
  readonly values: Readonly<Record<string, unknown>>;
  readonly build: (start: StatementStart, values: Readonly<Record<string, unknown>>) => StatementStart;
}

/** the statement that ends what its parts start (see CteTemplate): compiled once per shape */
export class ComposedTemplate<V extends object, R> {
  readonly #compiled = new Map<string, Compiled>();

  /** `build` completes the statement on `start` (the parts' CTEs); it gets markers in place of its values */
  constructor(private readonly build: (start: StatementStart, values: V) => Compilable<R>) {}

  /** the statement's rows: `parts`' CTEs (in this order), then this statement, with these values */
  async execute(db: Executor, parts: readonly StatementPart[], values: V): Promise<R[]> {
    const shape = parts.length === 0 ? '' : parts.length === 1 ? String(parts[0]!.shape) : parts.map((p) => p.shape).join(',');
    let compiled = this.#compiled.get(shape);
    if (compiled === undefined) {
      compiled = this.#compile(db, parts, values);
      this.#compiled.set(shape, compiled);
    }
    return run<R>(db, compiled, (part, key) => (part < 0 ? (values as Readonly<Record<string, unknown>>) : parts[part]!.values)[key as string]);
  }

  async executeTakeFirst(db: Executor, parts: readonly StatementPart[], values: V): Promise<R | undefined> {
    return (await this.execute(db, parts, values))[0];
  }

  /** how many shapes were compiled */
  get shapes(): number {
    return this.#compiled.size;
  }

  #compile(db: Executor, parts: readonly StatementPart[], values: V): Compiled {
    const markers = (part: number, of: object) => Object.fromEntries(Object.keys(of).map((key) => [key, new Marker(part, key)]));
    return compile(
      () => this.build(parts.reduce<StatementStart>((start, p, i) => p.build(start, markers(i, p.values)), db), markers(-1, values) as V),
      [{ part: -1, keys: Object.keys(values) }, ...parts.map((p, i) => ({ part: i, keys: Object.keys(p.values) }))],
    );
  }
}
