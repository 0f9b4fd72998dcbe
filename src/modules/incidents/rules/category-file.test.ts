import { describe, expect, it } from 'vitest';
import { checkCategoryFile, csvText, readCategoryCsv, readCategoryJson, type CategoryFile } from './category-file.js';

const known = { departments: new Set(['D01', 'D05']), majors: [{ code: '01' }] };
const row = (r: number, values: Record<string, string>) => ({
  row: r,
  values: { major_code: '01', code: '0190', name: '名', name_en: 'Name', type: 'event', case_type: 'committed', departments: 'D01', register: '1h', dispatch: '1h', handle: '1d', verify: '1d', ...values },
});
const sheet = (...rows: ReturnType<typeof row>[]): CategoryFile => ({ format: 'xlsx', majors: [], rows });

describe('the categories file rules (one set for XLSX, JSON and CSV)', () => {
  it('takes a good row, padding codes a spreadsheet wrote as numbers', () => {
    const r = checkCategoryFile(sheet(row(2, { major_code: '1', code: '190' })), known);
    expect(r.ok && r.categories[0]).toMatchObject({ code: '0190', majorCode: '01', limits: { register: { amount: 1, unit: 'hours' } }, status: 'active' });
  });

  it('names each bad field, a repeated code, a department twice, names past the column sizes', () => {
    const r = checkCategoryFile(sheet(
      row(2, { departments: 'D01,D01', name: '长'.repeat(101) }),
      row(3, { code: '0190', type: 'thing', case_type: '', handle: '3 weeks', status: 'gone' }),
      row(4, { major_code: '02', code: '0201' }),
    ), known);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([
      { row: 2, problems: ['departments', 'name'] },
      { row: 3, problems: ['code repeated', 'type', 'case_type', 'handle', 'status'] },
      { row: 4, problems: ['major_name'] },
    ]);
  });

  it('wants one name per major across its rows', () => {
    const r = checkCategoryFile(sheet(row(2, { major_code: '09', code: '0901', major_name: '安全' }), row(3, { major_code: '09', code: '0902', major_name: '安全生产' })), known);
    expect(!r.ok && r.errors).toEqual([{ row: 3, problems: ['major_name'] }]);
  });

  it('reads JSON majors with their sort and status, and limits in either form', () => {
    const read = readCategoryJson(JSON.stringify({
      schema: 'civicgrid.categories/1',
      majors: [{ code: '09', nameZh: '专项', nameEn: 'Campaign', sort: 2, status: 'retired' }, { code: '9', nameZh: '', sort: 1.5 }],
      categories: [{ code: '0901', majorCode: '09', nameZh: '名', nameEn: 'Name', type: 'event', caseType: 'immediate', departmentCodes: 'D01', limits: { register: '2h', dispatch: { amount: 1, unit: 'hours' }, handle: { amount: 1, unit: 'weeks' }, verify: '1d' } }],
    }));
    expect(read.ok).toBe(true);
    const r = checkCategoryFile(read.ok ? read.file : sheet(), known);
    expect(!r.ok && r.errors).toEqual([
      { row: 2, list: 'majors', problems: ['code repeated', 'major_name', 'major_sort'] },
      { row: 1, list: 'categories', problems: ['departments', 'handle'] },
    ]);
    expect(readCategoryJson('{"schema":"other","categories":[]}')).toMatchObject({ ok: false, code: 'CATEGORY_IMPORT_SCHEMA' });
    expect(readCategoryJson('[1]')).toMatchObject({ ok: false, code: 'CATEGORY_IMPORT_UNREADABLE' });
  });

  it('reads CSV headers by code, Chinese name or both, and takes the defusing quote off', () => {
    const csv = '\uFEFF大类编码,major_name,大类英文名/x,code/小类编码,name,name_en,type,case_type,departments,register,dispatch,handle,verify\r\n'
      + "01,,,0190,'=SUM(1),Name,event,committed,D01,1h,1h,1d,1d\r\n";
    const read = readCategoryCsv(csv);
    expect(read).toMatchObject({ ok: false, details: { errors: [{ row: 1, problems: ['missing column major_name_en'] }] } });
    const ok = readCategoryCsv(csv.replace('大类英文名/x', 'major_name_en/大类英文名'));
    const r = checkCategoryFile(ok.ok ? ok.file : sheet(), known);
    expect(r.ok && r.categories[0]!.nameZh).toBe('=SUM(1)');
  });

  it('reads a CSV that Excel saved as GB18030, and UTF-8 as it is (the BOM dropped)', () => {
    // 中文 in GB18030, then in UTF-8.
    expect(csvText(Uint8Array.from([0x61, 0x2c, 0xd6, 0xd0, 0xce, 0xc4]))).toBe('a,中文');
    expect(csvText(Buffer.from('\uFEFFa,中文'))).toBe('a,中文');
  });
});
