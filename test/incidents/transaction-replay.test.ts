import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import { CATEGORY_SHEET_COLUMNS } from '../../src/modules/incidents/configuration.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { replayTransactions } from '../support/replay.js';

/** A category import whose transaction callback runs twice (rolled back once) counts each row once. */
describe.each(DIALECTS)('category import with replayed transactions on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('reports and audits each row once', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('categories');
    ws.addRow([...CATEGORY_SHEET_COLUMNS]);
    ws.addRow(['09', '安全生产专项', 'Work safety campaign', '0901', '有限空间作业隐患', 'Confined-space work hazard', 'event', 'coordinated', 'D05,D01', '0.5h', '1h', '2d', '4h', 'active']);
    ws.addRow(['04', '城市管理', 'Urban management', '0401', '改名后的小类', 'Renamed minor', 'component', 'committed', 'D01', '1h', '1h', '3d', '1d', 'active']);
    const file = Buffer.from(await wb.xlsx.writeBuffer());

    const replay = replayTransactions(t.platform);
    let result;
    try {
      result = await t.platform.incidentConfig.importCategories(SYSTEM_ACTOR, file, 'xlsx');
      expect(replay.count).toBeGreaterThan(0);
    } finally {
      replay.restore();
    }
    const expected = { created: 1, updated: 1, unchanged: 0, majors: 1 };
    expect(result).toEqual(expected);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select('details').where('action', '=', 'incident_category.import').execute();
    expect(audit.map((a) => JSON.parse(a.details!) as unknown)).toEqual([{ format: 'xlsx', ...expected }]);
  });
});
