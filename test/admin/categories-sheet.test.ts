import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MINOR_CATEGORIES } from '../../src/modules/incidents/data/categories.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The category workbook as the console downloads and uploads it: Chinese headers, the local date in the name, a lossless round trip. */
describe.each(DIALECTS)('category workbook on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
  });
  afterAll(async () => t?.close());

  it('exports with Chinese headers and a dated name, and re-imports the export unchanged', async () => {
    const exported = await t.request({ url: '/api/incident-categories/export', cookie: admin });
    expect(exported.statusCode).toBe(200);
    const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    expect(exported.headers['content-disposition']).toContain(`incident-categories-${day}.xlsx`);
    expect(decodeURIComponent(String(exported.headers['content-disposition']))).toContain(`事件分类与时限-${day}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(exported.rawPayload as unknown as ArrayBuffer);
    const header = (wb.worksheets[0]!.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 5)).toEqual(['大类编码', '大类名称', '大类英文名', '小类编码', '小类名称']);

    const back = await t.request({ method: 'POST', url: '/api/incident-categories/import', cookie: admin, body: exported.rawPayload, headers: { 'content-type': XLSX } });
    expect(back.statusCode, back.body).toBe(200);
    expect(back.json()).toEqual({ created: 0, updated: 0, unchanged: DEFAULT_MINOR_CATEGORIES.length, majors: 0 });

    // One bad cell among good rows: the row is named, nothing is written.
    const ws = wb.worksheets[0]!;
    ws.getRow(3).getCell(12).value = '三天';
    ws.getRow(2).getCell(5).value = '改了名字';
    const bad = Buffer.from(await wb.xlsx.writeBuffer());
    const refused = await t.request({ method: 'POST', url: '/api/incident-categories/import', cookie: admin, body: bad, headers: { 'content-type': XLSX } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().details.errors).toEqual([{ row: 3, problems: ['handle'] }]);
    const firstCode = String(ws.getRow(2).getCell(4).value);
    const list = (await t.request({ url: '/api/incident-categories', cookie: admin })).json().categories as { code: string; nameZh: string }[];
    expect(list.find((c) => c.code === firstCode)!.nameZh).not.toBe('改了名字');
  });
});
