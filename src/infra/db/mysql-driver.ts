/**
 * The MySQL/MariaDB driver under Kysely (docs/adr/0012-mysql-write-path.md).
 * Kysely's own MysqlDriver sends every statement, BEGIN and COMMIT as its own
 * text query: a create cost 15 round trips, and each round trip costs the
 * server thread a socket write, a read event, parsing and promise turns. This
 * one keeps Kysely's SQL and changes only how statements reach the server:
 *
 * - BEGIN is not sent on its own: it goes out with the transaction's first
 *   statement (a transaction that runs nothing sends nothing).
 * - A write marked with `deferred()` (its caller needs no result from it) is
 *   held inside a transaction and sent with the next statement, or with the
 *   COMMIT, as one multi-statement query. The server runs them in order and
 *   stops at the first error, so a failed deferred write fails that later
 *   statement (or the COMMIT, which then never runs) and the transaction is
 *   rolled back as if it had failed where it was written.
 * - A statement sent alone with parameters goes through mysql2 `execute`
 *   (a prepared statement, kept per connection): the server parses it once,
 *   and nothing formats values into SQL text. Integers are bound as BIGINT
 *   (mysql2 would send every number as DOUBLE), other values as mysql2 binds
 *   them; a value `execute` cannot bind (an object other than a Date or a
 *   Buffer) sends the statement as a text query instead.
 */
