import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

/** Departments created, renamed and retired from the console; a retired one takes no new dispatch. */
describe.each(DIALECTS)('departments on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let workerGrid: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['admin', 'operator', 'dispatcher']) c[u] = await t.login(u);
    grids = await gridHelper(t);
    workerGrid = await scopeOf(t, 'worker');
  });
  afterAll(async () => t?.close());

  async function registered(): Promise<number> {
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie: c.operator!,
      body: { channel: 'operator_phone', description: '路灯不亮', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' }, reporter: { name: '李四', phone: '13812345678' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().incident.id as number;
    expect((await act(t, c.operator!, id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    return id;
  }

  it("makes a street's own handling unit that takes that street's cases only, for dispatch and for a call", async () => {
    const street = workerGrid.slice(0, 9);
    const other = grids.streets.find((x) => x !== street)!;
    const created = await t.request({ method: 'POST', url: '/api/departments', cookie: c.admin!, body: { code: 'S01', name: '某街道城管中队', nameEn: 'Street enforcement squad', streetCode: street } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ code: 'S01', streetCode: street });
    const unit = await t.request({ method: 'POST', url: '/api/departments', cookie: c.admin!, body: { code: 'S02', name: '坏街道', nameEn: 'Bad street', streetCode: workerGrid } });
    expect(unit.statusCode).toBe(422);
    expect(unit.json().code).toBe('DEPARTMENT_STREET_INVALID');
    expect((await t.request({ url: '/api/departments', cookie: c.dispatcher! })).json().items).toContainEqual(expect.objectContaining({ code: 'S01', streetCode: street }));

    // A case of its street: dispatched to it. Moved to another street: refused, for dispatch and for a call.
    const own = await registered();
    expect((await act(t, c.dispatcher!, own, { type: 'dispatch', leadDepartmentCode: 'S01' })).statusCode).toBe(200);
    const moved = await t.request({ method: 'PUT', url: '/api/departments/S01', cookie: c.admin!, body: { name: '某街道城管中队', nameEn: 'Street enforcement squad', streetCode: other } });
    expect(moved.statusCode, moved.body).toBe(200);
    const id = await registered();
    const refused = await act(t, c.dispatcher!, id, { type: 'dispatch', leadDepartmentCode: 'S01' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('INCIDENT_DEPARTMENT_OUTSIDE_STREET');
    const streetOp = await t.login('street');
    const call = await act(t, streetOp, id, { type: 'escalate', departmentCodes: ['S01'] });
    expect(call.statusCode, call.body).toBe(422);
    expect(call.json().code).toBe('INCIDENT_DEPARTMENT_OUTSIDE_STREET');
    // Renamed without a street field: the street stays.
    const renamed = await t.request({ method: 'PUT', url: '/api/departments/S01', cookie: c.admin!, body: { name: '城管中队', nameEn: 'Squad' } });
    expect(renamed.json()).toMatchObject({ name: '城管中队', streetCode: other });
  });

  it('creates a department that takes dispatch at once, renames it, and refuses a duplicate', async () => {
    const created = await t.request({ method: 'POST', url: '/api/departments', cookie: c.admin!, body: { code: 'D20', name: '数据资源局', nameEn: 'Data Bureau' } });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toEqual({ code: 'D20', name: '数据资源局', nameEn: 'Data Bureau', status: 'active', streetCode: null });
    const again = await t.request({ method: 'POST', url: '/api/departments', cookie: c.admin!, body: { code: 'D20', name: '另一个', nameEn: 'Other' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('DEPARTMENT_EXISTS');
    const sameName = await t.request({ method: 'POST', url: '/api/departments', cookie: c.admin!, body: { code: 'D21', name: '数据资源局', nameEn: 'Other' } });
    expect(sameName.json().code).toBe('DEPARTMENT_NAME_TAKEN');
    const badCode = await t.request({ method: 'POST', url: '/api/departments', cookie: c.admin!, body: { code: 'd 1', name: '坏编码', nameEn: 'Bad' } });
    expect(badCode.statusCode).toBe(400);

    const id = await registered();
    expect((await act(t, c.dispatcher!, id, { type: 'dispatch', leadDepartmentCode: 'D20' })).statusCode).toBe(200);

    const renamed = await t.request({ method: 'PUT', url: '/api/departments/D20', cookie: c.admin!, body: { name: '大数据局', nameEn: 'Big Data Bureau' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().name).toBe('大数据局');
    const missing = await t.request({ method: 'PUT', url: '/api/departments/D99', cookie: c.admin!, body: { name: '无', nameEn: 'None' } });
    expect(missing.statusCode).toBe(404);
    const audits = await t.platform.db.primary.selectFrom('audit_log').select(['action', 'object_id']).where('object_type', '=', 'department').where('object_id', '=', 'D20').orderBy('seq').execute();
    expect(audits.map((a) => a.action)).toEqual(['department.create', 'department.update']);
  });

  it('retires a department: no new dispatch, its cases keep it, the list hides it unless asked; restoring undoes it', async () => {
    const before = await registered();
    expect((await act(t, c.dispatcher!, before, { type: 'dispatch', leadDepartmentCode: 'D20' })).statusCode).toBe(200);

    const retired = await t.request({ method: 'POST', url: '/api/departments/D20/status', cookie: c.admin!, body: { status: 'retired' } });
    expect(retired.statusCode, retired.body).toBe(200);
    expect(retired.json().status).toBe('retired');

    const after = await registered();
    const refused = await act(t, c.dispatcher!, after, { type: 'dispatch', leadDepartmentCode: 'D20' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe('INCIDENT_UNKNOWN_DEPARTMENT');

    const kept = (await t.request({ url: `/api/incidents/${before}`, cookie: c.dispatcher! })).json().incident;
    expect(kept.leadDepartmentCode).toBe('D20');

    const active = (await t.request({ url: '/api/departments', cookie: c.dispatcher! })).json().items as { code: string }[];
    expect(active.some((d) => d.code === 'D20')).toBe(false);
    const all = (await t.request({ url: '/api/departments?includeRetired=true', cookie: c.dispatcher! })).json().items as { code: string; status: string }[];
    expect(all.find((d) => d.code === 'D20')?.status).toBe('retired');

    // Retiring twice writes nothing more.
    await t.request({ method: 'POST', url: '/api/departments/D20/status', cookie: c.admin!, body: { status: 'retired' } });
    const retires = await t.platform.db.primary.selectFrom('audit_log').select('seq').where('action', '=', 'department.retire').execute();
    expect(retires).toHaveLength(1);

    expect((await t.request({ method: 'POST', url: '/api/departments/D20/status', cookie: c.admin!, body: { status: 'active' } })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, after, { type: 'dispatch', leadDepartmentCode: 'D20' })).statusCode).toBe(200);
  });

  it('only configurers may change departments', async () => {
    const res = await t.request({ method: 'POST', url: '/api/departments', cookie: c.dispatcher!, body: { code: 'D30', name: '越权', nameEn: 'Nope' } });
    expect(res.statusCode).toBe(403);
    const retire = await t.request({ method: 'POST', url: '/api/departments/D01/status', cookie: c.operator!, body: { status: 'retired' } });
    expect(retire.statusCode).toBe(403);
  });
});
