/**
 * The backup and restore drill: `npm run drill` (SQLite, scale 1) and
 * `npm run drill -- --mysql` (MariaDB with a binary log, scale 0.1 by
 * default, DRILL_SCALE to change it).
 *
 * SQLite: copies the cached scale-1 district (bench/_cache.ts) into a
 * scratch folder, starts `civicgrid serve` on it as its own process, drives
 * POST /api/incidents from a load thread, runs `civicgrid backup` while that
 * load runs, stops, runs `civicgrid restore` into a new data directory, and
 * checks that every report acknowledged before the backup started is in the
 * restored database (restore itself checks integrity, counts against the
 * manifest, the audit chain, the stored files and decrypted residents).
 *
 * MariaDB: starts a temporary mariadbd with log_bin (bench/_temp-mariadb.ts),
 * loads the demo district at DRILL_SCALE, serves it, backs up under load,
 * keeps the load going past a recovery point, and restores the dump plus the
 * binary log up to that point into a new database: every report acknowledged
 * before the point must be there, none sent after it.
 *
 * Prints one JSON line per figure (bench/lib.ts), each with a baseline
 * measured in the same run: a plain file copy of the database (SQLite), a
 * plain dump or load with the client tools (MariaDB), and the intake rate
 * before the backup for the rate during it. DRILL_KEEP=1 keeps the scratch
 * folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import { createConnection } from 'mysql2/promise';
import { loadConfig } from '../src/infra/config.js';
import { openDatabase } from '../src/infra/db/database.js';
import { DEMO_PASSWORD, loadDemo } from '../src/modules/demo/load.js';
import { Locator } from '../src/modules/grid/rules/locator.js';
import type { GridGeometry } from '../src/modules/grid/rules/types.js';
import { MANIFEST_FILE, type Manifest } from '../src/modules/operations/rules/manifest.js';
import { openPlatform } from '../src/platform.js';
import { benchDatabase } from './_cache.js';
import { startTempMariadb } from './_temp-mariadb.js';
import { machine, report } from './lib.js';

const root = resolve(import.meta.dirname, '..');
const CONNECTIONS = 16;
const WARM_UP_MS = 10_000;
const BASELINE_MS = 10_000;
const mysqlMode = process.argv.includes('--mysql');
const log = (m: string) => process.stderr.write(`[drill] ${m}\n`);
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const mib = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

function dirBytes(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + dirBytes(join(path, name)), 0);
}

/** Points inside unit grids, from the grid rows (the same way intake.bench finds them). */
function pointsFrom(rows: { code: string; geometry: string; min_lng: number; min_lat: number; max_lng: number; max_lat: number }[], n: number) {
  const locator = new Locator(rows.map((r) => ({ code: r.code, geometry: JSON.parse(r.geometry) as GridGeometry })));
  const [x0, y0, x1, y1] = [Math.min(...rows.map((r) => r.min_lng)), Math.min(...rows.map((r) => r.min_lat)), Math.max(...rows.map((r) => r.max_lng)), Math.max(...rows.map((r) => r.max_lat))];
  const out: { lng: number; lat: number }[] = [];
  let seed = 4242;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  while (out.length < n) {
    const lng = x0 + (x1 - x0) * rnd();
    const lat = y0 + (y1 - y0) * rnd();
    if (locator.locate(lng, lat)) out.push({ lng, lat });
  }
  return out;
}

/** `civicgrid serve` as its own process; resolves with its port once it listens. */
async function serve(env: NodeJS.ProcessEnv): Promise<{ port: number; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn('node', ['--import', 'tsx', 'src/cli.ts', 'serve', '--port', '0'], { cwd: root, env: { ...env, HOST: '127.0.0.1', CIVICGRID_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((ok, fail) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => {
      out += s;
      const m = /is running at http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) ok(Number(m[1]));
    });
    child.once('exit', (code) => fail(new Error(`the server exited (${code}) before listening`)));
  });
  return {
    port, child,
    stop: () => new Promise<void>((ok) => {
      if (child.exitCode !== null) return ok();
      child.once('exit', () => ok());
      child.kill('SIGTERM');
    }),
  };
}

/** A CLI command as its own process; resolves with its last stdout line parsed as JSON and its wall time. */
async function civicgrid(args: string[], env: NodeJS.ProcessEnv): Promise<{ json: Record<string, unknown>; ms: number; stderr: string }> {
  const t0 = Date.now();
  const child = spawn('node', ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  let partial = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    for (const line of lines) process.stderr.write(`  | ${line}\n`);
  });
  const code = await new Promise<number | null>((ok) => child.once('exit', ok));
  if (code !== 0) throw new Error(`civicgrid ${args[0]} exited ${code}: ${stderr.slice(-2000)}`);
  return { json: JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>, ms: Date.now() - t0, stderr };
}

