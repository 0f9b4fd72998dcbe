/**
 * `civicgrid backup`: one directory holding everything an installation needs
 * to come back: the database (SQLite: a page copy made with SQLite's online
 * backup API, consistent while the server writes; MySQL/MariaDB: a
 * mariadb-dump of one InnoDB snapshot with its binary log position), the
 * stored files, the generated field key file and the config file, and a
 * manifest with the SHA-256 of every part. Written under a temporary name and
 * renamed when complete, so a directory named like a backup is a whole one.
 *
 * Why a directory and not an archive: the database part is written once, by
 * SQLite's backup or the dump pipe, straight to its place (an archive would
 * write gigabytes a second time or need its own streaming format); each part
 * can be checked, copied or rsynced off the host on its own; and `tar` makes
 * an archive of it whenever one is wanted.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { auditAlone, bindAuditKeyring, type AuditActor } from '../../infra/audit/audit.js';
import { readAnchors } from '../../infra/audit/anchors.js';
import { archiveDbUrlOf, auditAnchorDir, auditKeyFile, auditKeyringFrom, fieldKeyFile, filesDirOf, primaryDbUrl, statsDbUrlOf, type Config } from '../../infra/config.js';
import { dialectOf, openDatabase } from '../../infra/db/database.js';
import { migrateToLatest } from '../../infra/db/migrator.js';
import type { AppDb } from '../../database.js';
import { ARCHIVE_LEASE } from '../archive/move.js';
import { acquireLease, releaseLease } from '../incidents/sweep.js';
import { AppError } from '../../infra/http/errors.js';
import { STATS_MIGRATION_TABLES, STATS_MIGRATIONS } from '../evaluation/migrations.js';
import './messages.js';
import { dumpDatabase } from './mysql-tools.js';
import { backupFiles, isEmptyDir, partOf, syncPath } from './parts.js';
import { ANCHORS_PART, ARCHIVE_SQLITE_PART, AUDIT_KEYS_PART, BACKUP_FORMAT, BACKUP_FORMAT_VERSION, backupBytes, CONFIG_PART, FILES_LIST, KEYS_PART, MANIFEST_FILE, MYSQL_PART, SQLITE_PART, type Manifest, type ManifestPart } from './rules/manifest.js';
import { mysqlTarget } from './rules/mysql-client.js';
import { appliedMigrations, auditPosition, kyselyRunner, sqliteRunner, tableCounts } from './snapshot.js';

export interface BackupOptions {
  config: Config;
  /** Where the backup directory goes; must not exist or be empty. */
  out: string;
  /** Include the generated field key file (default yes); without it the keys must be kept elsewhere. */
  keys: boolean;
  /** The config file's path when one is used (CIVICGRID_CONFIG, else <dataDir>/civicgrid.json). */
  configFile: string | null;
  program: { name: string; version: string };
  actor: AuditActor;
  /** To tell keys set in the environment from keys set in the config file (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines for the operator. */
  log?: (line: string) => void;
}

type KeySource = Manifest['keys']['source'];

export interface BackupResult {
  dir: string;
  manifest: Manifest;
  /** Things the operator must know (keys kept elsewhere, no binary log…). */
  warnings: string[];
}

