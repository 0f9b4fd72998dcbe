import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { createConnection } from 'mysql2/promise';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database.js';
import { readAnchors, writeAnchor } from '../../src/infra/audit/anchors.js';
import { bindAuditKeyring, verifyAuditChain } from '../../src/infra/audit/audit.js';
import { auditKeyringFrom, loadConfig } from '../../src/infra/config.js';
import { openDatabase } from '../../src/infra/db/database.js';
import { AppError } from '../../src/infra/http/errors.js';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { restoreBackup } from '../../src/modules/operations/restore.js';
import { MANIFEST_FILE, SQLITE_PART, MYSQL_PART, type Manifest } from '../../src/modules/operations/rules/manifest.js';
import { withDatabase } from '../../src/modules/operations/rules/mysql-client.js';
import { buildHttp, type Platform } from '../../src/platform.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';
import { gridHelper } from '../incidents/support.js';

const exec = promisify(execFile);

async function cli(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return exec('node', ['--import', 'tsx', 'src/cli.ts', ...args], { env, maxBuffer: 16 << 20 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

async function photo(seed: number): Promise<Buffer> {
  const pixels = Buffer.alloc(16 * 16 * 3, seed % 256);
  return sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } }).png().toBuffer();
}

async function dropDatabase(url: string): Promise<void> {
  const server = new URL(url);
  const name = decodeURIComponent(server.pathname.slice(1));
  server.pathname = '/';
  const c = await createConnection({ uri: server.href });
  await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await c.end();
}

