import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MINOR_CATEGORIES } from '../../src/modules/incidents/data/categories.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { CATEGORY_SHEET_COLUMNS } from '../../src/modules/incidents/configuration.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function workbook(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('categories');
  ws.addRow([...CATEGORY_SHEET_COLUMNS]);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Categories and the calendar as data: seeded, edited, imported from a spreadsheet. */
describe.each(DIALECTS)('incident categories and calendar on %s', (dialect) => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
  });
  afterAll(async () => t?.close());

  it('ships 8 major and 106 minor categories with the demo', async () => {
    const res = await t.request({ url: '/api/incident-categories', cookie: admin });
    expect(res.statusCode).toBe(200);
    expect(res.json().majors).toHaveLength(8);
    expect(res.json().categories).toHaveLength(DEFAULT_MINOR_CATEGORIES.length);
    const deps = (await t.request({ url: '/api/departments', cookie: admin })).json();
    expect(deps.items).toHaveLength(13);
  });

  it('imports categories from an XLSX workbook, all or nothing, and re-runs safely', async () => {
    const file = await workbook([
      ['09', '安全生产专项', 'Work safety campaign', '0901', '有限空间作业隐患', 'Confined-space work hazard', 'event', 'coordinated', 'D05,D01', '0.5h', '1h', '2d', '4h', 'active'],
      ['04', '城市管理', 'Urban management', '0401', '改名后的小类', 'Renamed minor', 'component', 'committed', 'D01', '1h', '1h', '3d', '1d', 'active'],
    ]);
    const res = await t.request({ method: 'POST', url: '/api/incident-categories/import', cookie: admin, body: file, headers: { 'content-type': XLSX } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ created: 1, updated: 1, majors: 1 });
    const again = await t.request({ method: 'POST', url: '/api/incident-categories/import', cookie: admin, body: file, headers: { 'content-type': XLSX } });
    expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: 2, majors: 0 });
    const list = (await t.request({ url: '/api/incident-categories', cookie: admin })).json();
    const c = list.categories.find((x: { code: string }) => x.code === '0901');
    expect(c).toMatchObject({ majorCode: '09', nameZh: '有限空间作业隐患', departmentCodes: ['D05', 'D01'], caseType: 'coordinated', limits: { handle: { amount: 2, unit: 'days' }, register: { amount: 0.5, unit: 'hours' } } });
    expect(list.categories.find((x: { code: string }) => x.code === '0401')).toMatchObject({ nameZh: '改名后的小类', version: 2 });

    const bad = await workbook([
      ['09', '安全生产专项', 'Work safety campaign', '0902', '好的一行', 'Good row', 'event', 'committed', 'D05', '1h', '1h', '1d', '1d', 'active'],
      ['09', '安全生产专项', 'Work safety campaign', '0903', '坏的一行', 'Bad row', 'thing', 'committed', 'D99', '1x', '1h', '1d', '1d', 'active'],
    ]);
    const refused = await t.request({ method: 'POST', url: '/api/incident-categories/import', cookie: admin, body: bad, headers: { 'content-type': XLSX } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('CATEGORY_IMPORT_INVALID');
    expect(refused.json().details.errors[0]).toMatchObject({ row: 3 });
    expect((await t.request({ url: '/api/incident-categories', cookie: admin })).json().categories.some((x: { code: string }) => x.code === '0902')).toBe(false);

    const junk = await t.request({ method: 'POST', url: '/api/incident-categories/import', cookie: admin, body: Buffer.from('not a workbook'), headers: { 'content-type': XLSX } });
    expect(junk.statusCode).toBe(422);
    // The export is the import format.
    const exported = await t.request({ url: '/api/incident-categories/export', cookie: admin });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(exported.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.rowCount).toBe(DEFAULT_MINOR_CATEGORIES.length + 2);
  });

  it('creates and updates a category with a version check; only configurers may', async () => {
    const body = {
      code: '0490', majorCode: '04', nameZh: '共享单车乱停放', nameEn: 'Shared bikes parked badly', type: 'event', caseType: 'immediate',
      departmentCodes: ['D01'], limits: { register: { amount: 1, unit: 'hours' }, dispatch: { amount: 1, unit: 'hours' }, handle: { amount: 1, unit: 'days' }, verify: { amount: 1, unit: 'days' } },
    };
    const created = await t.request({ method: 'POST', url: '/api/incident-categories', cookie: admin, body });
    expect(created.statusCode, created.body).toBe(201);
    const { code: _code, ...fields } = body;
    const updated = await t.request({ method: 'PUT', url: '/api/incident-categories/0490', cookie: admin, body: { ...fields, nameZh: '共享单车', version: 1 } });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json()).toMatchObject({ nameZh: '共享单车', version: 2 });
    const stale = await t.request({ method: 'PUT', url: '/api/incident-categories/0490', cookie: admin, body: { ...fields, version: 1 } });
    expect(stale.statusCode).toBe(409);
    const unknownDept = await t.request({ method: 'POST', url: '/api/incident-categories', cookie: admin, body: { ...body, code: '0491', departmentCodes: ['D77'] } });
    expect(unknownDept.statusCode).toBe(422);
    const operator = await t.login('operator');
    expect((await t.request({ method: 'POST', url: '/api/incident-categories', cookie: operator, body: { ...body, code: '0492' } })).statusCode).toBe(403);
  });

  it('keeps the calendar editable: shipped years, validated replacement', async () => {
    const cal = (await t.request({ url: '/api/incident-calendar', cookie: admin })).json();
    expect(cal.years.map((y: { year: number }) => y.year)).toEqual([2025, 2026]);
    expect(cal.years[1].workingWeekends).toContain('2026-01-04');
    const next = { ...cal, years: [...cal.years, { year: 2027, holidays: ['2027-01-01'], workingWeekends: [], source: 'test' }] };
    const put = await t.request({ method: 'PUT', url: '/api/incident-calendar', cookie: admin, body: next });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().years).toHaveLength(3);
    const bad = await t.request({ method: 'PUT', url: '/api/incident-calendar', cookie: admin, body: { ...cal, years: [{ year: 2027, holidays: [], workingWeekends: ['2027-01-04'], source: '' }] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('CALENDAR_INVALID');
  });
});