/**
 * The load: CONNECTIONS closed-loop clients on their own thread posting
 * reports until told to stop, each acknowledged report sent back as
 * [id, sentAt, ackedAt] in batches.
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, connections, cookie, points } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
let stop = false;
let batch = [];
let failures = 0;
parentPort.on('message', (m) => { if (m === 'stop') stop = true; });
const flush = setInterval(() => { if (batch.length) { parentPort.postMessage({ acks: batch }); batch = []; } }, 100);
function post(i) {
  const p = points[i % points.length];
  const body = JSON.stringify({ channel: 'hotline_12345', description: 'drill report ' + i, position: { lng: p.lng, lat: p.lat, crs: 'wgs84' } });
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/incidents', agent, headers: {
      'content-type': 'application/json', 'content-length': Buffer.byteLength(body), cookie: 'cg_session=' + cookie, 'idempotency-key': 'drill-' + process.pid + '-' + i } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode === 201) batch.push([JSON.parse(Buffer.concat(chunks).toString('utf8')).incident.id, sentAt, Date.now()]);
        else failures++;
        resolve();
      });
    });
    req.on('error', () => { failures++; resolve(); });
    req.end(body);
  });
}
let next = 0;
Promise.all(Array.from({ length: connections }, async () => { while (!stop) await post(next++); })).then(() => {
  clearInterval(flush);
  parentPort.postMessage({ acks: batch, done: true, failures });
  agent.destroy();
});
`;

interface Ack {
  id: number;
  sentAt: number;
  ackedAt: number;
}

function startLoad(port: number, cookie: string, points: { lng: number; lat: number }[]) {
  const acks: Ack[] = [];
  const worker = new Worker(CLIENT, { eval: true, workerData: { port, connections: CONNECTIONS, cookie, points } });
  let failures = 0;
  const finished = new Promise<void>((ok, fail) => {
    worker.on('message', (m: { acks: [number, number, number][]; done?: boolean; failures?: number }) => {
      for (const [id, sentAt, ackedAt] of m.acks) acks.push({ id, sentAt, ackedAt });
      if (m.done) {
        failures = m.failures ?? 0;
        ok();
      }
    });
    worker.once('error', fail);
  });
  return {
    acks,
    /** Reports acknowledged in [from, to). */
    rate: (from: number, to: number) => acks.filter((a) => a.ackedAt >= from && a.ackedAt < to).length / ((to - from) / 1000),
    async stop() {
      worker.postMessage('stop');
      await finished;
      await worker.terminate();
      return failures;
    },
  };
}

async function login(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'operator', password: DEMO_PASSWORD }) });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
  const cookie = /cg_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('no session cookie');
  return cookie;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ids of `ids` missing from the incidents table of a database. */
async function missingIds(url: string, ids: number[]): Promise<number[]> {
  const db = openDatabase<{ incidents: { id: number } }>({ url });
  try {
    const missing: number[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const found = new Set((await db.primary.selectFrom('incidents').select('id').where('id', 'in', chunk).execute()).map((r) => Number(r.id)));
      for (const id of chunk) if (!found.has(id)) missing.push(id);
    }
    return missing;
  } finally {
    await db.close();
  }
}

async function presentIds(url: string, ids: number[]): Promise<number[]> {
  const missing = new Set(await missingIds(url, ids));
  return ids.filter((id) => !missing.has(id));
}