describe.each(DIALECTS)('backup and restore on %s', (dialect) => {
  let platform: Platform;
  let app: FastifyInstance;
  let closePlatform: () => Promise<void>;
  let env: NodeJS.ProcessEnv;
  const work = mkdtempSync(join(tmpdir(), 'civicgrid-ops-test-'));
  const backupDir = join(work, 'backup');
  const restoredDir = join(work, 'restored');
  const restoredUrls: string[] = [];
  let restoredUrl: string | undefined;
  let acknowledgedBefore: number[] = [];
  let writtenDuring = 0;
  let cookie = '';

  const targetUrl = (suffix: string) => {
    if (dialect === 'sqlite') return undefined;
    const url = withDatabase(platform.config.dbUrl!, `${decodeURIComponent(new URL(platform.config.dbUrl!).pathname.slice(1))}_${suffix}`);
    restoredUrls.push(url);
    return url;
  };

  beforeAll(async () => {
    const t = await openTestPlatform(dialect);
    platform = t.platform;
    closePlatform = t.close;
    await loadDemo(platform, { scale: 0.2, residentsScale: 0.002 });
    app = (await buildHttp(platform)).app;
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'operator', password: DEMO_PASSWORD } });
    cookie = login.cookies.find((c) => c.name === 'cg_session')!.value;
    // Stored files (photos) to back up.
    const admin = (await platform.accounts.findUserId('admin'))!;
    for (let i = 0; i < 3; i++) await platform.files.upload(await photo(i * 40), admin);
    env = { ...process.env, CIVICGRID_DB_URL: platform.config.dbUrl!, CIVICGRID_DATA_DIR: platform.config.dataDir, CIVICGRID_LOG_LEVEL: 'silent' };
  });

  afterAll(async () => {
    await app?.close();
    await closePlatform?.();
    for (const url of restoredUrls) await dropDatabase(url);
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up while reports are written, and the restore has the manifest\'s counts, an intact audit chain, the files and readable residents', async () => {
    const grids = await gridHelper({ platform } as never);
    const point = grids.pointIn(grids.units[0]!);
    const acknowledged: number[] = [];
    let stop = false;
    let backupRunning = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const res = await app.inject({
          method: 'POST', url: '/api/incidents', headers: { cookie: `cg_session=${cookie}` },
          payload: { channel: 'operator_phone', description: `备份期间的上报 ${i}`, position: { ...point, crs: 'wgs84' } },
        });
        expect(res.statusCode, res.body).toBe(201);
        acknowledged.push(res.json().incident.id as number);
        if (backupRunning) writtenDuring++;
      }
    })();
    while (acknowledged.length < 5) await new Promise((r) => setTimeout(r, 10));
    acknowledgedBefore = [...acknowledged];
    const anchored = await writeAnchor(platform.db.primary, platform.auditAnchorDir, null);
    backupRunning = true;
    const backup = await cli(env, ['backup', '--out', backupDir, '--json']);
    backupRunning = false;
    stop = true;
    await writer;
    expect(backup.stderr).toMatch(/field encryption keys next to the data they protect/);
    expect(backup.stderr).toMatch(/audit chain keys next to the data they protect/);
    expect(backup.code, backup.stderr).toBe(0);
    expect(writtenDuring).toBeGreaterThan(0);

    const manifest = JSON.parse(readFileSync(join(backupDir, MANIFEST_FILE), 'utf8')) as Manifest;
    expect(manifest.database.dialect).toBe(dialect);
    expect(manifest.parts.map((p) => p.path).sort()).toEqual([dialect === 'sqlite' ? SQLITE_PART : MYSQL_PART, 'field-keys.json', 'audit-keys.json', 'audit-anchors.jsonl', 'files.sha256'].sort());
    expect(manifest.auditKeys.source).toBe('file');
    expect(readFileSync(join(backupDir, 'audit-anchors.jsonl'), 'utf8')).toContain(`"seq":${anchored!.seq},`);
    expect(manifest.files.count).toBe(6);
    expect(manifest.counts.incidents).toBeGreaterThanOrEqual(acknowledgedBefore.length);
    expect(manifest.counts.incidents).toBeLessThanOrEqual(acknowledged.length);
    expect(manifest.counts.residents).toBeGreaterThan(0);
    expect(manifest.migrations.length).toBeGreaterThan(10);
    // The backup is recorded in the source database's audit chain.
    const recorded = await platform.db.primary.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'backup.create').execute();
    expect(recorded).toHaveLength(1);

    restoredUrl = targetUrl('restored');
    const restore = await cli(env, ['restore', backupDir, '--data-dir', restoredDir, ...(restoredUrl ? ['--db-url', restoredUrl] : []), '--sample', '50', '--json']);
    expect(restore.code, restore.stderr).toBe(0);
    const result = JSON.parse(restore.stdout.trim().split('\n').pop()!) as { report: { problems: string[]; residentsChecked: number; fileRows: number; auditHeadSeq: number } };
    expect(result.report.problems).toEqual([]);
    expect(result.report.residentsChecked).toBeGreaterThan(10);
    expect(result.report.fileRows).toBe(3);

    const db = openDatabase<Database>({ url: restoredUrl ?? `sqlite:${join(restoredDir, SQLITE_PART)}` });
    try {
      const restored = db.primary as Kysely<Database>;
      const ids = new Set((await restored.selectFrom('incidents').select('id').execute()).map((r) => Number(r.id)));
      expect(ids.size).toBe(manifest.counts.incidents);
      for (const id of acknowledgedBefore) expect(ids.has(id)).toBe(true);
      // The chain verifies with the keys and the anchors that came with the backup.
      bindAuditKeyring(restored, auditKeyringFrom(loadConfig({}, { dataDir: restoredDir }), { generate: false }).keyring);
      const chain = await verifyAuditChain(restored, readAnchors(join(restoredDir, 'audit-anchors')));
      expect(chain).toMatchObject({ ok: true, anchorsChecked: 1 });
      const head = await restored.selectFrom('audit_head').select('seq').executeTakeFirstOrThrow();
      expect(Number(head.seq)).toBe(manifest.audit.headSeq + 1);
      const last = await restored.selectFrom('audit_log').select(['action', 'username']).orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
      expect(last.action).toBe('backup.restore');
      const live = await restored.selectFrom('sessions').select('id').where('revoked_at', 'is', null).execute();
      expect(live).toEqual([]);
    } finally {
      await db.close();
    }
    expect(readdirSync(join(restoredDir, 'files')).length).toBeGreaterThan(0);
    expect(statSync(join(restoredDir, 'field-keys.json')).mode & 0o777).toBe(0o600);
    expect(statSync(join(restoredDir, 'audit-keys.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses a missing, unfinished, damaged or too new backup, and writes nothing', async () => {
    const variant = (name: string, damage: (dir: string) => void) => {
      const dir = join(work, `bad-${name}`);
      cpSync(backupDir, dir, { recursive: true });
      damage(dir);
      return dir;
    };
    const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
    const dbPart = dialect === 'sqlite' ? SQLITE_PART : MYSQL_PART;
    const flipByte = (path: string) => {
      const bytes = readFileSync(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at]! ^ 0xff;
      writeFileSync(path, bytes);
    };
    const cases: [string, string, string][] = [
      ['missing', join(work, 'no-such-backup'), 'BACKUP_NOT_FOUND'],
      ['unfinished', variant('unfinished', (d) => rmSync(join(d, MANIFEST_FILE))), 'BACKUP_MANIFEST_MISSING'],
      ['garbled manifest', variant('garbled', (d) => writeFileSync(join(d, MANIFEST_FILE), '{"format": "civicgrid-backup", "formatVersion": 1, "parts": [')), 'BACKUP_MANIFEST_INVALID'],
      ['newer format', variant('format', (d) => writeFileSync(join(d, MANIFEST_FILE), JSON.stringify({ ...manifestOf(d), formatVersion: 99 }))), 'BACKUP_FORMAT_UNSUPPORTED'],
      ['newer schema', variant('schema', (d) => writeFileSync(join(d, MANIFEST_FILE), JSON.stringify({ ...manifestOf(d), migrations: [...manifestOf(d).migrations, '0999_future'] }))), 'BACKUP_TOO_NEW'],
      ['truncated database', variant('truncated', (d) => truncateSync(join(d, dbPart), Math.floor(statSync(join(d, dbPart)).size / 2))), 'BACKUP_CORRUPT'],
      ['flipped byte', variant('flipped', (d) => flipByte(join(d, dbPart))), 'BACKUP_CORRUPT'],
      ['damaged photo', variant('photo', (d) => {
        const listed = readFileSync(join(d, 'files.sha256'), 'utf8').split('\n')[0]!.split('  ')[1]!;
        flipByte(join(d, listed));
      }), 'BACKUP_CORRUPT'],
      ['missing key file', variant('keys', (d) => rmSync(join(d, 'field-keys.json'))), 'BACKUP_CORRUPT'],
    ];
    for (const [what, dir, code] of cases) {
      const target = join(work, `target-${what.replaceAll(' ', '-')}`);
      const url = targetUrl(`bad${cases.findIndex((c) => c[0] === what)}`);
      const error = await restoreBackup({ backup: dir, dataDir: target, dbUrl: url, force: false, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: {} })
        .then(() => null, (e: unknown) => e);
      expect(error, what).toBeInstanceOf(AppError);
      expect((error as AppError).code, what).toBe(code);
      // A damaged photo is only found while copying, after the database is in: everything else before anything is written.
      if (what !== 'damaged photo') expect(existsSync(target), what).toBe(false);
    }
    // The command line says it in a sentence with the code, and exits 1.
    const r = await cli(env, ['restore', join(work, 'bad-flipped'), '--data-dir', join(work, 'target-cli'), ...(dialect === 'mysql' ? ['--db-url', targetUrl('cli')!] : [])]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error BACKUP_CORRUPT: The backup is damaged: database\.sql\.gz does not match its SHA-256|error BACKUP_CORRUPT: The backup is damaged: civicgrid\.db does not match its SHA-256/);
  });

  it('refuses to restore over data unless told to, and will not write a backup over one', async () => {
    const again = await restoreBackup({ backup: backupDir, dataDir: restoredDir, dbUrl: restoredUrl, force: false, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: {} })
      .then(() => null, (e: unknown) => e);
    expect((again as AppError).code).toBe('RESTORE_TARGET_NOT_EMPTY');
    if (dialect === 'mysql') {
      // An empty data directory does not make a database that holds tables a free target.
      const fresh = join(work, 'fresh-dir');
      const intoTables = await restoreBackup({ backup: backupDir, dataDir: fresh, dbUrl: restoredUrl, force: false, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: {} })
        .then(() => null, (e: unknown) => e);
      expect((intoTables as AppError).code).toBe('RESTORE_TARGET_NOT_EMPTY');
    }
    const forced = await restoreBackup({ backup: backupDir, dataDir: restoredDir, dbUrl: restoredUrl, force: true, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: {} });
    expect(forced.report!.problems).toEqual([]);
    // Restored afresh: the previous restore's audit record is gone, this one's is there.
    const db = openDatabase<Database>({ url: forced.dbUrl });
    try {
      const restores = await db.primary.selectFrom('audit_log').select('seq').where('action', '=', 'backup.restore').execute();
      expect(restores).toHaveLength(1);
    } finally {
      await db.close();
    }

    const taken = await cli(env, ['backup', '--out', restoredDir]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/BACKUP_OUT_EXISTS/);
    const dry = await cli(env, ['restore', backupDir, '--data-dir', join(work, 'dry'), '--dry-run', ...(dialect === 'mysql' ? ['--db-url', targetUrl('dry')!] : [])]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/is whole/);
    expect(existsSync(join(work, 'dry'))).toBe(false);
  });

  it('says where the keys are when they come from the environment or the config file, and never generates new ones on restore', async () => {
    const keys = JSON.parse(readFileSync(join(platform.config.dataDir, 'field-keys.json'), 'utf8')) as { keys: string; hmacKey: string; activeKeyId: string };
    const out = join(work, 'env-keys');
    const withEnvKeys = { ...env, CIVICGRID_FIELD_KEYS: keys.keys, CIVICGRID_FIELD_HMAC_KEY: keys.hmacKey, CIVICGRID_FIELD_ACTIVE_KEY: keys.activeKeyId };
    const b = await cli(withEnvKeys, ['backup', '--out', out]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/keys: from the environment: NOT in the backup/);
    expect(b.stderr).toMatch(/back them up from your secret store/);
    const target = join(work, 'env-keys-restored');
    mkdirSync(target);
    const r = await restoreBackup({ backup: out, dataDir: target, dbUrl: targetUrl('envkeys'), force: false, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: {} });
    expect(r.report!.residentsChecked).toBe(0);
    expect(r.warnings.join(' ')).toMatch(/BEFORE the first start/);
    expect(existsSync(join(target, 'field-keys.json'))).toBe(false);
    const withKeys = await restoreBackup({ backup: out, dataDir: join(work, 'env-keys-restored-2'), dbUrl: targetUrl('envkeys2'), force: false, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: withEnvKeys });
    expect(withKeys.report!.residentsChecked).toBe(5);

    // Keys set in the config file travel with it, and the restore reads them from the restored file.
    const configFile = join(work, 'civicgrid-with-keys.json');
    writeFileSync(configFile, JSON.stringify({ fieldKeys: keys.keys, fieldHmacKey: keys.hmacKey, fieldActiveKeyId: keys.activeKeyId }));
    const inConfig = join(work, 'config-keys');
    const c = await cli({ ...env, CIVICGRID_CONFIG: configFile }, ['backup', '--out', inConfig]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/keys: in the config file, which is in the backup/);
    const fromConfig = await restoreBackup({ backup: inConfig, dataDir: join(work, 'config-keys-restored'), dbUrl: targetUrl('cfgkeys'), force: false, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: {} });
    expect(fromConfig.report!.residentsChecked).toBe(5);
    expect(existsSync(join(work, 'config-keys-restored', 'field-keys.json'))).toBe(false);

    // Without the audit chain's keys nothing restored could be verified: refused before anything is written.
    const noKeys = join(work, 'no-keys');
    expect((await cli(env, ['backup', '--out', noKeys, '--no-keys'])).code).toBe(0);
    const bare = join(work, 'no-keys-restored');
    await expect(restoreBackup({ backup: noKeys, dataDir: bare, dbUrl: targetUrl('nokeys'), force: false, dryRun: false, sample: 5, actor: { userId: null, username: 'test', ip: null }, env: {} }))
      .rejects.toMatchObject({ code: 'RESTORE_AUDIT_KEYS_MISSING' });
    expect(existsSync(bare)).toBe(false);
  });
});

describe.skipIf(!DIALECTS.includes('mysql'))('backup on MySQL with the statistics store in the primary database', () => {
  it('makes the store\'s tables before the dump, so a server migrating it lazily cannot change a table inside the snapshot', async () => {
    const t = await openTestPlatform('mysql');
    const work = mkdtempSync(join(tmpdir(), 'civicgrid-ops-stats-'));
    try {
      const { createBackup } = await import('../../src/modules/operations/backup.js');
      const stats = t.platform.config.statsDbUrl;
      expect(stats ?? t.platform.config.dbUrl).toBe(t.platform.config.dbUrl);
      const result = await createBackup({ config: t.platform.config, out: join(work, 'backup'), keys: true, configFile: null, program: { name: 'civicgrid', version: 'test' }, actor: { userId: null, username: 'test', ip: null } });
      expect(Object.keys(result.manifest.counts)).toEqual(expect.arrayContaining(['stat_daily', 'stat_cases', 'stats_migration']));
      expect(result.manifest.counts).not.toHaveProperty('stats_migration_lock');
    } finally {
      await t.close();
      rmSync(work, { recursive: true, force: true });
    }
  });
});
