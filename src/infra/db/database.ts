import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, SqliteDialect, sql, type Transaction } from 'kysely';
import { createPool } from 'mysql2';
import { FailoverDriver, Host, HostGroup, isCutBeforeCommit, splitHosts } from './failover.js';
import { PipelinedDriver, PipelinedMysqlDialect } from './mysql-driver.js';
import { WriteBatcher } from './write-batch.js';

export type Dialect = 'sqlite' | 'mysql';

/**
 * The database handle every module receives. Queries say which connection they
 * need: `primary` for writes and read-after-write, `reader()` for reads that
 * may lag (lists, statistics, exports), which go to the replica when one is
 * configured, except for a user who has just written (read-your-writes).
 */
export interface Db<DB> {
  readonly dialect: Dialect;
  readonly primary: Kysely<DB>;
  reader(userId?: number | null): Kysely<DB>;
  /** Record that a user wrote, so that user's reads stay on the primary for a while. */
  noteWrite(userId: number | null | undefined): void;
  /**
   * Runs `fn` in a write transaction (group-committed on SQLite). `fn` may
   * run more than once: on SQLite when another job of its batch fails (the
   * batch is run again with savepoints), on MySQL when InnoDB picks it as a
   * deadlock victim (run again, as InnoDB asks of every client). So it must
   * do nothing outside the transaction that cannot happen twice.
   */
  transaction<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T>;
  /**
   * A write whose statements are each complete on their own (typically one
   * multi-row INSERT), durable when it resolves: group-committed with the
   * other writes on SQLite (as `transaction`), in autocommit on MySQL, which
   * saves the BEGIN and COMMIT round trips of a transaction. `fn` may run
   * twice on SQLite, like a transaction callback.
   */
  write<T>(fn: (db: Kysely<DB>) => Promise<T>): Promise<T>;
  /**
   * Brings the query planner's statistics up to date after bulk changes and
   * now and then: SQLite's planner picks indexes by them and keeps none by
   * itself (PRAGMA optimize, which only analyzes what changed a lot). InnoDB
   * keeps its own, so on MySQL this does nothing.
   */
  refreshStatistics(): Promise<void>;
  /**
   * Calls `listener` after each write of this node commits (transaction or
   * write resolved), so a feed consumer wakes at once instead of polling
   * hard. Listeners must be cheap and must not throw into the writer: errors
   * are swallowed. Answers the function that removes the listener.
   */
  onCommit(listener: () => void): () => void;
  close(): Promise<void>;
}

export interface OpenOptions {
  url: string;
  replicaUrl?: string | undefined;
  readYourWritesSeconds?: number;
  /** Connection pool size for MySQL. */
  poolSize?: number;
  /**
   * SQLite only. 'full' (default): a commit is on disk when it returns.
   * 'normal': WAL with synchronous=NORMAL, consistent after a crash but may
   * lose the last commits; only for stores rebuildable from another (the
   * statistics store, whose cursor rolls back with its rollups).
   */
  durability?: 'full' | 'normal';
}

export function dialectOf(url: string): Dialect {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (url.startsWith('mysql://') || url.startsWith('mariadb://')) return 'mysql';
  throw new Error(`unsupported database URL (expected sqlite:PATH or mysql://…): ${redactUrl(url)}`);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

function openSqlite<DB>(url: string, durability: 'full' | 'normal' = 'full'): Kysely<DB> {
  const path = url.slice('sqlite:'.length);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  // WAL for concurrent readers; FULL so that a 2xx survives power loss (DESIGN.md "Promises").
  database.pragma('journal_mode = WAL');
  database.pragma(durability === 'normal' ? 'synchronous = NORMAL' : 'synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  // A long reader (an online backup) lets the WAL grow; once checkpointed it is cut back to 64 MiB, not kept at its peak.
  database.pragma('journal_size_limit = 67108864');
  // 64 MiB of page cache (the default is 16 MiB): lists and timelines at full size read far fewer pages from the OS.
  database.pragma('cache_size = -65536');
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * Kysely prepares every query anew; parsing SQL was a tenth of the server's
 * CPU under load. Statements are reusable in better-sqlite3 (calls are
 * synchronous, so one statement is never used by two queries at once), so
 * keep the most recent ones by SQL text.
 */
function withStatementCache(database: SQLite.Database, limit = 2000): { close(): void; prepare(sql: string): SQLite.Statement } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        // Refresh its place as most recently used.
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= limit) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

function mysqlPool(url: string, poolSize: number) {
  return createPool({
    uri: url.replace(/^mariadb:/, 'mysql:'),
    connectionLimit: poolSize,
    charset: 'utf8mb4',
    timezone: 'Z',
    // Times are BIGINT epoch milliseconds; they fit in a double, so ask for numbers.
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    dateStrings: true,
    // Held writes travel with the next statement in one query (mysql-driver.ts). Values reach SQL only
    // through Kysely's parameters, formatted by mysql2, so no input can add a statement.
    multipleStatements: true,
    // Prepared statements per connection: the server's limit (max_prepared_stmt_count, 16382 by default)
    // is shared by every client; the hot statements are a few dozen.
    maxPreparedStatements: 128,
  });
}

function openMysql<DB>(url: string, poolSize: number): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PipelinedMysqlDialect(mysqlPool(url, poolSize)) });
}

