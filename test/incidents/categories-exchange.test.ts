import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const TYPES = { xlsx: XLSX, json: 'application/json', csv: 'text/csv' } as const;
type Format = keyof typeof TYPES;
const FORMATS = Object.keys(TYPES) as Format[];

interface Listing {
  majors: { code: string; nameZh: string; nameEn: string; sort: number; status: string }[];
  categories: Record<string, unknown>[];
}

/** The records as the API lists them, without the local version counter (a fresh platform counts its own edits). */
async function records(t: TestApp, cookie: string): Promise<Listing> {
  const res = await t.request({ url: '/api/incident-categories', cookie });
  expect(res.statusCode).toBe(200);
  const body = res.json() as Listing;
  return { majors: body.majors, categories: body.categories.map(({ version: _v, ...c }) => c) };
}

async function auditCount(t: TestApp): Promise<number> {
  return (await t.platform.db.primary.selectFrom('audit_log').select('seq').where('action', '=', 'incident_category.import').execute()).length;
}

/**
 * Categories exchange as XLSX, JSON civicgrid.categories/1 and CSV: each
 * export imports into a fresh platform and exports the same records again;
 * a broken file of each form is refused whole with its rows and fields.
 */
describe.each(DIALECTS)('categories exchange files on %s', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  let adminA: string;
  let adminB: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([openTestApp(dialect), openTestApp(dialect)]);
    [adminA, adminB] = await Promise.all([a.login('admin'), b.login('admin')]);
    // Platform A departs from the shipped defaults in every field the file carries.
    const limits = { register: { amount: 0.5, unit: 'hours' }, dispatch: { amount: 2, unit: 'hours' }, handle: { amount: 3, unit: 'days' }, verify: { amount: 1, unit: 'days' } };
    const steps = [
      a.request({ method: 'PUT', url: '/api/incident-categories/majors/09', cookie: adminA, body: { nameZh: '安全生产专项', nameEn: 'Work safety, campaign', sort: 3, status: 'active' } }),
      a.request({ method: 'PUT', url: '/api/incident-categories/majors/02', cookie: adminA, body: { nameZh: '市容环境（调整）', nameEn: 'City appearance', sort: 20, status: 'retired' } }),
    ];
    for (const s of steps) expect((await s).statusCode).toBe(200);
    const created = await a.request({
      method: 'POST', url: '/api/incident-categories', cookie: adminA,
      body: { code: '0901', majorCode: '09', nameZh: '=有限空间, "作业"隐患', nameEn: '-Confined space\nhazard', type: 'component', caseType: 'coordinated', departmentCodes: ['D05', 'D01'], limits, status: 'active' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const c = (await records(a, adminA)).categories.find((x) => x.code === '0101')!;
    const list = (await a.request({ url: '/api/incident-categories', cookie: adminA })).json() as { categories: { code: string; version: number }[] };
    const updated = await a.request({
      method: 'PUT', url: '/api/incident-categories/0101', cookie: adminA,
      body: { ...c, code: undefined, status: 'retired', caseType: 'immediate', limits, version: list.categories.find((x) => x.code === '0101')!.version },
    });
    expect(updated.statusCode, updated.body).toBe(200);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it.each(FORMATS)('exports %s, imports it into a fresh platform, and exports the same records again', async (format) => {
    const exported = await a.request({ url: `/api/incident-categories/export?format=${format}`, cookie: adminA });
    expect(exported.statusCode, exported.body).toBe(200);
    expect(String(exported.headers['content-type'])).toContain(TYPES[format]);
    expect(String(exported.headers['content-disposition'])).toMatch(new RegExp(`incident-categories-\\d{4}-\\d{2}-\\d{2}\\.${format}`));
    const file = exported.rawPayload;
    const want = await records(a, adminA);

    const first = await b.request({ method: 'POST', url: '/api/incident-categories/import', cookie: adminB, body: file, headers: { 'content-type': TYPES[format] } });
    expect(first.statusCode, first.body).toBe(200);
    const got = await records(b, adminB);
    // The workbook and the CSV carry a major's names on its minors' rows, not its sort order or status (docs/exchange.md).
    if (format === 'json') expect(got.majors).toEqual(want.majors);
    else {
      const names = (l: Listing) => l.majors.map(({ code, nameZh, nameEn }) => ({ code, nameZh, nameEn })).sort((x, y) => x.code.localeCompare(y.code));
      expect(names(got)).toEqual(names(want));
    }
    expect(got.categories).toEqual(want.categories);

    // Exported from the fresh platform: the same records, in the same file for the text forms.
    const again = await b.request({ url: `/api/incident-categories/export?format=${format}`, cookie: adminB });
    if (format === 'json') expect(again.json()).toEqual(exported.json());
    if (format === 'csv') expect(again.body).toBe(exported.body);
    if (format === 'xlsx') {
      const cells = async (buf: Buffer) => {
        const wb = new ExcelJS.Workbook();
        await wb.xlsx.load(buf as unknown as ArrayBuffer);
        const out: unknown[][] = [];
        wb.worksheets[0]!.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
        return out;
      };
      expect(await cells(again.rawPayload)).toEqual(await cells(file));
    }

    // Re-running the same file changes nothing.
    const before = await auditCount(b);
    const rerun = await b.request({ method: 'POST', url: '/api/incident-categories/import', cookie: adminB, body: file, headers: { 'content-type': TYPES[format] } });
    expect(rerun.statusCode, rerun.body).toBe(200);
    expect(rerun.json()).toEqual({ created: 0, updated: 0, unchanged: want.categories.length, majors: 0 });
    expect(await records(b, adminB)).toEqual(got);
    expect(await auditCount(b)).toBe(before + 1);
    const audit = await b.platform.db.primary.selectFrom('audit_log').select('details').where('action', '=', 'incident_category.import').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details!)).toMatchObject({ format, unchanged: want.categories.length });
  });

  it('writes CSV with a BOM, field/中文名 headers and formula starts defused', async () => {
    const csv = (await a.request({ url: '/api/incident-categories/export?format=csv', cookie: adminA })).body;
    expect(csv.startsWith('\uFEFFmajor_code/大类编码,major_name/大类名称,major_name_en/大类英文名,code/小类编码')).toBe(true);
    const line = csv.split('\r\n').find((l) => l.startsWith('09,'))!;
    expect(line).toContain('"\'=有限空间, ""作业""隐患"');
    expect(csv).toContain('"\'-Confined space\nhazard"');
    expect(line).toContain('"D05,D01"');
    expect(line).toContain(',0.5h,2h,3d,1d,active');
    const json = (await a.request({ url: '/api/incident-categories/export?format=json', cookie: adminA })).json();
    expect(json.schema).toBe('civicgrid.categories/1');
    expect(json.categories.find((c: { code: string }) => c.code === '0901')).toEqual({
      code: '0901', majorCode: '09', nameZh: '=有限空间, "作业"隐患', nameEn: '-Confined space\nhazard', type: 'component', caseType: 'coordinated',
      departmentCodes: ['D05', 'D01'], limits: { register: { amount: 0.5, unit: 'hours' }, dispatch: { amount: 2, unit: 'hours' }, handle: { amount: 3, unit: 'days' }, verify: { amount: 1, unit: 'days' } },
      status: 'active',
    });
    expect(json.majors.find((m: { code: string }) => m.code === '09')).toEqual({ code: '09', nameZh: '安全生产专项', nameEn: 'Work safety, campaign', sort: 3, status: 'active' });
  });

  it.each(FORMATS)('refuses a broken %s file whole, naming rows and fields, and writes nothing', async (format) => {
    const exported = (await a.request({ url: `/api/incident-categories/export?format=${format}`, cookie: adminA })).rawPayload;
    let broken: Buffer;
    let expected: { row: number; list?: string; problems: string[] }[];
    if (format === 'json') {
      const doc = JSON.parse(exported.toString('utf8'));
      doc.categories[0].nameZh = '改了名字';
      doc.categories[2].limits.handle = { amount: 3, unit: 'weeks' };
      doc.categories[2].departmentCodes = ['D99'];
      doc.majors[1].sort = 'first';
      broken = Buffer.from(JSON.stringify(doc));
      expected = [{ row: 2, list: 'majors', problems: ['major_sort'] }, { row: 3, list: 'categories', problems: ['unknown department D99', 'handle'] }];
    } else if (format === 'csv') {
      const lines = exported.toString('utf8').split('\r\n');
      lines[1] = lines[1]!.replace(/^(\d\d,[^,]*,[^,]*,\d{4},)[^,]*/, '$1改了名字');
      lines[3] = lines[3]!.replace(/,(component|event),(immediate|committed|coordinated),/, ',thing,$2,');
      broken = Buffer.from(lines.join('\r\n'));
      expected = [{ row: 4, problems: ['type'] }];
    } else {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(exported as unknown as ArrayBuffer);
      const ws = wb.worksheets[0]!;
      ws.getRow(2).getCell(5).value = '改了名字';
      ws.getRow(3).getCell(8).value = 'someday';
      broken = Buffer.from(await wb.xlsx.writeBuffer());
      expected = [{ row: 3, problems: ['case_type'] }];
    }
    const before = await records(b, adminB);
    const audits = await auditCount(b);
    const refused = await b.request({ method: 'POST', url: '/api/incident-categories/import', cookie: adminB, body: broken, headers: { 'content-type': TYPES[format] } });
    expect(refused.statusCode, refused.body).toBe(422);
    expect(refused.json().code).toBe('CATEGORY_IMPORT_INVALID');
    expect(refused.json().details.errors).toEqual(expected);
    expect(await records(b, adminB)).toEqual(before);
    expect(await auditCount(b)).toBe(audits);

    // Not a file of that form at all: unreadable, nothing written.
    const junk = await b.request({ method: 'POST', url: `/api/incident-categories/import?format=${format}`, cookie: adminB, body: Buffer.from(format === 'csv' ? 'a,"b\n' : 'not a file'), headers: { 'content-type': 'application/octet-stream' } });
    expect(junk.statusCode, junk.body).toBe(422);
    expect(junk.json().code).toBe('CATEGORY_IMPORT_UNREADABLE');
    expect(await records(b, adminB)).toEqual(before);
  });

  it('tells the form by ?format=, the content type or the first bytes, and checks the JSON schema', async () => {
    const json = (await a.request({ url: '/api/incident-categories/export?format=json', cookie: adminA })).rawPayload;
    const csv = (await a.request({ url: '/api/incident-categories/export?format=csv', cookie: adminA })).rawPayload;
    const xlsx = (await a.request({ url: '/api/incident-categories/export', cookie: adminA })).rawPayload;
    const cases: [Buffer, Record<string, string>, string][] = [
      [json, { 'content-type': 'application/octet-stream' }, ''],
      [xlsx, { 'content-type': 'application/octet-stream' }, ''],
      [csv, { 'content-type': 'text/plain' }, ''],
      [csv, { 'content-type': 'application/octet-stream' }, '?format=csv'],
    ];
    for (const [body, headers, query] of cases) {
      const res = await b.request({ method: 'POST', url: `/api/incident-categories/import${query}`, cookie: adminB, body, headers });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ created: 0, updated: 0, majors: 0 });
    }
    const doc = JSON.parse(json.toString('utf8'));
    const wrong = await b.request({ method: 'POST', url: '/api/incident-categories/import', cookie: adminB, body: { ...doc, schema: 'civicgrid.categories/2' } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().code).toBe('CATEGORY_IMPORT_SCHEMA');
    const operator = await b.login('operator');
    expect((await b.request({ method: 'POST', url: '/api/incident-categories/import', cookie: operator, body: json, headers: { 'content-type': 'application/json' } })).statusCode).toBe(403);
    expect((await b.request({ url: '/api/incident-categories/export?format=csv', cookie: operator })).statusCode).toBe(403);
  });
});
