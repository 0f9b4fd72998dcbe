import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from '../basedata/support.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

describe.each(DIALECTS)('bulk verification jobs on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  const idA = nextIdNumber('19850315', 'female');
  const idA2 = nextIdNumber('19700101', 'male');
  const idB = nextIdNumber('19900101', 'male');
  const unknown = nextIdNumber('19600101', 'female');
  const bad = idA.slice(0, 17) + (idA[17] === '0' ? '1' : '0');

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
    for (const [cookie, gridCode, idNumber] of [[f.cookies.officer_a!, f.unitA, idA], [f.cookies.officer_a!, f.unitA2, idA2], [f.cookies.officer_b!, f.unitB, idB]] as const) {
      const res = await t.request({ method: 'POST', url: '/api/residents', cookie, body: { gridCode, name: '居民', idNumber, population: 'registered' } });
      expect(res.statusCode, res.body).toBe(201);
    }
  }, 120_000);
  afterAll(async () => t?.close());

  const client = async (fields: string[], scopes = ['share.residents.verify']) => {
    const res = await t.request({ method: 'POST', url: '/api/clients', cookie: f.cookies.admin!, body: { name: `人社局-${fields.join('+')}-${scopes.length}`, scopes, scopeCode: f.streetA, fields, ratePerMinute: 1000 } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: number; apiKey: string };
  };
  const upload = (key: string, payload: string | Buffer, type = 'text/csv', fileName = 'ids.csv') => t.app.inject({
    method: 'POST', url: `/api/share/verify-jobs?fileName=${fileName}`, payload, headers: { 'x-api-key': key, 'content-type': type },
  });
  const finished = async (key: string, id: number) => {
    for (let i = 0; i < 200; i++) {
      const res = await t.request({ url: `/api/share/verify-jobs/${id}`, headers: { 'x-api-key': key } });
      expect(res.statusCode, res.body).toBe(200);
      if (res.json().status === 'done' || res.json().status === 'failed') return res.json() as { status: string; totalRows: number; found: number; notFound: number; invalid: number; errorCode: string | null };
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the job did not finish');
  };
  const result = async (key: string, id: number) => {
    const res = await t.request({ url: `/api/share/verify-jobs/${id}/result.csv`, headers: { 'x-api-key': key } });
    expect(res.statusCode, res.body).toBe(200);
    return res.body.replace(/^\uFEFF/, '').trim().split('\n');
  };

  it('checks a CSV: found, not found, invalid; another street\'s resident is not found; masked in the result', async () => {
    const c = await client(['found', 'community']);
    const res = await upload(c.apiKey, `身份证号,姓名\n${idA},甲\n${unknown},乙\n${bad},丙\n\n${idB},丁\n${idA2},戊\n`);
    expect(res.statusCode, res.body).toBe(202);
    const job = await finished(c.apiKey, res.json().id);
    expect(job).toMatchObject({ status: 'done', totalRows: 5, found: 2, notFound: 2, invalid: 1 });
    const lines = await result(c.apiKey, res.json().id);
    const community = (await t.platform.db.primary.selectFrom('grids').select(['code', 'name']).where('code', '=', f.unitA.slice(0, 12)).executeTakeFirstOrThrow());
    expect(lines[0]).toBe('row,id_number_masked,result,community_code,community_name');
    expect(lines[1]).toBe(`2,${idA.slice(0, 6)}********${idA.slice(14)},found,${community.code},${community.name}`);
    expect(lines[2]).toBe(`3,${unknown.slice(0, 6)}********${unknown.slice(14)},not_found,,`);
    expect(lines[3]).toMatch(/^4,\d{6}\*{8}\w{4},invalid,,$/);
    // The blank line is skipped (the CSV reader drops empty lines): row numbers count the file's non-empty rows.
    expect(lines[4]).toBe(`5,${idB.slice(0, 6)}********${idB.slice(14)},not_found,,`);
    expect(lines[5]).toMatch(new RegExp(`^6,\\d{6}\\*{8}\\w{4},found,${f.unitA2.slice(0, 12)},`));
    expect(lines).toHaveLength(6);
    const body = lines.join('\n');
    for (const n of [idA, unknown, bad, idB, idA2]) expect(body).not.toContain(n);
  });

  it('leaves the community out when the client\'s fields do not allow it, and reads XLSX without a header', async () => {
    const c = await client(['found']);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('ids');
    ws.addRow([idA]);
    ws.addRow([unknown]);
    const res = await upload(c.apiKey, Buffer.from(await wb.xlsx.writeBuffer()), XLSX, 'ids.xlsx');
    expect(res.statusCode, res.body).toBe(202);
    expect(await finished(c.apiKey, res.json().id)).toMatchObject({ status: 'done', totalRows: 2, found: 1, notFound: 1, invalid: 0 });
    const lines = await result(c.apiKey, res.json().id);
    expect(lines).toEqual(['row,id_number_masked,result', `1,${idA.slice(0, 6)}********${idA.slice(14)},found`, `2,${unknown.slice(0, 6)}********${unknown.slice(14)},not_found`]);
  });

  it('keeps one record per row (blind index, outcome) and one audit entry per job that references them', async () => {
    const c = await client(['found', 'community']);
    const res = await upload(c.apiKey, `${idA}\n${bad}\n${unknown}\n`);
    const id = res.json().id as number;
    await finished(c.apiKey, id);
    const records = await t.platform.db.primary.selectFrom('share_job_records').selectAll().where('job_id', '=', id).orderBy('row_no').execute();
    const bidx = t.platform.share['personal'].cipher.blindIndex(idA);
    expect(records.map((r) => [r.row_no, r.outcome, r.id_bidx === null ? null : r.id_bidx.length])).toEqual([[1, 'found', 64], [2, 'invalid', null], [3, 'not_found', 64]]);
    expect(records[0]!.id_bidx).toBe(bidx);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['action', 'details']).where('object_type', '=', 'share_job').where('object_id', '=', String(id)).orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['share.job.create', 'share.verify.job']);
    expect(JSON.parse(audit[1]!.details)).toMatchObject({ clientId: c.id, rows: 3, found: 1, notFound: 1, invalid: 1, records: 'share_job_records' });
    expect(JSON.stringify(audit)).not.toContain(idA);
    // The upload (clear numbers) is gone once the job has run.
    expect((await t.platform.db.primary.selectFrom('share_jobs').select('file_path').where('id', '=', id).executeTakeFirstOrThrow()).file_path).toBeNull();
  });

  it('limits jobs to their client: scope, another client\'s job (404), admin upload on a client\'s behalf', async () => {
    const a = await client(['found']);
    const hotline = await client(['found'], ['hotline.push']);
    expect((await upload(hotline.apiKey, `${idA}\n`)).statusCode).toBe(403);
    expect((await upload('cgk_000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', `${idA}\n`)).statusCode).toBe(401);
    const job = (await upload(a.apiKey, `${idA}\n`)).json() as { id: number };
    await finished(a.apiKey, job.id);
    const other = await client(['found', 'community']);
    expect((await t.request({ url: `/api/share/verify-jobs/${job.id}`, headers: { 'x-api-key': other.apiKey } })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/share/verify-jobs/${job.id}/result.csv`, headers: { 'x-api-key': other.apiKey } })).statusCode).toBe(404);

    const byAdmin = await t.app.inject({ method: 'POST', url: `/api/clients/${a.id}/verify-jobs?fileName=x.csv`, payload: `${idA}\n${idB}\n`, headers: { cookie: `cg_session=${f.cookies.admin}`, 'content-type': 'text/csv' } });
    expect(byAdmin.statusCode, byAdmin.body).toBe(202);
    const done = await finished(a.apiKey, byAdmin.json().id);
    expect(done).toMatchObject({ found: 1, notFound: 1 });
    const list = (await t.request({ url: `/api/clients/${a.id}/verify-jobs`, cookie: f.cookies.admin! })).json().items as { id: number; uploadedByConsole: boolean }[];
    expect(list.map((j) => [j.id, j.uploadedByConsole])).toEqual([[byAdmin.json().id, true], [job.id, false]]);
    expect((await t.request({ url: `/api/verify-jobs/${job.id}/result.csv`, cookie: f.cookies.admin! })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/verify-jobs/${job.id}/result.csv`, cookie: f.cookies.officer_a! })).statusCode).toBe(403);
    const forHotline = await t.app.inject({ method: 'POST', url: `/api/clients/${hotline.id}/verify-jobs`, payload: `${idA}\n`, headers: { cookie: `cg_session=${f.cookies.admin}`, 'content-type': 'text/csv' } });
    expect(forHotline.statusCode).toBe(422);
    expect(forHotline.json().code).toBe('SHARE_JOB_CLIENT_SCOPE');
  });

  it('fails a file past the row limit without checking a row', async () => {
    const c = await client(['found']);
    t.platform.shareJobs['settings'].maxRows = 3;
    try {
      const res = await upload(c.apiKey, `${idA}\n${idA}\n${idA}\n${idA}\n`);
      expect(await finished(c.apiKey, res.json().id)).toMatchObject({ status: 'failed', errorCode: 'SHARE_JOB_TOO_MANY_ROWS', totalRows: 0 });
      expect(await t.platform.db.primary.selectFrom('share_job_records').select('row_no').where('job_id', '=', res.json().id).execute()).toEqual([]);
    } finally {
      t.platform.shareJobs['settings'].maxRows = 100_000;
    }
  });

  it('lists the shared datasets with the active clients that may call them (administrators only)', async () => {
    const c = await client(['found'], ['share.residents.verify', 'hotline.push']);
    const revoked = await client(['community']);
    await t.request({ method: 'POST', url: `/api/clients/${revoked.id}/revoke`, cookie: f.cookies.admin! });
    const res = await t.request({ url: '/api/share/catalogue', cookie: f.cookies.admin! });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { key: string; access: { kind: string }; clients: { id: number }[]; fields: { name: string; masking: unknown }[] }[];
    expect(items.map((d) => d.key)).toEqual(['residents.verify', 'hotline.orders', 'grids.geojson', 'incidents.statistics']);
    const verifyIds = items[0]!.clients.map((x) => x.id);
    expect(verifyIds).toContain(c.id);
    expect(verifyIds).not.toContain(revoked.id);
    expect(items[1]!.clients.map((x) => x.id)).toContain(c.id);
    expect(items[1]!.clients.map((x) => x.id)).not.toContain(revoked.id);
    expect(items[0]!.fields.find((x) => x.name === 'idNumber')!.masking).not.toBeNull();
    expect(items[2]).toMatchObject({ access: { kind: 'session' }, clients: [] });
    expect((await t.request({ url: '/api/share/catalogue', cookie: f.cookies.officer_a! })).statusCode).toBe(403);
  });
});

