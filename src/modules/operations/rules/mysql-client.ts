/**
 * How the MariaDB/MySQL command-line tools (mariadb-dump, mariadb,
 * mariadb-binlog, or their mysql* names) are called for a database URL.
 * Credentials go into an option file (`--defaults-extra-file`, mode 0600),
 * never onto the command line where `ps` would show them. Pure: the caller
 * writes the file and runs the tools.
 */
import { splitHosts } from '../../../infra/db/failover.js';

export interface MysqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Unix socket (`?socketPath=` in the URL), used instead of host and port. */
  socket: string | null;
}

/**
 * The server the tools talk to. For a URL with a host list (Galera nodes,
 * docs/operations/cluster.md), the first host: every node holds all the data.
 */
export function mysqlTarget(url: string): MysqlTarget {
  const u = new URL(splitHosts(url)[0]!.replace(/^mariadb:/, 'mysql:'));
  if (u.protocol !== 'mysql:') throw new Error('not a mysql:// URL');
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) throw new Error('the URL names no database');
  return {
    host: u.hostname || 'localhost',
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username || 'root'),
    password: decodeURIComponent(u.password),
    database,
    socket: u.searchParams.get('socketPath'),
  };
}

/** The same server (the first host of a host list), another database (the URL form, for openDatabase). */
export function withDatabase(url: string, database: string): string {
  const u = new URL(splitHosts(url)[0]!.replace(/^mariadb:/, 'mysql:'));
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.href;
}

function optionValue(v: string): string {
  // Option files read a quoted value with backslash escapes.
  return `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The `[client]` option file for a target (mariadb-dump, mariadb and mariadb-binlog all read it). */
export function optionFile(t: MysqlTarget): string {
  const lines = ['[client]', `user=${optionValue(t.user)}`];
  if (t.password) lines.push(`password=${optionValue(t.password)}`);
  if (t.socket) {
    lines.push(`socket=${optionValue(t.socket)}`, 'protocol=SOCKET');
  } else {
    lines.push(`host=${optionValue(t.host)}`, `port=${t.port}`, 'protocol=TCP');
  }
  return `${lines.join('\n')}\n`;
}

export interface DumpTool {
  /** The program: mariadb-dump, or mysqldump. */
  command: string;
  /** Its `--version` line. */
  version: string;
}

/**
 * The dump's options: one consistent InnoDB snapshot without locking
 * (--single-transaction), rows streamed (--quick), binary as hex, no
 * `CREATE DATABASE`/`USE` so the dump loads into a database of any name, and,
 * when the server writes a binary log, the snapshot's position in it as a
 * comment (--master-data=2; MySQL 8.0.26 and later call it --source-data).
 */
export function dumpArgs(tool: DumpTool, optionFilePath: string, database: string, binlog: boolean): string[] {
  const args = [
    `--defaults-extra-file=${optionFilePath}`,
    '--single-transaction', '--quick', '--hex-blob', '--skip-lock-tables', '--default-character-set=utf8mb4',
  ];
  if (binlog) args.push(usesSourceData(tool.version) ? '--source-data=2' : '--master-data=2');
  args.push(database);
  return args;
}

/** MySQL (not MariaDB) 8.0.26 and later renamed --master-data to --source-data. */
export function usesSourceData(versionLine: string): boolean {
  if (/mariadb/i.test(versionLine)) return false;
  const m = /Ver (?:\d+\.\d+ Distrib )?(\d+)\.(\d+)\.(\d+)/.exec(versionLine);
  if (!m) return false;
  const [maj, min, patch] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return maj > 8 || (maj === 8 && (min > 0 || patch >= 26));
}

/** `log.000009` → 9 (binary log files are numbered in order). */
function logNumber(name: string): number | null {
  const m = /\.(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * The binary log files to replay, in order: the file the dump recorded and
 * every later one with the same base name. Throws when the recorded file is
 * missing or a number in the sequence is (a gap would silently lose
 * transactions).
 */
export function binlogFilesFrom(available: readonly string[], startFile: string): string[] {
  const base = startFile.replace(/\.\d+$/, '');
  const start = logNumber(startFile);
  if (start === null) throw new Error(`not a binary log file name: ${startFile}`);
  const files = available
    .filter((f) => f.replace(/\.\d+$/, '') === base && logNumber(f) !== null && logNumber(f)! >= start)
    .sort((a, b) => logNumber(a)! - logNumber(b)!);
  if (files[0] !== startFile) throw new Error(`the binary log ${startFile} the backup starts from is not there`);
  for (let i = 1; i < files.length; i++) {
    if (logNumber(files[i]!)! !== logNumber(files[i - 1]!)! + 1) throw new Error(`binary log ${base}.${String(logNumber(files[i - 1]!)! + 1).padStart(6, '0')} is missing`);
  }
  return files;
}

/**
 * `--stop-datetime` takes local time of the mariadb-binlog process; the
 * caller runs it with TZ=UTC and passes the instant in UTC in this form.
 */
export function binlogDatetime(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * The replay's options: from the snapshot's position, only the backed-up
 * database's events (filtered on the original name), renamed to the target
 * database when it differs, up to `until` when given. MariaDB's tool stops
 * at a GTID out of order by default; a log holding an earlier replay on the
 * same server has such GTIDs, so `lenientGtids` (MariaDB's tool only)
 * turns that check off. MySQL's tool writes each transaction's GTID, which a
 * server with gtid_mode=ON that has executed it already would silently skip:
 * `skipGtids` (MySQL's tool only) leaves them out.
 */
export function binlogArgs(o: { optionFilePath: string; startPosition: number; sourceDatabase: string; targetDatabase: string; until: Date | null; files: string[]; lenientGtids?: boolean; skipGtids?: boolean }): string[] {
  const args = [`--defaults-extra-file=${o.optionFilePath}`, `--start-position=${o.startPosition}`, `--database=${o.sourceDatabase}`];
  if (o.lenientGtids) args.push('--skip-gtid-strict-mode');
  if (o.skipGtids) args.push('--skip-gtids');
  if (o.sourceDatabase !== o.targetDatabase) args.push(`--rewrite-db=${o.sourceDatabase}->${o.targetDatabase}`);
  if (o.until) args.push(`--stop-datetime=${binlogDatetime(o.until)}`);
  return [...args, ...o.files];
}
