/**
 * `civicgrid restore BACKUP --data-dir NEW [--db-url URL]`: checks the
 * backup (manifest, the SHA-256 of every part) before writing anything,
 * refuses a target that holds data unless told to overwrite it, restores the
 * database, the stored files, the key file and the config file, optionally
 * rolls a MySQL/MariaDB database forward with the binary logs to a point in
 * time, then verifies the result against the manifest (verify.ts). The
 * restore is recorded in the restored database's audit chain, and the
 * sessions carried over from the backup are ended.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { MIGRATIONS, type Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { appendAnchors, parseAnchorLines } from '../../infra/audit/anchors.js';
import { bindAuditKeyring } from '../../infra/audit/audit.js';
import type { AuditKeyring } from '../../infra/audit/chain.js';
import { archiveDbUrlOf, auditKeyringFrom, fieldCipherFrom, fieldKeyFile, loadConfig } from '../../infra/config.js';
import type { FieldCipher } from '../../infra/crypto/field-cipher.js';
import { dialectOf, openDatabase, type Db } from '../../infra/db/database.js';
import { AppError } from '../../infra/http/errors.js';
import './messages.js';
import { fetchBinlogs, loadDump, replayBinlogs } from './mysql-tools.js';
import { checkFiles, copyHashed, isEmptyDir, parseListing, restoreFiles, sha256File, type ListedFile } from './parts.js';
import { ANCHORS_PART, ARCHIVE_SQLITE_PART, AUDIT_KEYS_PART, CONFIG_PART, FILES_LIST, KEYS_PART, MANIFEST_FILE, MYSQL_PART, readManifest, SQLITE_PART, type Manifest } from './rules/manifest.js';
import { mysqlTarget, withDatabase } from './rules/mysql-client.js';
import { kyselyRunner } from './snapshot.js';
import { verifyRestored, type VerifyReport } from './verify.js';

export interface PointInTime {
  /** A directory holding the source server's binary log files (copied off the server). */
  binlogDir?: string;
  /** Or a running source server to fetch them from (mysql://user:pass@host:port/ANY). */
  binlogFrom?: string;
  /** Replay up to this instant (exclusive); to the end of the logs when absent. */
  until?: Date;
}

export interface RestoreOptions {
  backup: string;
  /** The new data directory: stored files, key file, config file, and the SQLite database by default. */
  dataDir: string;
  /** The target database (required for a MySQL backup; a sqlite:PATH elsewhere than <dataDir>/civicgrid.db otherwise). */
  dbUrl?: string;
  force: boolean;
  dryRun: boolean;
  pointInTime?: PointInTime;
  /** Residents whose ID numbers are decrypted as a check. */
  sample: number;
  actor: AuditActor;
  /** Where keys from the environment come from (CIVICGRID_FIELD_KEYS…), when the backup says so. */
  env: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export interface RestoreResult {
  manifest: Manifest;
  dbUrl: string;
  dataDir: string;
  dryRun: boolean;
  /** The binary log files replayed (point-in-time recovery). */
  binlogFiles: string[];
  report: VerifyReport | null;
  warnings: string[];
  timings: Record<string, number>;
}

/** Reads the manifest and checks every part's bytes; throws a coded error for each way a backup can be bad. */
export async function checkBackup(dir: string): Promise<{ manifest: Manifest; files: ListedFile[] }> {
  if (!existsSync(dir) || !(await stat(dir)).isDirectory()) throw new AppError(404, 'BACKUP_NOT_FOUND', { path: dir });
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw new AppError(422, 'BACKUP_MANIFEST_MISSING', { path: dir });
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new AppError(422, 'BACKUP_MANIFEST_INVALID', { problems: [`not JSON: ${(err as Error).message}`] });
  }
  const read = readManifest(json, Object.keys(MIGRATIONS));
  if (!read.ok) throw new AppError(422, read.problem.code, read.problem.details);
  const manifest = read.manifest;
  const dbPart = manifest.database.dialect === 'sqlite' ? SQLITE_PART : MYSQL_PART;
  for (const required of [dbPart, FILES_LIST]) {
    if (!manifest.parts.some((p) => p.path === required)) throw new AppError(422, 'BACKUP_MANIFEST_INVALID', { problems: [`parts: ${required} is not listed`] });
  }
  for (const part of manifest.parts) {
    const path = join(dir, part.path);
    if (!existsSync(path)) throw new AppError(422, 'BACKUP_CORRUPT', { part: part.path, reason: 'is missing' });
    const size = (await stat(path)).size;
    if (size !== part.bytes) throw new AppError(422, 'BACKUP_CORRUPT', { part: part.path, reason: `has ${size} bytes, the manifest says ${part.bytes}` });
    if ((await sha256File(path)).sha256 !== part.sha256) throw new AppError(422, 'BACKUP_CORRUPT', { part: part.path, reason: 'does not match its SHA-256' });
  }
  const files = parseListing(readFileSync(join(dir, FILES_LIST), 'utf8'));
  if (files.length !== manifest.files.count) throw new AppError(422, 'BACKUP_CORRUPT', { part: FILES_LIST, reason: `lists ${files.length} files, the manifest says ${manifest.files.count}` });
  return { manifest, files };
}

