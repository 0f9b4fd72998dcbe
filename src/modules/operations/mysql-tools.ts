/**
 * Runs the MariaDB/MySQL client tools for backup and restore: the dump
 * (streamed through the dump scanner and gzip into the backup), loading a
 * dump, fetching and replaying binary logs. Credentials travel in a 0600
 * option file in a private temporary directory, removed afterwards.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { AppError } from '../../infra/http/errors.js';
import { DumpScanner, type DumpScan } from './rules/dump-scan.js';
import { binlogArgs, binlogFilesFrom, dumpArgs, optionFile, type DumpTool, type MysqlTarget } from './rules/mysql-client.js';

/** The first of `names` that answers `--version`. */
function findTool(names: readonly string[]): DumpTool {
  for (const command of names) {
    const r = spawnSync(command, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return { command, version: r.stdout.trim() };
  }
  throw new AppError(500, 'BACKUP_TOOL_MISSING', { tools: names.join(' / ') });
}

export const dumpTool = () => findTool(['mariadb-dump', 'mysqldump']);
export const clientTool = () => findTool(['mariadb', 'mysql']);
export const binlogTool = () => findTool(['mariadb-binlog', 'mysqlbinlog']);

/** Runs `fn` with a private option file holding the target's credentials. */
export async function withOptionFile<T>(target: MysqlTarget, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'civicgrid-mysql-'));
  const path = join(dir, 'client.cnf');
  try {
    await writeFile(path, optionFile(target), { mode: 0o600 });
    return await fn(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Running {
  stdout: Readable;
  stdin: Writable;
  /** Resolves when the program exits 0; rejects with its last stderr lines otherwise. */
  done: Promise<void>;
}

function run(tool: DumpTool, args: string[], env: NodeJS.ProcessEnv = process.env): Running {
  const child = spawn(tool.command, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(new AppError(500, 'BACKUP_TOOL_FAILED', { tool: tool.command, message: err.message })));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new AppError(500, 'BACKUP_TOOL_FAILED', { tool: tool.command, message: (stderr.trim().split('\n').slice(-3).join(' | ') || `exit ${code ?? signal}`) }));
    });
  });
  // A failed child closes its stdin early; the error surfaces through `done`.
  child.stdin.on('error', () => undefined);
  return { stdout: child.stdout, stdin: child.stdin, done };
}

/**
 * Dumps the target database into `outFile` (gzip), reading the dump as it
 * passes: row counts, captured small tables and the binary log position come
 * from the very bytes stored. Returns the scan and the stored file's hash.
 */
export async function dumpDatabase(target: MysqlTarget, outFile: string, opts: { binlog: boolean; capture: readonly string[] }): Promise<{ scan: DumpScan; sha256: string; bytes: number; tool: DumpTool }> {
  const tool = dumpTool();
  return withOptionFile(target, async (cnf) => {
    const child = run(tool, dumpArgs(tool, cnf, target.database, opts.binlog));
    const scanner = new DumpScanner(opts.capture);
    const scan = new Transform({
      transform(chunk: Buffer, _enc, done) {
        try {
          scanner.push(chunk);
          done(null, chunk);
        } catch (err) {
          done(err as Error);
        }
      },
    });
    const hash = createHash('sha256');
    let bytes = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    // Level 1: a dump compresses about 5:1 even so, and gzip stays off the critical path.
    await Promise.all([pipeline(child.stdout, scan, createGzip({ level: 1 }), tap, createWriteStream(outFile, { mode: 0o640 })), child.done]);
    return { scan: scanner.finish(), sha256: hash.digest('hex'), bytes, tool };
  });
}

/** Loads a gzip dump into the target database (which must exist). */
export async function loadDump(target: MysqlTarget, dumpFile: string): Promise<void> {
  const tool = clientTool();
  await withOptionFile(target, async (cnf) => {
    const child = run(tool, [`--defaults-extra-file=${cnf}`, '--binary-mode', '--default-character-set=utf8mb4', target.database]);
    child.stdout.resume();
    await Promise.all([pipeline(createReadStream(dumpFile, { highWaterMark: 1 << 20 }), createGunzip(), child.stdin), child.done]);
  });
}

/**
 * Copies the binary logs from `source` (a running server) into `dir`, from
 * `startFile` to the newest, as the server stores them (mariadb-binlog
 * --read-from-remote-server --raw). The user needs REPLICATION SLAVE (or
 * BINLOG MONITOR) rights.
 */
export async function fetchBinlogs(source: MysqlTarget, startFile: string, dir: string): Promise<void> {
  const tool = binlogTool();
  await withOptionFile(source, async (cnf) => {
    const child = run(tool, [`--defaults-extra-file=${cnf}`, '--read-from-remote-server', '--raw', '--to-last-log', `--result-file=${dir}/`, startFile]);
    child.stdout.resume();
    await child.done;
  });
}

/**
 * Replays the binary logs in `dir` onto the target, from the backup's
 * position, up to `until` (or their end): mariadb-binlog piped into the
 * client, as the server's own documentation does it.
 */
export async function replayBinlogs(target: MysqlTarget, o: { dir: string; startFile: string; startPosition: number; sourceDatabase: string; until: Date | null }): Promise<{ files: string[] }> {
  let files: string[];
  try {
    files = binlogFilesFrom(await readdir(o.dir), o.startFile);
  } catch (err) {
    throw new AppError(422, 'RESTORE_PITR_UNAVAILABLE', { reason: (err as Error).message });
  }
  const binlog = binlogTool();
  const client = clientTool();
  await withOptionFile(target, async (cnf) => {
    // The two tools differ in their GTID options: ask this one which it has.
    const help = spawnSync(binlog.command, ['--help'], { encoding: 'utf8' }).stdout ?? '';
    const args = binlogArgs({
      optionFilePath: cnf, startPosition: o.startPosition, sourceDatabase: o.sourceDatabase, targetDatabase: target.database, until: o.until,
      files: files.map((f) => join(o.dir, f)), lenientGtids: /--gtid-strict-mode/.test(help), skipGtids: /--skip-gtids/.test(help),
    });
    // --stop-datetime is read in the tool's local time: run it in UTC (binlogDatetime gives UTC).
    const reader = run(binlog, args, { ...process.env, TZ: 'UTC' });
    const writer = run(client, [`--defaults-extra-file=${cnf}`, '--binary-mode', '--default-character-set=utf8mb4', target.database]);
    writer.stdout.resume();
    await Promise.all([pipeline(reader.stdout, writer.stdin), reader.done, writer.done]);
  });
  return { files };
}