import {
  CompiledQuery,
  MysqlDialect,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import mysql2, { type ExecuteValues, type Pool, type PoolConnection, type QueryError, type QueryResult as MysqlResult, type ResultSetHeader } from 'mysql2';

// A getter on mysql2's CommonJS exports, which ES named imports cannot see.
const { TypedParameter } = mysql2;

const held = new WeakSet<CompiledQuery>();

/**
 * Marks a write whose result the caller does not use (an INSERT without its
 * id, an UPDATE whose row count does not matter): inside a MySQL transaction
 * it is sent with the next statement instead of on its own, and its
 * `executeQuery` resolves at once with an empty result. Its errors surface
 * on the next statement or the COMMIT. Outside a transaction, and on SQLite,
 * it runs as any statement.
 */
export function deferred<Q extends CompiledQuery>(query: Q): Q {
  held.add(query);
  return query;
}

type Raw = ResultSetHeader | Record<string, unknown>[];

const EMPTY: QueryResult<never> = { rows: [] };

/** ER_MAX_PREPARED_STMT_COUNT_REACHED: the server's limit on prepared statements (all clients) is full. */
const TOO_MANY_PREPARED = 1461;

function resultOf<R>(raw: Raw): QueryResult<R> {
  if (Array.isArray(raw)) return { rows: raw as R[] };
  const { insertId, affectedRows, changedRows } = raw;
  return {
    insertId: insertId ? BigInt(insertId) : undefined,
    numAffectedRows: BigInt(affectedRows ?? 0),
    numChangedRows: changedRows == null ? undefined : BigInt(changedRows),
    rows: [],
  };
}

/** The values as execute() should bind them, or null when one cannot be bound. */
function bindable(parameters: readonly unknown[]): unknown[] | null {
  const out = new Array<unknown>(parameters.length);
  for (let i = 0; i < parameters.length; i++) {
    const v = parameters[i];
    if (typeof v === 'number') out[i] = Number.isSafeInteger(v) ? TypedParameter.LONGLONG(v) : v;
    else if (typeof v === 'string' || v === null) out[i] = v;
    else if (v === undefined) out[i] = null;
    else if (typeof v === 'boolean') out[i] = TypedParameter.LONGLONG(v ? 1 : 0);
    else if (typeof v === 'bigint') out[i] = TypedParameter.LONGLONG(v);
    else if (v instanceof Date || Buffer.isBuffer(v)) out[i] = v;
    else return null;
  }
  return out;
}

class PipelinedConnection implements DatabaseConnection {
  /** Statements (as SQL text) to send before the next one: a held BEGIN and deferred writes. */
  private pending: string[] = [];
  /** Inside a transaction (its BEGIN may still be pending). */
  private inTransaction = false;
  /** The BEGIN has reached the server. */
  private begun = false;
  /** Whether prepared statements may be used; off once the server's limit was hit on this connection. */
  private prepare = true;

  constructor(readonly raw: PoolConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (held.has(query) && this.inTransaction) {
      this.pending.push(this.raw.format(query.sql, query.parameters as unknown[]));
      return EMPTY as QueryResult<R>;
    }
    return resultOf<R>(await this.send(query.sql, query.parameters));
  }

  /** Sends what is pending, then this statement; answers this statement's result. */
  private async send(sql: string, parameters: readonly unknown[]): Promise<Raw> {
    if (this.pending.length > 0) {
      const statements = [...this.pending, parameters.length > 0 ? this.raw.format(sql, parameters as unknown[]) : sql];
      this.pending = [];
      if (this.inTransaction) this.begun = true;
      const results = await this.query(statements.join(';\n'));
      return statements.length === 1 ? results : (results as unknown as Raw[])[statements.length - 1]!;
    }
    if (parameters.length > 0 && this.prepare) {
      const values = bindable(parameters);
      if (values) {
        try {
          return await this.execute(sql, values);
        } catch (error) {
          if ((error as { errno?: unknown }).errno !== TOO_MANY_PREPARED) throw error;
          // The server-wide limit is shared with every other client: go on without prepared statements here.
          this.prepare = false;
        }
      }
    }
    return this.query(parameters.length > 0 ? this.raw.format(sql, parameters as unknown[]) : sql);
  }

  private query(sql: string): Promise<Raw> {
    return new Promise((resolve, reject) => {
      this.raw.query(sql, (error: QueryError | null, result: MysqlResult) => (error ? reject(error) : resolve(result as Raw)));
    });
  }

  private execute(sql: string, values: unknown[]): Promise<Raw> {
    return new Promise((resolve, reject) => {
      this.raw.execute(sql, values as ExecuteValues[], (error: QueryError | null, result: MysqlResult) => (error ? reject(error) : resolve(result as Raw)));
    });
  }

  begin(settings: TransactionSettings): void {
    if (this.inTransaction) throw new Error('transaction already open on this connection');
    if (settings.isolationLevel || settings.accessMode) {
      // On MySQL this sets the characteristics of the next transaction.
      this.pending.push(`set transaction ${[settings.isolationLevel && `isolation level ${settings.isolationLevel}`, settings.accessMode].filter(Boolean).join(', ')}`);
    }
    this.pending.push('begin');
    this.inTransaction = true;
    this.begun = false;
  }

  async end(statement: 'commit' | 'rollback'): Promise<void> {
    const begun = this.begun;
    const pending = this.pending;
    this.pending = [];
    this.inTransaction = false;
    this.begun = false;
    // Nothing reached the server: there is nothing to commit or undo (held writes need a transaction to go with).
    if (!begun && !pending.some((s) => s !== 'begin' && !s.startsWith('set transaction '))) return;
    if (statement === 'rollback') {
      if (begun) await this.query('rollback');
      return;
    }
    try {
      await this.query([...pending, 'commit'].join(';\n'));
    } catch (error) {
      // A held write failed, so the COMMIT did not run and the transaction is still open on the
      // server: end it here, so the connection never goes back to the pool inside it.
      await this.query('rollback').catch(() => undefined);
      throw error;
    }
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    // A stream is its own command: what is held goes first, with a statement that does nothing.
    if (this.pending.length > 0) await this.send('do 0', []);
    const stream = this.raw.query(query.sql, query.parameters as unknown[]).stream({ objectMode: true });
    for await (const row of stream) yield { rows: [row as R] };
  }
}

export class PipelinedDriver implements Driver {
  private readonly connections = new WeakMap<PoolConnection, PipelinedConnection>();

  constructor(private readonly pool: Pool) {}

  async init(): Promise<void> {}

  acquireConnection(): Promise<DatabaseConnection> {
    return new Promise((resolve, reject) => {
      this.pool.getConnection((error, raw) => {
        if (error) return reject(error);
        let connection = this.connections.get(raw);
        if (!connection) {
          connection = new PipelinedConnection(raw);
          this.connections.set(raw, connection);
        }
        resolve(connection);
      });
    });
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    (connection as PipelinedConnection).begin(settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as PipelinedConnection).end('commit');
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return (connection as PipelinedConnection).end('rollback');
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint \`${name}\``));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint \`${name}\``));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint \`${name}\``));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    (connection as PipelinedConnection).raw.release();
  }

  destroy(): Promise<void> {
    return new Promise((resolve, reject) => this.pool.end((error) => (error ? reject(error) : resolve())));
  }
}

/** Kysely's MySQL dialect (its SQL, adapter and introspection) over the pipelined driver. */
export class PipelinedMysqlDialect extends MysqlDialect {
  constructor(private readonly mysqlPool: Pool) {
    super({ pool: mysqlPool });
  }

  override createDriver(): Driver {
    return new PipelinedDriver(this.mysqlPool);
  }
}