async function sqliteDrill(work: string): Promise<void> {
  const cache = await benchDatabase({ scale: 1 });
  const cacheDir = cache.config.dataDir;
  const source = join(work, 'source');
  mkdirSync(source, { recursive: true });
  log(`copying the cached district ${cacheDir} (the baseline: a plain copy of an idle database file)`);
  const tCopy = Date.now();
  copyFileSync(join(cacheDir, 'civicgrid.db'), join(source, 'civicgrid.db'));
  const copyMs = Date.now() - tCopy;
  copyFileSync(join(cacheDir, 'field-keys.json'), join(source, 'field-keys.json'));
  cpSync(join(cacheDir, 'files'), join(source, 'files'), { recursive: true });
  const sourceBytes = dirBytes(source);

  const reader = new SQLite(join(source, 'civicgrid.db'), { readonly: true });
  const grids = reader.prepare("select code, geometry, min_lng, min_lat, max_lng, max_lat from grids where level = 'unit'").all() as Parameters<typeof pointsFrom>[0];
  reader.close();
  const points = pointsFrom(grids, 2000);

  const { CIVICGRID_DB_URL: _url, CIVICGRID_CONFIG: _config, ...inherited } = process.env;
  const env = { ...inherited, CIVICGRID_DATA_DIR: source };
  log('starting civicgrid serve on the copy');
  const server = await serve(env);
  try {
    // The WAL grows while the backup's read snapshot holds the checkpoint back: its peak is the disk headroom a backup needs.
    const wal = join(source, 'civicgrid.db-wal');
    let walPeak = 0;
    const sampleWal = () => {
      try {
        walPeak = Math.max(walPeak, statSync(wal).size);
      } catch {
        // Not there between checkpoints.
      }
    };
    const load = startLoad(server.port, await login(server.port), points);
    const walSampler = setInterval(sampleWal, 250);
    // A warm-up (caches, JIT), then the 10 s whose rate and WAL peak are the baselines.
    await sleep(WARM_UP_MS);
    walPeak = 0;
    await sleep(BASELINE_MS);
    const walPeakBefore = walPeak;
    walPeak = 0;
    const backupStart = Date.now();
    log('load running; civicgrid backup');
    const backup = await civicgrid(['backup', '--out', join(work, 'backup'), '--json'], { ...env, CIVICGRID_LOG_LEVEL: 'error' });
    const backupEnd = Date.now();
    clearInterval(walSampler);
    await sleep(3000);
    const failures = await load.stop();
    await server.stop();
    log('the same backup again with the server stopped, for comparison');
    const idle = await civicgrid(['backup', '--out', join(work, 'backup-idle'), '--json'], { ...env, CIVICGRID_LOG_LEVEL: 'error' });
    rmSync(join(work, 'backup-idle'), { recursive: true, force: true });
    const acknowledgedBefore = load.acks.filter((a) => a.ackedAt < backupStart).map((a) => a.id);
    const during = load.acks.filter((a) => a.ackedAt >= backupStart && a.ackedAt < backupEnd).length;
    log(`${load.acks.length} reports acknowledged (${acknowledgedBefore.length} before the backup, ${during} during it), ${failures} failed`);

    const m = JSON.parse(readFileSync(join(work, 'backup', MANIFEST_FILE), 'utf8')) as Manifest;
    const backupBytes = dirBytes(join(work, 'backup'));
    log('civicgrid restore into a new data directory');
    const restoredDir = join(work, 'restored');
    const restore = await civicgrid(['restore', join(work, 'backup'), '--data-dir', restoredDir, '--sample', '1000', '--json'], { ...process.env, CIVICGRID_LOG_LEVEL: 'error' });
    const verify = restore.json.report as { problems: string[]; integrity: string; rows: number; tables: number; auditRecords: number; residentsChecked: number; fileRows: number };
    const missing = await missingIds(`sqlite:${join(restoredDir, 'civicgrid.db')}`, acknowledgedBefore);
    if (verify.problems.length > 0 || missing.length > 0) throw new Error(`drill failed: ${verify.problems.join('; ')}; ${missing.length} acknowledged reports missing`);
    const timings = restore.json.timings as Record<string, number>;
    const facts = { scale: 1, db: 'sqlite' as const, machine: machine() };

    report({ name: 'drill_backup_time', value: seconds(backup.ms), unit: 's', baseline: seconds(copyMs), baselineIs: 'plain copy of the idle database file (copyFile)', ...facts,
      databaseS: seconds(m.timings.databaseMs ?? 0), filesS: seconds(m.timings.filesMs ?? 0), underLoad: true, idleS: seconds(idle.ms), note: 'wall time of `civicgrid backup` as its own process, server writing; idleS: the same with the server stopped' });
    report({ name: 'drill_backup_size', value: mib(backupBytes), unit: 'MiB', baseline: mib(sourceBytes), baselineIs: 'the data directory backed up (database, files, key file)', ...facts,
      tables: Object.keys(m.counts).length, rows: Object.values(m.counts).reduce((a, b) => a + b, 0), storedFiles: m.files.count });
    report({ name: 'drill_restore_time', value: seconds(restore.ms), unit: 's', baseline: seconds(copyMs), baselineIs: 'plain copy of the idle database file (copyFile)', ...facts,
      checkS: seconds(timings.checkMs ?? 0), databaseS: seconds(timings.databaseMs ?? 0), filesS: seconds(timings.filesMs ?? 0), verifyS: seconds(timings.verifyMs ?? 0),
      integrity: verify.integrity, auditRecords: verify.auditRecords, residentsDecrypted: verify.residentsChecked, storedFilesChecked: verify.fileRows });
    report({ name: 'drill_intake_rate_during_backup', value: Math.round(load.rate(backupStart, backupEnd)), unit: 'reports/s', baseline: Math.round(load.rate(backupStart - BASELINE_MS, backupStart)), baselineIs: 'the same load in the 10 s before the backup, after a 10 s warm-up', ...facts, connections: CONNECTIONS, failed: failures });
    report({ name: 'drill_wal_peak_during_backup', value: mib(walPeak), unit: 'MiB', baseline: mib(walPeakBefore), baselineIs: 'WAL peak under the same load in the 10 s before the backup, after a 10 s warm-up', ...facts });
    report({ name: 'drill_acknowledged_restored', value: acknowledgedBefore.length - missing.length, unit: 'reports', baseline: acknowledgedBefore.length, baselineIs: 'reports acknowledged before the backup started', ...facts,
      inBackup: m.counts.incidents, acknowledgedDuringBackup: during });
  } finally {
    await server.stop();
  }
}

