import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { makeIdNumber } from '../../src/modules/basedata/rules/id-number.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

/**
 * Names, not codes or ids (issue 15 item 1): lists carry the street,
 * community and grid names; the case names its reporting user and the case
 * it was merged into by code; merge takes the survivor's case code; exports
 * speak Chinese with names and are named by the local date.
 */
describe.each(DIALECTS)('names on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let workerGrid: string;
  let point: { lng: number; lat: number };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'worker']) c[u] = await t.login(u);
    workerGrid = await scopeOf(t, 'worker');
    point = (await gridHelper(t)).pointIn(workerGrid);
  });
  afterAll(async () => t?.close());

  async function report(cookie: string, description: string, channel = 'grid_worker') {
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie, body: { channel, description, position: { ...point, crs: 'wgs84' } } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incident as { id: number; code: string };
  }

  async function nameOf(code: string): Promise<string> {
    return (await t.platform.db.primary.selectFrom('grids').select('name').where('code', '=', code).executeTakeFirstOrThrow()).name;
  }

  it('names the places of every listed case, and the reporting user', async () => {
    const inc = await report(c.worker!, '井盖缺失 名称测试');
    const list = (await t.request({ url: `/api/incidents?q=${inc.code}`, cookie: c.operator! })).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      gridName: await nameOf(workerGrid),
      communityName: await nameOf(workerGrid.slice(0, 12)),
      streetName: await nameOf(workerGrid.slice(0, 9)),
    });
    const queue = (await t.request({ url: '/api/incidents/queues/to-register?pageSize=200', cookie: c.operator! })).json();
    expect((queue.items as { gridName: string | null }[]).every((i) => typeof i.gridName === 'string' && i.gridName.length > 0)).toBe(true);
    const detail = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c.operator! })).json();
    expect(detail.incident.gridName).toBe(await nameOf(workerGrid));
    expect(detail.reporterUserName).toBe('网格员 陈静');
    expect(detail.mergedIntoCode).toBeNull();
  });

  it('names a resident\'s household by its number', async () => {
    const officer = await t.login('basedata');
    const unit = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${await scopeOf(t, 'basedata')}%`).limit(1).executeTakeFirstOrThrow()).code;
    const household = await t.request({ method: 'POST', url: '/api/households', cookie: officer, body: { householdNo: 'HH-名称-001', gridCode: unit } });
    expect(household.statusCode, household.body).toBe(201);
    const resident = await t.request({
      method: 'POST', url: '/api/residents', cookie: officer,
      body: { gridCode: unit, name: '欧阳明', idNumber: makeIdNumber('430111', '19800101', 17, 'male'), population: 'registered', householdId: household.json().id, relation: '户主' },
    });
    expect(resident.statusCode, resident.body).toBe(201);
    const res = await t.request({ url: `/api/residents/${resident.json().id}`, cookie: officer });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().householdNo).toBe('HH-名称-001');
  });

  it('merges by the surviving case code and names it on the merged case', async () => {
    const survivor = await report(c.operator!, '路面塌陷 合并测试', 'operator_phone');
    const duplicate = await report(c.operator!, '路面塌陷 重复上报', 'operator_phone');
    const offered = (await t.request({ url: `/api/incidents/${duplicate.id}/duplicates`, cookie: c.operator! })).json();
    expect((offered.items as { code: string }[]).map((d) => d.code)).toContain(survivor.code);

    const detail = (await t.request({ url: `/api/incidents/${duplicate.id}`, cookie: c.operator! })).json();
    const version = detail.incident.version as number;
    const both = await t.request({ method: 'POST', url: `/api/incidents/${duplicate.id}/merge`, cookie: c.operator!, body: { version, intoCode: survivor.code, intoId: survivor.id } });
    expect(both.statusCode).toBe(400);
    const unknown = await t.request({ method: 'POST', url: `/api/incidents/${duplicate.id}/merge`, cookie: c.operator!, body: { version, intoCode: '199901010001' } });
    expect(unknown.statusCode).toBe(404);
    const merged = await t.request({ method: 'POST', url: `/api/incidents/${duplicate.id}/merge`, cookie: c.operator!, body: { version, intoCode: survivor.code } });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json().incident.id).toBe(survivor.id);
    const after = (await t.request({ url: `/api/incidents/${duplicate.id}`, cookie: c.operator! })).json();
    expect(after.incident.status).toBe('merged');
    expect(after.mergedIntoCode).toBe(survivor.code);
  });

  it('exports with Chinese headers, names and the local date in the file name', async () => {
    const inc = await report(c.operator!, '导出测试 违章搭建', 'operator_phone');
    expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    const csv = await t.request({ url: `/api/incidents/export?format=csv&q=${inc.code}`, cookie: c.operator! });
    expect(csv.statusCode).toBe(200);
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');
    expect(csv.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent(`事件-${today}.csv`)}`);
    const [header, row] = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(header!.split(',').slice(0, 9)).toEqual(['事件编号', '状态', '来源', '分类', '街道', '社区', '网格', '网格编码', '主办部门']);
    const cells = row!.split(',');
    const department = (await t.platform.db.primary.selectFrom('departments').select('name').where('code', '=', 'D01').executeTakeFirstOrThrow()).name;
    expect(cells.slice(0, 9)).toEqual([
      inc.code, '已派遣', '电话受理', expect.stringContaining(D01_CATEGORY.nameZh),
      await nameOf(workerGrid.slice(0, 9)), await nameOf(workerGrid.slice(0, 12)), await nameOf(workerGrid), workerGrid, department,
    ]);
    const xlsx = await t.request({ url: `/api/incidents/export?format=xlsx&q=${inc.code}`, cookie: c.operator! });
    expect(xlsx.headers['content-disposition']).toContain(encodeURIComponent(`事件-${today}.xlsx`));
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).getCell(2).value).toBe('状态');
    expect(sheet.getRow(2).getCell(2).value).toBe('已派遣');
  });
});
