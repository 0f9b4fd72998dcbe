import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import { createFieldCipher } from '../../src/infra/crypto/field-cipher.js';
import { rotateKeys } from '../../src/modules/basedata/rotation.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { replayTransactions } from '../support/replay.js';
import { nextIdNumber } from './support.js';

/**
 * The resident import and key rotation with every transaction callback run
 * twice (rolled back once, as a group-commit batch or a deadlock may): the
 * outcome is the same as with a single run.
 */
describe.each(DIALECTS)('base data writes with replayed transactions on %s', (dialect) => {
  let t: TestApp;
  let unit: string;
  const header = ['姓名', '身份证号', '网格编码', '户号', '与户主关系', '楼栋', '房号'];
  const importRows = async (name: string, rows: string[][], batchSize: number) => {
    const file = join(t.platform.config.dataDir, name);
    writeFileSync(file, `\uFEFF${[header, ...rows].map((r) => r.join(',')).join('\r\n')}\r\n`);
    const job = await t.platform.imports.createJob(file, name, null);
    await t.platform.imports.setMapping(job.jobId, job.suggestedMapping);
    return t.platform.imports.run(job.jobId, { batchSize });
  };
  const count = async (table: 'residents' | 'households' | 'buildings' | 'dwellings') =>
    Number((await t.platform.db.primary.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await openTestApp(dialect);
    unit = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code').limit(1).executeTakeFirstOrThrow()).code;
  }, 120_000);
  afterAll(async () => t?.close());

  it('imports residents: rows, places and in-file duplicates as without replay', async () => {
    const first = nextIdNumber('19700101');
    const rows = [
      ['重放一', first, unit, 'RPL-1', '户主', '重放楼', '101'],
      ['重放二', nextIdNumber('19720101', 'female'), unit, 'RPL-1', '配偶', '重放楼', '101'],
      ['重放三', nextIdNumber('19900101'), unit, 'RPL-2', '户主', '重放楼', '102'],
      // Same ID as row 1, in a later batch: found only if committed batches are remembered.
      ['重放四', first, unit, '', '', '', ''],
    ];
    const before = { residents: await count('residents'), households: await count('households'), buildings: await count('buildings'), dwellings: await count('dwellings') };

    const replay = replayTransactions(t.platform);
    let progress;
    try {
      progress = await importRows('replay.csv', rows, 2);
      expect(replay.count).toBeGreaterThan(0);
    } finally {
      replay.restore();
    }
    expect(progress).toMatchObject({ status: 'done', totalRows: 4, okRows: 3, errorRows: 1 });
    const errors = await t.platform.db.primary.selectFrom('import_errors').select(['row_no', 'code']).where('job_id', '=', progress.jobId).execute();
    expect(errors).toEqual([{ row_no: 4, code: 'DUPLICATE_IN_FILE' }]);
    expect({ residents: await count('residents'), households: await count('households'), buildings: await count('buildings'), dwellings: await count('dwellings') })
      .toEqual({ residents: before.residents + 3, households: before.households + 2, buildings: before.buildings + 1, dwellings: before.dwellings + 2 });
    const imported = await t.platform.db.primary.selectFrom('residents').innerJoin('households', 'households.id', 'residents.household_id')
      .select(['residents.name', 'households.household_no']).where('residents.name', 'like', '重放%').orderBy('residents.id').execute();
    expect(imported).toEqual([
      { name: '重放一', household_no: 'RPL-1' }, { name: '重放二', household_no: 'RPL-1' }, { name: '重放三', household_no: 'RPL-2' },
    ]);
  });

  it('rotates keys: counts each resident once', async () => {
    const more = await importRows('rotate.csv', [1, 2, 3, 4, 5].map((i) => [`轮换${i}`, nextIdNumber('19800101'), unit, '', '', '', '']), 100);
    expect(more).toMatchObject({ status: 'done', okRows: 5 });
    const options = t.platform.fieldCipher;
    const cipher = createFieldCipher({ ...options, keys: [...options.keys, { id: 'k-replay', key: randomBytes(32) }], activeKeyId: 'k-replay' });
    const total = await count('residents');
    const replay = replayTransactions(t.platform);
    let result;
    try {
      result = await rotateKeys(t.platform.db, cipher, SYSTEM_ACTOR, { batch: Math.ceil(total / 3) });
      expect(replay.count).toBeGreaterThan(0);
    } finally {
      replay.restore();
    }
    expect(result).toMatchObject({ finished: true, rotated: total });
    const stored = await t.platform.db.primary.selectFrom('key_rotations').select(['rotated', 'finished_at']).where('target', '=', result.target).executeTakeFirstOrThrow();
    expect(stored.rotated).toBe(total);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select('details').where('action', '=', 'keys.rotate').execute();
    expect(audit.map((a) => JSON.parse(a.details!) as unknown)).toEqual([{ target: result.target, rotated: total }]);
  });
});