/** The raw client tools on the same server: a plain dump to a file and a plain load of it. */
function rawDumpAndLoad(serverUrl: string, source: string, target: string, file: string): { dumpMs: number; loadMs: number } {
  const u = new URL(serverUrl);
  const conn = ['-h', u.hostname, '-P', u.port, '-uroot'];
  const t0 = Date.now();
  const dump = spawnSync('sh', ['-c', `mariadb-dump ${conn.join(' ')} --single-transaction --quick ${source} > ${file}`]);
  if (dump.status !== 0) throw new Error(`raw dump: ${String(dump.stderr)}`);
  const dumpMs = Date.now() - t0;
  spawnSync('mariadb', [...conn, '-e', `CREATE DATABASE ${target} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`]);
  const t1 = Date.now();
  const load = spawnSync('sh', ['-c', `mariadb ${conn.join(' ')} ${target} < ${file}`]);
  if (load.status !== 0) throw new Error(`raw load: ${String(load.stderr)}`);
  return { dumpMs, loadMs: Date.now() - t1 };
}

async function mysqlDrill(work: string): Promise<void> {
  const scale = Number(process.env.DRILL_SCALE ?? 0.1);
  log(`starting a temporary MariaDB with a binary log; loading the demo district at scale ${scale}`);
  const maria = await startTempMariadb({ bufferPoolMb: 2048 });
  try {
    const c = await createConnection({ uri: maria.serverUrl });
    await c.query('CREATE DATABASE cg_drill CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await c.end();
    const dataDir = join(work, 'source');
    const url = maria.url('cg_drill');
    const platform = await openPlatform(loadConfig({}, { dataDir, dbUrl: url, logLevel: 'silent' }));
    let grids: Parameters<typeof pointsFrom>[0];
    try {
      await loadDemo(platform, { scale, residentsScale: scale, staff: true, incidents: { months: 18 } });
      grids = await platform.db.primary.selectFrom('grids').select(['code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('level', '=', 'unit').execute();
    } finally {
      await platform.close();
    }
    const points = pointsFrom(grids, 2000);
    const { CIVICGRID_CONFIG: _config, ...inherited } = process.env;
    const env = { ...inherited, CIVICGRID_DATA_DIR: dataDir, CIVICGRID_DB_URL: url, CIVICGRID_LOG_LEVEL: 'error' };
    const server = await serve(env);
    let until!: Date;
    let load: ReturnType<typeof startLoad> | undefined;
    let backup!: Awaited<ReturnType<typeof civicgrid>>;
    let backupStart = 0;
    let backupEnd = 0;
    try {
      load = startLoad(server.port, await login(server.port), points);
      await sleep(WARM_UP_MS + BASELINE_MS);
      backupStart = Date.now();
      log('load running; civicgrid backup (mariadb-dump)');
      backup = await civicgrid(['backup', '--out', join(work, 'backup'), '--json'], env);
      backupEnd = Date.now();
      await sleep(3000);
      until = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
      log(`recovery point ${until.toISOString()}; load goes on past it`);
      await sleep(until.getTime() - Date.now() + 3000);
    } finally {
      await load?.stop();
      await server.stop();
    }
    if (!load) throw new Error('the load did not start');
    log('the same backup again with the server idle, for comparison');
    const idle = await civicgrid(['backup', '--out', join(work, 'backup-idle'), '--json'], env);
    rmSync(join(work, 'backup-idle'), { recursive: true, force: true });
    const acknowledgedBefore = load.acks.filter((a) => a.ackedAt < until.getTime()).map((a) => a.id);
    const sentAfter = load.acks.filter((a) => a.sentAt >= until.getTime()).map((a) => a.id);
    const m = backup.json as { bytes: number; binlog: { file: string; position: number } | null; counts: Record<string, number>; timings: Record<string, number> };
    log(`${load.acks.length} reports acknowledged; ${acknowledgedBefore.length} before the recovery point, ${sentAfter.length} sent after it`);

    log('civicgrid restore: dump + binary log up to the recovery point, into a new database');
    const restoredUrl = maria.url('cg_restored');
    const restore = await civicgrid(['restore', join(work, 'backup'), '--data-dir', join(work, 'restored'), '--db-url', restoredUrl, '--binlog-from', maria.serverUrl, '--until', until.toISOString(), '--sample', '1000', '--json'], { ...process.env, CIVICGRID_LOG_LEVEL: 'error' });
    const verify = restore.json.report as { problems: string[]; auditRecords: number; residentsChecked: number; fileRows: number };
    const missing = await missingIds(restoredUrl, acknowledgedBefore);
    const leaked = await presentIds(restoredUrl, sentAfter);
    if (verify.problems.length > 0 || missing.length > 0 || leaked.length > 0) {
      throw new Error(`drill failed: ${verify.problems.join('; ')}; ${missing.length} acknowledged before the point missing; ${leaked.length} sent after it present`);
    }
    log('baselines: a plain mariadb-dump and a plain load of it with the mariadb client');
    const raw = rawDumpAndLoad(maria.serverUrl, 'cg_drill', 'cg_raw', join(work, 'raw.sql'));
    const timings = restore.json.timings as Record<string, number>;
    const rawDumpBytes = statSync(join(work, 'raw.sql')).size;
    const facts = { scale, db: 'mysql' as const, machine: machine(), server: 'temporary mariadbd 10.11, log_bin, binlog_format=ROW, sync_binlog=1, innodb_flush_log_at_trx_commit=1, 2 GiB buffer pool' };
    report({ name: 'drill_mysql_backup_time', value: seconds(backup.ms), unit: 's', baseline: seconds(raw.dumpMs), baselineIs: 'plain mariadb-dump --single-transaction to a file, idle server, same data', ...facts, underLoad: true, idleS: seconds(idle.ms) });
    report({ name: 'drill_mysql_backup_size', value: mib(m.bytes), unit: 'MiB', baseline: mib(rawDumpBytes), baselineIs: 'the plain dump, uncompressed', ...facts });
    report({ name: 'drill_mysql_restore_time', value: seconds(restore.ms), unit: 's', baseline: seconds(raw.loadMs), baselineIs: 'plain load of the uncompressed dump with the mariadb client', ...facts,
      checkS: seconds(timings.checkMs ?? 0), databaseS: seconds(timings.databaseMs ?? 0), binlogS: seconds(timings.binlogMs ?? 0), filesS: seconds(timings.filesMs ?? 0), verifyS: seconds(timings.verifyMs ?? 0),
      binlogFiles: restore.json.binlogFiles, auditRecords: verify.auditRecords, residentsDecrypted: verify.residentsChecked });
    report({ name: 'drill_mysql_intake_rate_during_backup', value: Math.round(load.rate(backupStart, backupEnd)), unit: 'reports/s', baseline: Math.round(load.rate(backupStart - BASELINE_MS, backupStart)), baselineIs: 'the same load in the 10 s before the backup, after a 10 s warm-up', ...facts, connections: CONNECTIONS });
    report({ name: 'drill_mysql_pitr_acknowledged_restored', value: acknowledgedBefore.length - missing.length, unit: 'reports', baseline: acknowledgedBefore.length, baselineIs: 'reports acknowledged before the recovery point', ...facts,
      inDump: m.counts.incidents, sentAfterPointAbsent: sentAfter.length - leaked.length, sentAfterPoint: sentAfter.length });
  } finally {
    await maria.stop();
  }
}

const work = mkdtempSync(join(process.env.DRILL_DIR ?? join(root, 'data'), 'drill-'));
try {
  if (mysqlMode) await mysqlDrill(work);
  else await sqliteDrill(work);
} finally {
  if (process.env.DRILL_KEEP === '1') log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
