import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

const HEADER = ['姓名', '身份证号', '联系电话', '网格编码', '人口类型', '特殊人群', '户号', '与户主关系', '楼栋', '房号', '入住日期'];

function csv(rows: string[][]): string {
  return `\uFEFF${[HEADER, ...rows].map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')).join('\r\n')}\r\n`;
}

describe.each(DIALECTS)('resident import on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  const upload = async (body: string, fileName = 'residents.csv') => {
    const res = await t.app.inject({
      method: 'POST', url: `/api/residents/imports?fileName=${fileName}`, payload: body,
      headers: { cookie: `cg_session=${f.cookies.officer_a}`, 'content-type': 'text/csv' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { jobId: number; headers: string[]; suggestedMapping: Record<string, string>; missing: string[] };
  };
  const count = async (table: 'residents' | 'resident_dwellings' | 'households' | 'dwellings' | 'buildings') =>
    Number((await t.platform.db.primary.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
  }, 120_000);
  afterAll(async () => t?.close());

  it('validates every row and reports errors in a downloadable file', async () => {
    const good1 = nextIdNumber('19600101');
    const good2 = nextIdNumber('19900101', 'female');
    const badSum = nextIdNumber('19700101');
    const rows = [
      ['王大', good1, '13800000001', f.unitA, '户籍', '独居老人', 'IMP-1', '户主', '5栋', '101', '2010-05-01'],
      ['王二', `${badSum.slice(0, 17)}${badSum[17] === '1' ? '2' : '1'}`, '', f.unitA, '', '', '', '', '', '', ''],
      ['王三', nextIdNumber(), '', '430111999999999', '', '', '', '', '', '', ''],
      ['王四', good1, '', f.unitA, '', '', '', '', '', '', ''],
      ['王五', nextIdNumber('19800101'), '', f.unitA, '', '', '', '', '5栋', '102', '2024-02-30'],
      ['王六', nextIdNumber('20100101'), '', f.unitA, '', '', '', '', '5栋', '103', '2005-01-01'],
      ['', nextIdNumber(), '12', f.unitB, '本地', '外星人', '', '', '', '', ''],
      ['王七', good2, '13800000002', f.unitA, '流动', '', 'IMP-1', '配偶', '5栋', '101', ''],
    ];
    const job = await upload(csv(rows));
    expect(job.headers).toEqual(HEADER);
    expect(job.missing).toEqual([]);
    expect(job.suggestedMapping).toMatchObject({ name: '姓名', idNumber: '身份证号', phone: '联系电话', gridCode: '网格编码', roomNo: '房号' });
    const mapped = await t.request({ method: 'PUT', url: `/api/residents/imports/${job.jobId}/mapping`, cookie: f.cookies.officer_a!, body: job.suggestedMapping });
    expect(mapped.statusCode, mapped.body).toBe(200);
    const run = await t.request({ method: 'POST', url: `/api/residents/imports/${job.jobId}/run`, cookie: f.cookies.officer_a! });
    expect(run.statusCode).toBe(202);
    let progress = run.json();
    for (let i = 0; i < 200 && progress.status !== 'done' && progress.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      progress = (await t.request({ url: `/api/residents/imports/${job.jobId}`, cookie: f.cookies.officer_a! })).json();
    }
    expect(progress).toMatchObject({ status: 'done', totalRows: 8, okRows: 2, errorRows: 6 });
    // The upload held clear ID numbers: it is gone once its job is done (residual information).
    const { file_path: uploaded } = await t.platform.db.primary.selectFrom('import_jobs').select('file_path').where('id', '=', job.jobId).executeTakeFirstOrThrow();
    await expect.poll(() => existsSync(uploaded)).toBe(false);
    const errors = await t.request({ url: `/api/residents/imports/${job.jobId}/errors.csv`, cookie: f.cookies.officer_a! });
    expect(errors.statusCode).toBe(200);
    const lines = errors.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe('row,code,message');
    const codes = lines.slice(1).map((l) => l.split(',').slice(0, 2).join(','));
    expect(codes).toEqual(expect.arrayContaining([
      '2,ID_CHECKSUM', '3,GRID_UNKNOWN', '4,DUPLICATE_IN_FILE', '5,DATE_INVALID', '6,DATE_BEFORE_BIRTH',
      '7,NAME_REQUIRED', '7,PHONE_INVALID', '7,GRID_OUT_OF_SCOPE', '7,POPULATION_INVALID', '7,TAG_UNKNOWN',
    ]));
    expect(errors.body).not.toContain(badSum.slice(0, 17));
    // Another user's job reads as not found.
    expect((await t.request({ url: `/api/residents/imports/${job.jobId}`, cookie: f.cookies.officer_b! })).statusCode).toBe(404);
    const search = (await t.request({ method: 'POST', url: '/api/residents/search', cookie: f.cookies.officer_a!, body: { idNumber: good1 } })).json();
    expect(search.items[0]).toMatchObject({ name: '王大', tags: ['elderly_alone'] });
    const household = (await t.request({ url: `/api/households/${search.items[0].householdId}`, cookie: f.cookies.officer_a! })).json();
    expect(household.household.headResidentId).toBe(search.items[0].id);
    expect(household.members).toHaveLength(2);
  });

  it('refuses an unreadable upload and keeps nothing of it', async () => {
    const before = readdirSync(join(t.platform.config.dataDir, 'imports')).length;
    const res = await t.app.inject({
      method: 'POST', url: '/api/residents/imports?fileName=x.csv', payload: '',
      headers: { cookie: `cg_session=${f.cookies.officer_a}`, 'content-type': 'text/csv' },
    });
    expect(res.statusCode).toBe(400);
    expect(readdirSync(join(t.platform.config.dataDir, 'imports')).length).toBe(before);
  });

  it('resumes an interrupted import and is idempotent when re-run', async () => {
    const rows: string[][] = [];
    for (let i = 0; i < 50; i++) {
      rows.push([`赵${i}`, nextIdNumber('19750101', i % 2 ? 'male' : 'female'), `139${String(i).padStart(8, '0')}`, i % 2 ? f.unitA : f.unitA2, '户籍', i % 5 === 0 ? '退役军人' : '', `R-${Math.floor(i / 2)}`, i % 2 ? '配偶' : '户主', `${Math.floor(i / 10)}号楼`, `${100 + (i % 10)}`, '2015-01-01']);
    }
    const before = await count('residents');
    const job = await upload(csv(rows));
    const imports = t.platform.imports;
    const first = await imports.run(job.jobId, { batchSize: 10, stopAfterRows: 20 });
    expect(first).toMatchObject({ status: 'paused', lastRow: 20, okRows: 20 });
    expect(await count('residents')).toBe(before + 20);
    // Resume through worker threads this time: the same rows come out the same.
    const second = await imports.run(job.jobId, { batchSize: 10, workers: 1 });
    expect(second).toMatchObject({ status: 'done', lastRow: 50, okRows: 50, errorRows: 0, totalRows: 50 });
    expect(await count('residents')).toBe(before + 50);
    const links = await count('resident_dwellings');
    const households = await count('households');
    const dwellings = await count('dwellings');
    // Running a finished job again does nothing; importing the same file again updates, creating nothing.
    expect((await imports.run(job.jobId)).okRows).toBe(50);
    const again = await upload(csv(rows));
    const third = await imports.run(again.jobId, { batchSize: 7 });
    expect(third).toMatchObject({ status: 'done', okRows: 50, errorRows: 0 });
    expect(await count('residents')).toBe(before + 50);
    expect(await count('resident_dwellings')).toBe(links);
    expect(await count('households')).toBe(households);
    expect(await count('dwellings')).toBe(dwellings);
    const ids = await t.platform.db.primary.selectFrom('residents').select('id_bidx').execute();
    expect(new Set(ids.map((r) => r.id_bidx)).size).toBe(ids.length);
    // A changed address in a re-import is a move: the old link closes, history stays.
    rows[3]![9] = '999';
    rows[3]![10] = '2020-01-01';
    const moved = await upload(csv(rows));
    await imports.run(moved.jobId);
    expect(await count('resident_dwellings')).toBe(links + 1);
  });

  it('reads XLSX files too', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('居民');
    ws.addRow(['姓名', '公民身份号码', '手机', '所属网格', '户籍类型']);
    const id = nextIdNumber('19990909', 'female');
    ws.addRow(['孙丽', id, 13611112222, f.unitA, '流动']);
    ws.addRow(['孙强', '123', '', f.unitA, '户籍']);
    const buffer = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await t.app.inject({
      method: 'POST', url: '/api/residents/imports?fileName=r.xlsx', payload: buffer,
      headers: { cookie: `cg_session=${f.cookies.officer_a}`, 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const job = res.json();
    expect(job.format).toBe('xlsx');
    expect(job.suggestedMapping).toEqual({ name: '姓名', idNumber: '公民身份号码', phone: '手机', gridCode: '所属网格', population: '户籍类型' });
    await t.platform.imports.setMapping(job.jobId, job.suggestedMapping);
    const result = await t.platform.imports.run(job.jobId);
    expect(result).toMatchObject({ status: 'done', okRows: 1, errorRows: 1 });
    const found = (await t.request({ method: 'POST', url: '/api/residents/search', cookie: f.cookies.officer_a!, body: { phone: '13611112222' } })).json();
    expect(found.items.map((r: { name: string; population: string }) => [r.name, r.population])).toEqual([['孙丽', 'floating']]);
    const xlsx = await t.request({ url: '/api/residents/export?format=xlsx', cookie: f.cookies.officer_a! });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
  });

  it('exports in the shape it imports', async () => {
    const exported = await t.request({ url: '/api/residents/export', cookie: f.cookies.officer_a! });
    expect(exported.statusCode).toBe(200);
    const before = await count('residents');
    const file = join(t.platform.config.dataDir, 'roundtrip.csv');
    writeFileSync(file, exported.body);
    const job = await t.platform.imports.createJob(file, 'roundtrip.csv', null);
    expect(job.missing).toEqual([]);
    const result = await t.platform.imports.run(job.jobId);
    expect(result.errorRows).toBe(0);
    expect(result.okRows).toBe(before);
    expect(await count('residents')).toBe(before);
  });
});
