import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database.js';
import { bindAuditKeyring, verifyAuditChain } from '../../src/infra/audit/audit.js';
import { auditKeyringFrom } from '../../src/infra/config.js';
import { loadConfig } from '../../src/infra/config.js';
import { openDatabase } from '../../src/infra/db/database.js';
import { DEMO_PASSWORD, loadDemo } from '../../src/modules/demo/load.js';
import { createBackup } from '../../src/modules/operations/backup.js';
import { restoreBackup } from '../../src/modules/operations/restore.js';
import { buildHttp, openPlatform, type Platform } from '../../src/platform.js';
import { canStartTempMariadb, startTempMariadb, type TempMariadb } from '../../bench/_temp-mariadb.js';
import { gridHelper } from '../incidents/support.js';

/**
 * Point-in-time recovery needs a server writing a binary log, which the
 * shared test server does not: this starts its own for the file (about 5 s),
 * only where MariaDB tests run and the server package is installed.
 */
const enabled = Boolean(process.env.CIVICGRID_TEST_MYSQL_URL) && canStartTempMariadb();
const actor = { userId: null, username: 'test', ip: null };

describe.skipIf(!enabled)('point-in-time recovery on MariaDB with a binary log', () => {
  let server: TempMariadb;
  let platform: Platform;
  let app: FastifyInstance;
  let cookie = '';
  const work = mkdtempSync(join(tmpdir(), 'civicgrid-pitr-'));

  beforeAll(async () => {
    server = await startTempMariadb({ bufferPoolMb: 128 });
    const c = await createConnection({ uri: server.serverUrl });
    await c.query('CREATE DATABASE cg_src CHARACTER SET utf8mb4 COLLATE utf8mb4_bin');
    await c.end();
    platform = await openPlatform(loadConfig({}, { dataDir: join(work, 'data'), dbUrl: server.url('cg_src'), logLevel: 'silent' }));
    await loadDemo(platform, { scale: 0.2, residentsScale: 0.001 });
    app = (await buildHttp(platform)).app;
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'operator', password: DEMO_PASSWORD } });
    cookie = login.cookies.find((x) => x.name === 'cg_session')!.value;
  });

  afterAll(async () => {
    await app?.close();
    await platform?.close();
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('restores the dump and replays the binary log up to a given instant, and to its end', async () => {
    const backup = await createBackup({ config: platform.config, out: join(work, 'backup'), keys: true, configFile: null, program: { name: 'civicgrid', version: 'test' }, actor });
    expect(backup.manifest.database.binlog?.file).toMatch(/^binlog\.\d{6}$/);
    expect(backup.warnings.join(' ')).not.toMatch(/binary log/);

    const grids = await gridHelper({ platform } as never);
    const point = grids.pointIn(grids.units[0]!);
    const report = async (label: string) => {
      const res = await app.inject({
        method: 'POST', url: '/api/incidents', headers: { cookie: `cg_session=${cookie}` },
        payload: { channel: 'operator_phone', description: label, position: { ...point, crs: 'wgs84' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().incident.id as number;
    };
    const before = [await report('备份后、恢复点前 1'), await report('备份后、恢复点前 2')];
    // Binary log times have whole seconds: the recovery point is the next full second, and what
    // comes after it is written a second later.
    const until = new Date(Math.ceil((Date.now() + 1) / 1000) * 1000);
    await new Promise((r) => setTimeout(r, until.getTime() - Date.now() + 1100));
    const after = [await report('恢复点之后 1'), await report('恢复点之后 2')];

    const toPoint = await restoreBackup({
      backup: backup.dir, dataDir: join(work, 'restored-point'), dbUrl: server.url('cg_point'), force: false, dryRun: false,
      pointInTime: { binlogFrom: server.serverUrl, until }, sample: 20, actor, env: {},
    });
    expect(toPoint.binlogFiles.length).toBeGreaterThan(0);
    expect(toPoint.report!.problems).toEqual([]);
    const toEnd = await restoreBackup({
      backup: backup.dir, dataDir: join(work, 'restored-end'), dbUrl: server.url('cg_end'), force: false, dryRun: false,
      pointInTime: { binlogDir: server.binlogDir }, sample: 20, actor, env: {},
    });
    expect(toEnd.report!.problems).toEqual([]);

    for (const [name, expected] of [['cg_point', { present: before, absent: after }], ['cg_end', { present: [...before, ...after], absent: [] }]] as const) {
      const db = openDatabase<Database>({ url: server.url(name) });
      bindAuditKeyring(db.primary, auditKeyringFrom(platform.config, { generate: false }).keyring);
      try {
        const ids = new Set((await db.primary.selectFrom('incidents').select('id').execute()).map((r) => Number(r.id)));
        for (const id of expected.present) expect(ids.has(id), `${name} has ${id}`).toBe(true);
        for (const id of expected.absent) expect(ids.has(id), `${name} lacks ${id}`).toBe(false);
        expect((await verifyAuditChain(db.primary)).ok).toBe(true);
        const actions = (await db.primary.selectFrom('audit_log').select('action').orderBy('seq', 'desc').limit(2).execute()).map((r) => r.action);
        expect(actions[0]).toBe('backup.restore');
      } finally {
        await db.close();
      }
    }
  });

  it('refuses a roll-forward that names no binary logs', async () => {
    const backup = join(work, 'backup');
    const noLogs = await restoreBackup({ backup, dataDir: join(work, 'x'), dbUrl: server.url('cg_x'), force: false, dryRun: false, pointInTime: { until: new Date() }, sample: 0, actor, env: {} }).catch((e: unknown) => e);
    expect((noLogs as { code: string }).code).toBe('RESTORE_PITR_UNAVAILABLE');
  });
});
