/**
 * A small Kysely dialect over PGlite (Postgres compiled to WASM, in-process). PGlite is a single
 * connection, so the driver hands it out under a mutex: a transaction keeps it until it ends and
 * other queries wait their turn. Same SQL dialect (PostgresAdapter / compiler / introspector) as
 * the pg driver, so one set of migrations and repositories serves both engines.
 *
 * Queries run as named prepared statements. PGlite's own `query()` sends every query as an
 * unnamed statement in six separate calls into the WASM backend (parse, describe, bind, describe,
 * execute, sync), so Postgres parsed and planned the same sign-in lookup again on every request,
 * on the event loop. Here a SQL text is parsed and described once (its parameter types kept);
 * afterwards bind + describe + execute + sync go in as one message. Bounds and escapes as for
 * PostgreSQL (prepared-statements.ts): at most MAX_NAMES texts are named, a text whose cached plan
 * no longer fits its table is run unnamed from then on.
 *
 * It uses PGlite's wire-protocol internals (execProtocolRaw, its message parser and type table),
 * which are not a stable API: package.json pins PGlite to an exact version, and
 * test/db/prepared-statements.test.ts (value round trips, SQLSTATE codes, row counts, failed
 * parses, stale plans) is the check to run before moving that pin.
 */
import { parse, protocol, types, type messages, type PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { isStalePlan } from './sql-errors.js';

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

const MAX_NAMES = 1000;
const { serialize } = protocol;

interface Statement {
  name: string;
  /** parameter type OIDs, as Postgres inferred them: they choose each value's text serializer */
  paramTypes: number[];
}

/**
 * Rows and affected count of one statement's messages, like PGlite's parseResults for rowMode
 * 'object' — which copies the whole parser table (300-odd entries) on every call: 80 µs a query.
 */
function readResult<R>(backend: messages.BackendMessage[], parsers: Record<number, types.Parser>): { rows: R[]; affectedRows: number } {
  let fields: { name: string; dataTypeID: number }[] = [];
  const rows: R[] = [];
  let affectedRows = 0;
  for (const message of backend) {
    if (message.name === 'rowDescription') {
      fields = (message as messages.RowDescriptionMessage).fields;
    } else if (message.name === 'dataRow') {
      const row: Record<string, unknown> = {};
      (message as messages.DataRowMessage).fields.forEach((value, i) => {
        const field = fields[i]!;
        row[field.name] = types.parseType(value, field.dataTypeID, parsers);
      });
      rows.push(row as R);
    } else if (message.name === 'commandComplete') {
      const [command, a, b] = (message as messages.CommandCompleteMessage).text.split(' ');
      affectedRows = command === 'INSERT' ? Number(b) : ['UPDATE', 'DELETE', 'MERGE', 'COPY'].includes(command ?? '') ? Number(a) : 0;
    }
  }
  return { rows, affectedRows };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

class PGliteConnection implements DatabaseConnection {
  readonly #statements = new Map<string, Statement>();
  readonly #never = new Set<string>();
  /** preparations under way: two callers of one new SQL text share one parse (two parses raced, and a describe's parameter types could be read for the other statement) */
  readonly #preparing = new Map<string, Promise<Statement | null>>();
  #named = 0;

  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.pg.closed) throw new Error('PGlite is closed');
    const statement = await this.#statementFor(query.sql);
    const result = statement ? await this.#runPrepared<R>(query, statement) : await this.pg.query<R>(query.sql, [...query.parameters], { rowMode: 'object' });
    return {
      rows: result.rows,
      numAffectedRows: result.affectedRows !== undefined ? BigInt(result.affectedRows) : undefined,
    };
  }

  /** the prepared statement for a SQL text (parsed and described on first use), or null: run it unnamed */
  async #statementFor(text: string): Promise<Statement | null> {
    const known = this.#statements.get(text);
    if (known) return known;
    if (this.#never.has(text) || this.#statements.size >= MAX_NAMES) return null;
    const pending = this.#preparing.get(text);
    if (pending) return pending;
    const preparing = this.#prepare(text).finally(() => this.#preparing.delete(text));
    this.#preparing.set(text, preparing);
    return preparing;
  }

  async #prepare(text: string): Promise<Statement | null> {
    const name = `gh_${++this.#named}`;
    const { messages } = await this.pg.execProtocol(concat([serialize.parse({ name, text }), serialize.describe({ type: 'S', name }), serialize.sync()]));
    // a describe whose answer was not read back (seen when PGlite's own LISTEN ran at the same
    // moment) would cache no parameter types and serialize a Date as text forever: run this one
    // unnamed and prepare again next time
    if (!messages.some((m) => m.name === 'parameterDescription')) return null;
    const statement = { name, paramTypes: parse.parseDescribeStatementResults(messages) };
    this.#statements.set(text, statement);
    return statement;
  }

  async #runPrepared<R>(query: CompiledQuery, statement: Statement) {
    const values = query.parameters.map((value, i) => {
      if (value === null || value === undefined) return null;
      const serializer = this.pg.serializers[statement.paramTypes[i] ?? -1];
      return serializer ? serializer(value) : String(value);
    });
    try {
      const { messages } = await this.pg.execProtocol(
        concat([serialize.bind({ statement: statement.name, values }), serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]),
      );
      return readResult<R>(messages, this.pg.parsers);
    } catch (error) {
      if (isStalePlan(error)) {
        this.#statements.delete(query.sql);
        this.#never.add(query.sql);
        return this.pg.query<R>(query.sql, [...query.parameters], { rowMode: 'object' });
      }
      throw error;
    }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by the PGlite dialect');
  }
}

class PGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #connection: PGliteConnection;
  #release: (() => void) | null = null;

  constructor(
    private readonly pg: PGlite,
    private readonly closeOnDestroy: boolean,
  ) {
    this.#connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#mutex.lock();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  async destroy(): Promise<void> {
    if (this.closeOnDestroy && !this.pg.closed) await this.pg.close();
  }
}

export class PGliteDialect implements Dialect {
  /** `closeOnDestroy: false` leaves the PGlite instance open when Kysely is destroyed (its owner closes it) */
  constructor(
    private readonly pg: PGlite,
    private readonly options: { closeOnDestroy?: boolean } = {},
  ) {}
  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg, this.options.closeOnDestroy ?? true);
  }
  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}
