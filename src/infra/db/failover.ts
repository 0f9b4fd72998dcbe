import type { CompiledQuery, DatabaseConnection, Driver, QueryCompiler, QueryResult, TransactionSettings } from 'kysely';

/**
 * Several MySQL servers behind one Kysely instance (docs/operations/cluster.md):
 * the nodes of a Galera cluster given as one URL with several hosts, and the
 * reader's replica with the primary behind it. Connections go to one server
 * while it answers; a server that refuses or drops a connection is passed
 * over for a while and the next one takes its place.
 *
 * What may be run again after a lost connection is decided here, because only
 * here is it known how far a statement got: a statement inside a transaction
 * before COMMIT was never committed (the server rolls back a transaction
 * whose client is gone, and Galera replicates only at commit), so the whole
 * transaction may run again on another server; a read outside a transaction
 * runs again at once; an autocommit write or a COMMIT cut off on the way has
 * an unknown outcome and is reported, not repeated.
 */

/** How long a server that failed a connection is passed over before it is tried first again. */
const DOWN_MS = 2000;

/** One server: its own driver (a mysql2 pool) and when it last failed. */
export class Host {
  private ready: Promise<void> | null = null;
  private ended: Promise<void> | null = null;
  downUntil = 0;

  constructor(readonly name: string, readonly driver: Driver) {}

  init(): Promise<void> {
    return (this.ready ??= this.driver.init());
  }

  /** Ends the pool once, whichever Kysely instance closes first. */
  destroy(): Promise<void> {
    return (this.ended ??= this.ready ? this.ready.then(() => this.driver.destroy()) : Promise.resolve());
  }

  markDown(now = Date.now()): void {
    this.downUntil = now + DOWN_MS;
  }

  isUp(now = Date.now()): boolean {
    return this.downUntil <= now;
  }
}

/** Servers that stand in for each other, tried from the one that last answered. */
export class HostGroup {
  current = 0;
  constructor(readonly hosts: readonly Host[]) {}

  /** The hosts from the current one round. */
  ordered(): { host: Host; index: number }[] {
    const n = this.hosts.length;
    return this.hosts.map((_, i) => {
      const index = (this.current + i) % n;
      return { host: this.hosts[index]!, index };
    });
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_SERVER_SHUTDOWN', 'ER_CONNECTION_KILLED',
]);
/** ER_UNKNOWN_COM_ERROR, which Galera answers while a node is not part of the primary component ("WSREP has not yet prepared node for application use"). */
const WSREP_NOT_READY = 1047;

/** The server is gone or cannot serve: another server of the group should take the work. */
export function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; errno?: unknown; fatal?: unknown };
  return e.fatal === true || (typeof e.code === 'string' && CONNECTION_CODES.has(e.code)) || e.errno === WSREP_NOT_READY;
}

/** The server refused the statement without running it (so it may run anywhere again, even a write). */
function wasRefused(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { errno?: unknown }).errno === WSREP_NOT_READY;
}

const RERUN = Symbol('rerun');

/** The transaction failed before COMMIT because its server went away: nothing of it committed. */
export function isCutBeforeCommit(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { [RERUN]?: boolean })[RERUN] === true;
}

function markCutBeforeCommit(error: unknown): unknown {
  if (typeof error === 'object' && error !== null) Object.defineProperty(error, RERUN, { value: true });
  return error;
}