/** What a data directory restore writes; with --force these are removed first (nothing else in the directory is touched). */
const DATA_DIR_ENTRIES = [SQLITE_PART, `${SQLITE_PART}-wal`, `${SQLITE_PART}-shm`, ARCHIVE_SQLITE_PART, `${ARCHIVE_SQLITE_PART}-wal`, `${ARCHIVE_SQLITE_PART}-shm`, 'files', KEYS_PART, AUDIT_KEYS_PART, 'audit-anchors', CONFIG_PART];

async function prepareDataDir(dataDir: string, force: boolean, sqlitePath: string | null): Promise<void> {
  const busy = !(await isEmptyDir(dataDir)) || (sqlitePath !== null && existsSync(sqlitePath));
  if (busy && !force) throw new AppError(409, 'RESTORE_TARGET_NOT_EMPTY', { target: dataDir });
  if (busy) {
    for (const name of DATA_DIR_ENTRIES) await rm(join(dataDir, name), { recursive: true, force: true });
    if (sqlitePath) for (const suffix of ['', '-wal', '-shm']) await rm(`${sqlitePath}${suffix}`, { force: true });
  }
  await mkdir(dataDir, { recursive: true, mode: 0o750 });
}

async function prepareMysql(url: string, force: boolean): Promise<void> {
  const target = mysqlTarget(url);
  const server = openDatabase<unknown>({ url: withDatabase(url, 'information_schema'), poolSize: 1 });
  try {
    const name = target.database.replaceAll('`', '``');
    await sql.raw(`create database if not exists \`${name}\` character set utf8mb4 collate utf8mb4_bin`).execute(server.primary);
  } finally {
    await server.close();
  }
  const db = openDatabase<unknown>({ url, poolSize: 1 });
  try {
    const all = (await kyselyRunner(db.primary)('select table_name as name from information_schema.tables where table_schema = database()')).map((r) => String(r.name));
    if (all.length > 0 && !force) throw new AppError(409, 'RESTORE_TARGET_NOT_EMPTY', { target: target.database });
    if (all.length > 0) {
      // One connection, so the session setting holds for every DROP.
      await db.primary.connection().execute(async (c) => {
        await sql.raw('set foreign_key_checks = 0').execute(c);
        for (const t of all) await sql.raw(`drop table \`${t.replaceAll('`', '``')}\``).execute(c);
        await sql.raw('set foreign_key_checks = 1').execute(c);
      });
    }
  } finally {
    await db.close();
  }
}

/**
 * The cipher for the residents check: the keys restored (key file, or the
 * restored config file) or configured for this command (CIVICGRID_FIELD_*),
 * or null when there are none. Never lets the check generate a key file.
 */
function cipherFor(dataDir: string, dbUrl: string, env: NodeJS.ProcessEnv): FieldCipher | null {
  const keyEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('CIVICGRID_FIELD_')));
  const cfg = loadConfig(keyEnv, { dataDir, dbUrl, logLevel: 'silent' });
  if (!cfg.fieldKeys && !existsSync(fieldKeyFile(cfg))) return null;
  return fieldCipherFrom(cfg).cipher;
}

/** The audit chain's keys: restored with the backup, or configured for this command (CIVICGRID_AUDIT_*); never generated. */
function auditKeyringFor(dataDir: string, dbUrl: string, env: NodeJS.ProcessEnv): AuditKeyring {
  const keyEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('CIVICGRID_AUDIT_')));
  return auditKeyringFrom(loadConfig(keyEnv, { dataDir, dbUrl, logLevel: 'silent' }), { generate: false }).keyring;
}

function shanghaiToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const log = o.log ?? (() => undefined);
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const backupDir = resolve(o.backup);
  const dataDir = resolve(o.dataDir);

  log(`checking ${backupDir}`);
  const { manifest, files } = await checkBackup(backupDir);
  timings.checkMs = Date.now() - t0;
  const dialect = manifest.database.dialect;
  if (o.dbUrl && dialectOf(o.dbUrl) !== dialect) throw new AppError(422, 'BACKUP_DIALECT_MISMATCH', { backup: dialect, target: dialectOf(o.dbUrl) });
  if (dialect === 'mysql' && !o.dbUrl) throw new AppError(400, 'RESTORE_DB_URL_REQUIRED');
  const dbUrl = o.dbUrl ?? `sqlite:${join(dataDir, SQLITE_PART)}`;
  const pit = o.pointInTime;
  if (pit && (pit.binlogDir || pit.binlogFrom || pit.until)) {
    if (dialect !== 'mysql') throw new AppError(422, 'RESTORE_PITR_UNAVAILABLE', { reason: 'a SQLite backup has no binary log; restore it as it is' });
    if (!manifest.database.binlog || !manifest.database.name) throw new AppError(422, 'RESTORE_PITR_UNAVAILABLE', { reason: 'the backup recorded no binary log position (the server had log_bin OFF)' });
    if (!pit.binlogDir && !pit.binlogFrom) throw new AppError(400, 'RESTORE_PITR_UNAVAILABLE', { reason: 'name the binary logs: --binlog-dir DIR or --binlog-from mysql://…' });
  }
  // Without the audit keys nothing restored could be verified: refuse before writing anything.
  if ((manifest.auditKeys.source === 'environment' || manifest.auditKeys.source === 'omitted') && !o.env.CIVICGRID_AUDIT_KEYS) {
    throw new AppError(422, 'RESTORE_AUDIT_KEYS_MISSING');
  }
  if (o.dryRun) {
    await checkFiles(backupDir, files);
    return { manifest, dbUrl, dataDir, dryRun: true, binlogFiles: [], report: null, warnings, timings: { ...timings, totalMs: Date.now() - t0 } };
  }

  const sqlitePath = dialect === 'sqlite' ? dbUrl.slice('sqlite:'.length) : null;
  await prepareDataDir(dataDir, o.force, sqlitePath);
  if (dialect === 'mysql') await prepareMysql(dbUrl, o.force);

  const tDb = Date.now();
  if (sqlitePath) {
    log(`restoring the database to ${sqlitePath}`);
    const part = manifest.parts.find((p) => p.path === SQLITE_PART)!;
    await mkdir(resolve(sqlitePath, '..'), { recursive: true });
    const copied = await copyHashed(join(backupDir, SQLITE_PART), `${sqlitePath}.restoring`, 0o640);
    if (copied.sha256 !== part.sha256) throw new AppError(422, 'BACKUP_CORRUPT', { part: SQLITE_PART, reason: 'changed while it was being restored' });
    await rename(`${sqlitePath}.restoring`, sqlitePath);
    const archivePart = manifest.parts.find((p) => p.path === ARCHIVE_SQLITE_PART);
    if (archivePart) {
      // Beside the database, where the archive store is by default (civicgrid.db → civicgrid-archive.db).
      const archivePath = archiveDbUrlOf(loadConfig({}, { dataDir, dbUrl })).slice('sqlite:'.length);
      log(`restoring the archive store to ${archivePath}`);
      for (const suffix of ['', '-wal', '-shm']) await rm(`${archivePath}${suffix}`, { force: true });
      const archived = await copyHashed(join(backupDir, ARCHIVE_SQLITE_PART), `${archivePath}.restoring`, 0o640);
      if (archived.sha256 !== archivePart.sha256) throw new AppError(422, 'BACKUP_CORRUPT', { part: ARCHIVE_SQLITE_PART, reason: 'changed while it was being restored' });
      await rename(`${archivePath}.restoring`, archivePath);
    }
  } else {
    log(`loading the dump into ${mysqlTarget(dbUrl).database}`);
    await loadDump(mysqlTarget(dbUrl), join(backupDir, MYSQL_PART));
  }
  timings.databaseMs = Date.now() - tDb;

  let binlogFiles: string[] = [];
  if (pit && (pit.binlogDir || pit.binlogFrom) && manifest.database.binlog && manifest.database.name) {
    const tLog = Date.now();
    const position = manifest.database.binlog;
    let dir = pit.binlogDir ? resolve(pit.binlogDir) : null;
    let fetched: string | null = null;
    try {
      if (!dir) {
        fetched = await mkdtemp(join(tmpdir(), 'civicgrid-binlog-'));
        log(`fetching the binary logs from ${position.file} onwards from ${pit.binlogFrom!.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}`);
        await fetchBinlogs(mysqlTarget(withDatabase(pit.binlogFrom!, 'mysql')), position.file, fetched);
        dir = fetched;
      }
      log(`replaying binary logs from ${position.file}:${position.position}${pit.until ? ` until ${pit.until.toISOString()}` : ' to their end'}`);
      binlogFiles = (await replayBinlogs(mysqlTarget(dbUrl), { dir, startFile: position.file, startPosition: position.position, sourceDatabase: manifest.database.name, until: pit.until ?? null })).files;
    } finally {
      if (fetched) await rm(fetched, { recursive: true, force: true });
    }
    timings.binlogMs = Date.now() - tLog;
  }

  const tFiles = Date.now();
  log(`restoring ${files.length} stored files`);
  await restoreFiles(backupDir, files, dataDir);
  for (const part of [KEYS_PART, AUDIT_KEYS_PART]) {
    if (!manifest.parts.some((p) => p.path === part)) continue;
    await copyFile(join(backupDir, part), join(dataDir, part));
    await chmod(join(dataDir, part), 0o600);
  }
  const anchors = parseAnchorLines(await readFile(join(backupDir, ANCHORS_PART), 'utf8'), ANCHORS_PART);
  appendAnchors(join(dataDir, 'audit-anchors'), anchors);
  if (manifest.parts.some((p) => p.path === CONFIG_PART)) {
    await copyFile(join(backupDir, CONFIG_PART), join(dataDir, CONFIG_PART));
    const restoredConfig = JSON.parse(readFileSync(join(dataDir, CONFIG_PART), 'utf8')) as Record<string, unknown>;
    if (typeof restoredConfig.dbUrl === 'string' && restoredConfig.dbUrl !== dbUrl) {
      warnings.push(`the restored ${CONFIG_PART} names dbUrl ${restoredConfig.dbUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}; the restored database is ${dbUrl}: set CIVICGRID_DB_URL or edit the file before starting`);
    }
  }
  timings.filesMs = Date.now() - tFiles;

  const tVerify = Date.now();
  log('verifying the restored data');
  const cipher = cipherFor(dataDir, dbUrl, o.env);
  if (!cipher) {
    warnings.push('the field keys are not in this backup: configure CIVICGRID_FIELD_KEYS and CIVICGRID_FIELD_HMAC_KEY (or put the key file in place) BEFORE the first start, or the server will generate new keys that cannot read the residents\' ID numbers and phones');
  }
  const db: Db<Database> = openDatabase<Database>({ url: dbUrl, poolSize: 2 });
  let report: VerifyReport;
  try {
    bindAuditKeyring(db.primary, auditKeyringFor(dataDir, dbUrl, o.env));
    report = await verifyRestored({
      anchors,
      db: db.primary, dialect, manifest, mode: binlogFiles.length > 0 ? 'rolled-forward' : 'exact',
      filesRoot: join(dataDir, 'files'), cipher, sample: o.sample, today: shanghaiToday(),
    });
    timings.verifyMs = Date.now() - tVerify;
    if (report.problems.length > 0) throw new AppError(500, 'RESTORE_VERIFY_FAILED', { problems: report.problems });
    const now = Date.now();
    await db.primary.transaction().execute(async (tx) => {
      // Sessions in the backup belong to the past: everyone signs in again on the restored system.
      await (tx as unknown as Kysely<Database>).updateTable('sessions').set({ revoked_at: now }).where('revoked_at', 'is', null).execute();
      await appendAudit(tx, o.actor, {
        action: 'backup.restore', objectType: 'backup', objectId: backupDir.slice(-128),
        details: {
          createdAt: manifest.createdAt, dialect, auditHeadSeq: manifest.audit.headSeq, binlogFiles, until: pit?.until?.toISOString() ?? null,
          tables: report.tables, rows: report.rows, residentsChecked: report.residentsChecked,
        },
      }, now);
    });
  } finally {
    await db.close();
  }
  warnings.push(...report.warnings);
  timings.totalMs = Date.now() - t0;
  return { manifest, dbUrl, dataDir, dryRun: false, binlogFiles, report, warnings, timings };
}