function openKysely<DB>(url: string, poolSize: number, durability?: 'full' | 'normal'): Kysely<DB> {
  return dialectOf(url) === 'sqlite' ? openSqlite<DB>(url, durability) : openMysql<DB>(url, poolSize);
}

function failoverKysely<DB>(groups: HostGroup[], owned: Host[]): Kysely<DB> {
  return new Kysely<DB>({
    dialect: {
      createDriver: () => new FailoverDriver(groups, owned),
      createQueryCompiler: () => new MysqlQueryCompiler(),
      createAdapter: () => new MysqlAdapter(),
      createIntrospector: (db) => new MysqlIntrospector(db),
    },
  });
}

/**
 * MySQL with more than one server (docs/operations/cluster.md): a primary URL
 * naming several hosts (Galera nodes; one takes the writes, the next when it
 * fails) and/or a replica URL (the reader's; the primary's hosts serve reads
 * while no replica answers).
 */
function openMysqlSet<DB>(url: string, replicaUrl: string | undefined, poolSize: number): { primary: Kysely<DB>; replica: Kysely<DB> } {
  const hosts = (u: string) => splitHosts(u).map((h) => new Host(redactUrl(h), new PipelinedDriver(mysqlPool(h, poolSize))));
  const primaryHosts = hosts(url);
  const primaryGroup = new HostGroup(primaryHosts);
  const primary = failoverKysely<DB>([primaryGroup], primaryHosts);
  if (!replicaUrl) return { primary, replica: primary };
  const replicaHosts = hosts(replicaUrl);
  return { primary, replica: failoverKysely<DB>([new HostGroup(replicaHosts), primaryGroup], replicaHosts) };
}

const DEADLOCK_ATTEMPTS = 4;

/**
 * Safe to run again: ER_LOCK_DEADLOCK (InnoDB rolled the whole transaction
 * back; Galera answers the same for a certification conflict or a
 * transaction aborted by a replicated one), or the transaction's server went
 * away before COMMIT (failover.ts).
 */
function isDeadlock(error: unknown): boolean {
  return (typeof error === 'object' && error !== null && ((error as { errno?: unknown }).errno === 1213 || (error as { code?: unknown }).code === 'ER_LOCK_DEADLOCK')) || isCutBeforeCommit(error);
}

export async function retryDeadlocks<T>(run: () => Promise<T>, attempts = DEADLOCK_ATTEMPTS): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isDeadlock(error) || attempt >= attempts) throw error;
      // A short random pause, so the two transactions do not meet again in step.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

export function openDatabase<DB>(options: OpenOptions): Db<DB> {
  const dialect = dialectOf(options.url);
  const poolSize = options.poolSize ?? 16;
  if (options.replicaUrl && dialect === 'sqlite') throw new Error('a replica needs a MySQL primary');
  const several = dialect === 'mysql' && (options.replicaUrl !== undefined || splitHosts(options.url).length > 1);
  const { primary, replica } = several
    ? openMysqlSet<DB>(options.url, options.replicaUrl, poolSize)
    : { primary: openKysely<DB>(options.url, poolSize, options.durability), replica: null };
  const lagging = replica ?? primary;
  const windowMs = (options.readYourWritesSeconds ?? 5) * 1000;
  // MySQL has a pool and InnoDB groups commits itself; SQLite gets group commit here.
  const batcher = dialect === 'sqlite' ? new WriteBatcher<DB>(primary) : null;
  const lastWrite = new Map<number, number>();
  const listeners = new Set<() => void>();
  const committed = <T>(value: T): T => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // A listener's failure is its own; the write has committed and its caller gets its answer.
      }
    }
    return value;
  };
  return {
    dialect,
    primary,
    reader(userId) {
      if (lagging === primary) return primary;
      if (userId != null) {
        const at = lastWrite.get(userId);
        if (at !== undefined && Date.now() - at < windowMs) return primary;
      }
      return lagging;
    },
    noteWrite(userId) {
      if (userId == null || lagging === primary) return;
      lastWrite.set(userId, Date.now());
      if (lastWrite.size > 10_000) {
        const cutoff = Date.now() - windowMs;
        for (const [id, at] of lastWrite) if (at < cutoff) lastWrite.delete(id);
      }
    },
    transaction(fn) {
      return (batcher ? batcher.run(fn) : retryDeadlocks(() => primary.transaction().execute(fn))).then(committed);
    },
    write(fn) {
      return (batcher ? batcher.run(fn) : retryDeadlocks(() => fn(primary))).then(committed);
    },
    onCommit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async refreshStatistics() {
      // 0x10002: consider every table, not only those this connection has queried.
      if (dialect === 'sqlite') await sql`pragma optimize=0x10002`.execute(primary);
    },
    async close() {
      await primary.destroy();
      if (lagging !== primary) await lagging.destroy();
    },
  };
}

/**
 * A Kysely instance or transaction over any schema that contains a given
 * module's tables. Kysely's generics are invariant, so shared infrastructure
 * takes this and narrows to its own tables inside.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;