/** A timestamped default name, e.g. civicgrid-backup-20261203T075102Z. */
export function defaultBackupName(now = new Date()): string {
  return `civicgrid-backup-${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

/** Small tables the MySQL dump scan keeps whole, for the manifest. */
const CAPTURED = ['schema_migration', 'audit_head', 'audit_anchor'];

/**
 * Copies the SQLite database page by page in ONE step of the online backup
 * API: the step reads inside one read transaction, which in WAL mode never
 * blocks the server's writes and sees one consistent state. (Copying in
 * several steps would restart whenever the server commits in between, and a
 * busy server commits all the time.) The copy is then made a standalone file
 * (rollback journal), so the backup is one file.
 */
async function snapshotSqlite(sourcePath: string, dest: string): Promise<Pick<Manifest, 'counts' | 'migrations' | 'audit'> & { sqliteVersion: string }> {
  const source = new SQLite(sourcePath, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    await source.backup(dest, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
  const copy = new SQLite(dest, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const run = sqliteRunner(copy);
    return {
      counts: await tableCounts(run, 'sqlite'), migrations: await appliedMigrations(run), audit: await auditPosition(run),
      sqliteVersion: String(copy.prepare('select sqlite_version()').pluck().get()),
    };
  } finally {
    copy.close();
  }
}

/** The archive store's own SQLite file, when it has one (the default beside a SQLite primary). */
function archiveSqlitePath(config: Config, primaryPath: string): string | null {
  const url = archiveDbUrlOf(config);
  if (!url.startsWith('sqlite:')) return null;
  const path = url.slice('sqlite:'.length);
  return path === primaryPath || path === ':memory:' || !existsSync(path) ? null : path;
}

/**
 * Holds the archive move's lease while both SQLite files are copied, so no
 * case moves between the two copies (it would be in both, or in neither).
 * Waits for a running move to end its run (at most `waitMs`).
 */
async function holdArchiveLease(url: string, log: (m: string) => void, waitMs = 30 * 60_000): Promise<() => Promise<void>> {
  const db = openDatabase<unknown>({ url, poolSize: 1 }) as unknown as AppDb;
  const holder = `backup:${process.pid}`;
  const until = Date.now() + waitMs;
  try {
    for (let said = false; !(await acquireLease(db, ARCHIVE_LEASE, holder, 2 * waitMs)); said = true) {
      if (Date.now() > until) throw new AppError(409, 'BACKUP_ARCHIVE_BUSY');
      if (!said) log('waiting for the archive move that is running to finish');
      await new Promise((r) => setTimeout(r, 2000));
    }
  } catch (err) {
    await db.close();
    throw err;
  }
  return async () => {
    try {
      await releaseLease(db, ARCHIVE_LEASE, holder);
    } finally {
      await db.close();
    }
  };
}

async function serverHasBinlog(db: Kysely<unknown>): Promise<{ logBin: boolean; format: string | null }> {
  const [row] = await kyselyRunner(db)('select @@log_bin as log_bin, @@binlog_format as format');
  return { logBin: Number(row?.log_bin ?? 0) === 1, format: row?.format == null ? null : String(row.format) };
}

export async function createBackup(o: BackupOptions): Promise<BackupResult> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const createdAt = new Date(t0).toISOString();
  const out = resolve(o.out);
  if (!(await isEmptyDir(out))) throw new AppError(409, 'BACKUP_OUT_EXISTS', { path: out });
  const work = `${out}.partial-${process.pid}`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true, mode: 0o700 });
  const url = primaryDbUrl(o.config);
  const dialect = dialectOf(url);
  const warnings: string[] = [];
  const timings: Record<string, number> = {};
  try {
    const parts: ManifestPart[] = [];
    let snapshot: Pick<Manifest, 'counts' | 'migrations' | 'audit'>;
    let database: Manifest['database'];
    const tDb = Date.now();
    if (dialect === 'sqlite') {
      const path = url.slice('sqlite:'.length);
      if (!existsSync(path)) throw new AppError(404, 'BACKUP_SOURCE_MISSING', { path });
      const archivePath = archiveSqlitePath(o.config, path);
      const release = archivePath ? await holdArchiveLease(url, log) : null;
      let sqliteVersion: string;
      try {
        log(`copying the SQLite database ${path} (online backup)`);
        const { sqliteVersion: version, ...copied } = await snapshotSqlite(path, join(work, SQLITE_PART));
        snapshot = copied;
        sqliteVersion = version;
        await syncPath(join(work, SQLITE_PART));
        if (archivePath) {
          // The archive store is a file of its own and holds the only copy of archived cases.
          log(`copying the archive store ${archivePath} (online backup)`);
          const source = new SQLite(archivePath, { fileMustExist: true });
          try {
            source.pragma('busy_timeout = 10000');
            await source.backup(join(work, ARCHIVE_SQLITE_PART), { progress: () => 0x7fffffff });
          } finally {
            source.close();
          }
          const copy = new SQLite(join(work, ARCHIVE_SQLITE_PART), { fileMustExist: true });
          copy.pragma('journal_mode = DELETE');
          copy.close();
          await syncPath(join(work, ARCHIVE_SQLITE_PART));
          parts.push(await partOf(work, ARCHIVE_SQLITE_PART));
        }
      } finally {
        await release?.();
      }
      database = { dialect, method: 'sqlite-online-backup', tool: `SQLite ${sqliteVersion}`, name: null, binlog: null };
    } else {
      const target = mysqlTarget(url);
      const db = openDatabase<unknown>({ url, poolSize: 1 });
      let state: { logBin: boolean; format: string | null };
      try {
        state = await serverHasBinlog(db.primary);
        // A server's statistics store migrates lazily, possibly while this dump runs, and a table
        // created inside the dump's snapshot fails it (error 1412): when the store shares this
        // database, its tables are made first.
        if (statsDbUrlOf(o.config) === url) await migrateToLatest(db.primary as never, STATS_MIGRATIONS, STATS_MIGRATION_TABLES);
      } finally {
        await db.close();
      }
      if (!state.logBin) warnings.push('the server writes no binary log (log_bin is OFF): this backup can be restored, but not rolled forward to a point in time (docs/operations/backup.md)');
      else if (state.format !== 'ROW') warnings.push(`binlog_format is ${state.format}; ROW is what point-in-time recovery is documented and tested with`);
      log(`dumping ${target.database} (one consistent snapshot${state.logBin ? ', with its binary log position' : ''})`);
      const dump = await dumpDatabase(target, join(work, MYSQL_PART), { binlog: state.logBin, capture: CAPTURED });
      if (!dump.scan.completed) throw new AppError(500, 'BACKUP_TOOL_FAILED', { tool: dump.tool.command, message: 'the dump ended before its last line' });
      const rows = dump.scan.rows;
      const head = rows.audit_head?.find((r) => Number(r.id) === 1);
      const anchor = rows.audit_anchor?.find((r) => Number(r.id) === 1);
      if (!head || !anchor) throw new AppError(500, 'BACKUP_TOOL_FAILED', { tool: dump.tool.command, message: 'the dump holds no audit head: is this a CivicGrid database?' });
      const { schema_migration_lock: _lock, stats_migration_lock: _statsLock, ...counts } = dump.scan.counts;
      snapshot = {
        counts,
        migrations: (rows.schema_migration ?? []).map((r) => String(r.name)).sort(),
        audit: { headSeq: Number(head.seq), headHash: String(head.hash), anchorSeq: Number(anchor.seq) },
      };
      database = {
        dialect, method: 'dump', tool: dump.tool.version, name: target.database,
        binlog: dump.scan.binlog ? { ...dump.scan.binlog, gtid: dump.scan.gtid } : null,
      };
      await syncPath(join(work, MYSQL_PART));
      if (state.logBin && !dump.scan.binlog) warnings.push('the dump recorded no binary log position');
    }
    parts.push(await partOf(work, dialect === 'sqlite' ? SQLITE_PART : MYSQL_PART));
    timings.databaseMs = Date.now() - tDb;

    const tFiles = Date.now();
    log('copying the stored files');
    const files = await backupFiles(filesDirOf(o.config), work, FILES_LIST);
    parts.push(await partOf(work, FILES_LIST));
    for (const m of files.mismatched.slice(0, 10)) warnings.push(`stored file ${m} does not hash to its name: it was damaged before this backup`);
    timings.filesMs = Date.now() - tFiles;

    const configFile = o.configFile && existsSync(o.configFile) ? o.configFile : null;
    const env = o.env ?? process.env;
    const keyFile = async (k: { name: string; configured: boolean; envVar: string; file: string; part: string; protects: string }): Promise<KeySource> => {
      if (k.configured && !env[k.envVar] && configFile) {
        warnings.push(`the ${k.name} are set in the config file ${configFile}, which is in this backup: store the backup as you store the keys (encrypted, access-controlled)`);
        return 'config-file';
      }
      if (k.configured) {
        warnings.push(`the ${k.name} come from the environment (${k.envVar}): they are NOT in this backup; back them up from your secret store, or ${k.protects} after a restore`);
        return 'environment';
      }
      if (!o.keys) {
        warnings.push(`the ${k.name} file was left out (--no-keys): keep ${k.file} safe elsewhere, or ${k.protects} after a restore`);
        return 'omitted';
      }
      if (!existsSync(k.file)) {
        warnings.push(`no ${k.name} file at ${k.file}: nothing can have been written with generated keys`);
        return 'omitted';
      }
      await copyFile(k.file, join(work, k.part));
      parts.push(await partOf(work, k.part));
      warnings.push(`this backup holds the ${k.name} next to the data they protect: store it as you store the keys (encrypted, access-controlled), or use --no-keys and keep the key files apart`);
      return 'file';
    };
    const keySource = await keyFile({
      name: 'field encryption keys', configured: Boolean(o.config.fieldKeys), envVar: 'CIVICGRID_FIELD_KEYS', file: fieldKeyFile(o.config), part: KEYS_PART,
      protects: 'the ID numbers and phones cannot be read',
    });
    const auditKeySource = await keyFile({
      name: 'audit chain keys', configured: Boolean(o.config.auditKeys), envVar: 'CIVICGRID_AUDIT_KEYS', file: auditKeyFile(o.config), part: AUDIT_KEYS_PART,
      protects: 'the audit chain cannot be verified',
    });
    // The anchors up to the snapshot's head: later ones name records this backup does not hold.
    const anchors = readAnchors(auditAnchorDir(o.config)).filter((a) => a.seq <= snapshot.audit.headSeq);
    await writeFile(join(work, ANCHORS_PART), anchors.map((a) => `${JSON.stringify(a)}\n`).join(''), { mode: 0o640 });
    parts.push(await partOf(work, ANCHORS_PART));
    if (configFile) {
      await copyFile(configFile, join(work, CONFIG_PART));
      parts.push(await partOf(work, CONFIG_PART));
    }
    timings.totalMs = Date.now() - t0;

    const manifest: Manifest = {
      format: BACKUP_FORMAT, formatVersion: BACKUP_FORMAT_VERSION, createdAt, program: o.program, database,
      migrations: snapshot.migrations, counts: snapshot.counts, audit: snapshot.audit, keys: { source: keySource }, auditKeys: { source: auditKeySource },
      files: { count: files.count, bytes: files.bytes }, parts, timings,
    };
    await writeFile(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o640 });
    await syncPath(join(work, MANIFEST_FILE));
    await syncPath(work);
    await rm(out, { recursive: true, force: true });
    await rename(work, out);

    // The backup is recorded in the database it was taken from (it is not in the backup itself).
    const db = openDatabase<unknown>({ url, poolSize: 1 });
    try {
      bindAuditKeyring(db.primary, auditKeyringFrom(o.config, { generate: false }).keyring);
      await auditAlone(db.primary, o.actor, {
        action: 'backup.create', objectType: 'backup', objectId: out.slice(-128),
        details: { dialect, bytes: backupBytes(manifest), files: files.count, keys: keySource, auditHeadSeq: snapshot.audit.headSeq, binlog: database.binlog, ms: timings.totalMs },
      });
    } finally {
      await db.close();
    }
    return { dir: out, manifest, warnings };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}