const READ = /^\s*\(?\s*select\b/i;

class FailoverConnection implements DatabaseConnection {
  inTransaction = false;

  constructor(private readonly owner: FailoverDriver, readonly host: Host, readonly inner: DatabaseConnection) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      if (!isConnectionError(error)) throw error;
      this.host.markDown();
      if (this.inTransaction) throw markCutBeforeCommit(error);
      if (READ.test(query.sql) || wasRefused(error)) return this.owner.runElsewhere<R>(query, error);
      throw error;
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * A Kysely driver over groups of hosts: the first group with a host that
 * answers serves (the reader: the replicas, then the primary's group); within
 * a group, the host that last answered first. Hosts marked down are tried
 * last rather than never, so a cluster that is all down reports the real error.
 */
export class FailoverDriver implements Driver {
  constructor(
    private readonly groups: readonly HostGroup[],
    /** The hosts this driver's Kysely instance ends on destroy (a shared group is ended by its owner). */
    private readonly owned: readonly Host[],
  ) {}

  async init(): Promise<void> {
    // Pools connect lazily: nothing to wait for until the first query.
  }

  async acquireConnection(): Promise<FailoverConnection> {
    const now = Date.now();
    const candidates = this.groups.flatMap((group) => group.ordered().map((c) => ({ ...c, group })));
    const ordered = [...candidates.filter((c) => c.host.isUp(now)), ...candidates.filter((c) => !c.host.isUp(now))];
    let failure: unknown = new Error('no database host configured');
    for (const { host, index, group } of ordered) {
      let inner: DatabaseConnection;
      try {
        await host.init();
        inner = await host.driver.acquireConnection();
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        host.markDown();
        failure = error;
        continue;
      }
      group.current = index;
      return new FailoverConnection(this, host, inner);
    }
    throw failure;
  }

  /** Runs a statement that may safely run again on another connection (a read, or one the server refused). */
  async runElsewhere<R>(query: CompiledQuery, first: unknown): Promise<QueryResult<R>> {
    const connection = await this.acquireConnection().catch(() => {
      throw first;
    });
    try {
      return await connection.inner.executeQuery<R>(query);
    } catch (error) {
      if (isConnectionError(error)) connection.host.markDown();
      throw error;
    } finally {
      await this.releaseConnection(connection);
    }
  }

  async beginTransaction(connection: FailoverConnection, settings: TransactionSettings): Promise<void> {
    connection.inTransaction = true;
    try {
      await connection.host.driver.beginTransaction(connection.inner, settings);
    } catch (error) {
      connection.inTransaction = false;
      if (isConnectionError(error)) {
        connection.host.markDown();
        throw markCutBeforeCommit(error);
      }
      throw error;
    }
  }

  async commitTransaction(connection: FailoverConnection): Promise<void> {
    // From here a lost connection leaves the outcome unknown: the error is not marked for a re-run.
    connection.inTransaction = false;
    try {
      await connection.host.driver.commitTransaction(connection.inner);
    } catch (error) {
      if (isConnectionError(error)) connection.host.markDown();
      throw error;
    }
  }

  async rollbackTransaction(connection: FailoverConnection): Promise<void> {
    connection.inTransaction = false;
    try {
      await connection.host.driver.rollbackTransaction(connection.inner);
    } catch (error) {
      // The server rolls back by itself a transaction whose connection is gone; the caller gets the error that stopped it.
      if (isConnectionError(error)) return;
      throw error;
    }
  }

  async savepoint(connection: FailoverConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.host.driver.savepoint!(connection.inner, name, compile);
  }

  async rollbackToSavepoint(connection: FailoverConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.host.driver.rollbackToSavepoint!(connection.inner, name, compile);
  }

  async releaseSavepoint(connection: FailoverConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.host.driver.releaseSavepoint!(connection.inner, name, compile);
  }

  async releaseConnection(connection: FailoverConnection): Promise<void> {
    await connection.host.driver.releaseConnection(connection.inner);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.owned.map((host) => host.destroy()));
  }
}

/**
 * Splits a MySQL URL that names several hosts (`mysql://u:p@h1:3306,h2:3306/db?…`)
 * into one URL per host, with the same credentials, database and options.
 * A URL with one host comes back as is.
 */
export function splitHosts(url: string): string[] {
  const match = /^([a-z]+:\/\/)([^@/]*@)?([^/?#]*)(.*)$/i.exec(url);
  if (!match) return [url];
  const [, scheme, credentials = '', hostList = '', rest = ''] = match;
  const hosts = hostList.split(',').map((h) => h.trim());
  if (hosts.length < 2) return [url];
  if (hosts.some((h) => h === '')) throw new Error(`database URL has an empty host in its host list: ${hostList}`);
  return hosts.map((host) => `${scheme}${credentials}${host}${rest}`);
}
