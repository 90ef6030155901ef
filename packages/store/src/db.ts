/**
 * The database port. Services write their own SQL against it; two adapters implement it with the
 * same SQL and the same value shapes (see type-parsers.ts): node-postgres on a real server, and
 * PGlite (PostgreSQL compiled to WebAssembly, in process) for the embedded mode and quick tests.
 *
 * Both adapters pin the session to `TimeZone = UTC` and, with `schema`, to `search_path = schema`.
 * Errors from the database carry the SQLSTATE in `code` in both (`23505` unique violation …).
 *
 * One difference the port cannot hide: node-postgres sends a JavaScript array parameter as a
 * PostgreSQL array. Pass a `jsonb` value that is an array as `JSON.stringify(value)` (a string
 * parameter works for any `jsonb` value in both adapters); plain objects may be passed as they are.
 */
export interface QueryResult<T> {
  rows: T[];
  /** Rows returned by a SELECT, rows touched by INSERT / UPDATE / DELETE; 0 for other commands. */
  rowCount: number;
}

/** What runs statements: the database itself or a transaction. */
export interface Queryable {
  readonly kind: DatabaseKind;
  /** One statement with `$1`-style parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** A script of several statements without parameters (migrations, DDL). Returns no rows. */
  exec(sql: string): Promise<void>;
}

/** The handle given to a `transaction` callback; valid only until the callback settles. */
export type Tx = Queryable;

export interface Db extends Queryable {
  /**
   * Runs `fn` in one transaction (READ COMMITTED): committed when it resolves, rolled back when it
   * throws (the error is rethrown). Inside `fn`, use `tx`, never the `Db`: PGlite has a single
   * connection and would wait for the transaction forever, so both adapters refuse such a call.
   */
  transaction<R>(fn: (tx: Tx) => Promise<R>): Promise<R>;
  /** Waits for running queries, then closes the pool or PGlite. Idempotent. */
  close(): Promise<void>;
}

export type DatabaseKind = 'postgres' | 'pglite';

export interface OpenDatabaseOptions {
  /**
   * A PostgreSQL connection string (DATABASE_URL). When given, the node-postgres pool is used and
   * the PGlite options are ignored.
   */
  url?: string | undefined;
  /**
   * PGlite's data directory when no `url` is given. Default `<repo>/.data/pglite`.
   * `memory://` keeps the database in memory (gone at close).
   */
  dataDir?: string | undefined;
  /**
   * Every session uses `search_path = schema`, created if missing. Lower-case letters, digits and
   * `_` only. Tests use a random one each and drop it after.
   */
  schema?: string | undefined;
  /** node-postgres pool size. Default 10. */
  maxConnections?: number | undefined;
  /**
   * node-postgres: how long to wait for a connection before failing. Default 10 000 ms, so a
   * service whose database is down says so instead of hanging.
   */
  connectTimeoutMs?: number | undefined;
  /**
   * node-postgres: an idle pooled connection failed (server restart, network). The pool drops it
   * and connects anew on demand; without a listener the error would crash the process.
   * Default: one line on stderr.
   */
  onIdleError?: ((error: Error) => void) | undefined;
}

/** The SQLSTATE of a database error, or undefined for anything else. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** A unique constraint refused the row (e.g. a post already joined to an incident). */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/** Thrown when the `Db` itself is used inside its own `transaction` callback. */
export class OutsideTransactionError extends Error {
  constructor() {
    super(
      'store: the Db was queried inside its own transaction() callback; use the tx handed to the ' +
        'callback (PGlite has one connection and would wait for the transaction forever)',
    );
    this.name = 'OutsideTransactionError';
  }
}
