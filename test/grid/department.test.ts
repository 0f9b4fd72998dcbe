import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';
import { fixture } from './support.js';

/**
 * 专业网格: a department's own partition over the demo district (scale 0.2).
 * Import with dry run and every problem, re-import replacing the set with
 * history and audit, export round trip, scope-filtered reads, and locate
 * with `department=`.
 */
describe.each(DIALECTS)('department grids on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let streetA: string;
  const ids: Record<string, number> = {};
  const west: [number, number] = [113.02, 28.1];
  const east: [number, number] = [113.12, 28.1];

  const importDept = (cookie: string, department: string, file: unknown, opts: Record<string, unknown> = {}) =>
    t.request({ method: 'POST', url: `/api/grids/departments/${department}/import`, cookie, body: { file, ...opts } });
  const rows = (department: string) =>
    t.platform.db.primary.selectFrom('department_grids').select(['code', 'name', 'status', 'version']).where('department_code', '=', department).orderBy('code').execute();
  const historyCount = async () =>
    Number((await t.platform.db.primary.selectFrom('department_grid_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    const db = t.platform.db.primary;
    streetA = (await db.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').executeTakeFirstOrThrow()).code;
    for (const [username, role, kind, scopeCode] of [
      ['dept_admin', 'admin', 'department', 'D01'],
      ['street_admin', 'admin', 'grid', streetA],
      ['street_leader', 'leader', 'grid', streetA],
      ['handler_d02', 'handler', 'department', 'D02'],
    ] as const) {
      const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
      expect(res.statusCode).toBe(201);
      ids[username] = res.json().user.id;
      const grant = await t.request({ method: 'POST', url: `/api/admin/users/${ids[username]}/assignments`, cookie: admin, body: { role, scopeKind: kind, scopeCode } });
      expect(grant.statusCode, grant.body).toBe(201);
      await db.updateTable('users').set({ must_change_password: 0 }).where('id', '=', ids[username]!).execute();
    }
  });
  afterAll(async () => t?.close());

  it('checks a file in a dry run, writing nothing, then imports it with history and audit', async () => {
    const dry = await importDept(admin, 'D01', fixture('department-valid'));
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ ok: true, dryRun: true, applied: false, department: 'D01', counts: { features: 2, created: 2 } });
    expect(await rows('D01')).toEqual([]);

    const applied = await importDept(admin, 'D01', fixture('department-valid'), { dryRun: false });
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json()).toMatchObject({ ok: true, applied: true, counts: { created: 2, retired: 0 } });
    expect((await rows('D01')).map((r) => [r.code, r.status])).toEqual([['E01', 'active'], ['W01', 'active']]);
    expect(await historyCount()).toBe(2);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['object_id', 'username']).where('action', '=', 'grid.department_import').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(audit).toEqual({ object_id: 'D01', username: 'admin' });
  });

  it.each([
    ['department-overlap', 'SIBLINGS_OVERLAP', 'W01'],
    ['department-self-intersection', 'RING_SELF_INTERSECTS', 'W01'],
  ])('reports %s as %s and refuses to apply it', async (name, code, featureCode) => {
    const before = await historyCount();
    const dry = (await importDept(admin, 'D03', fixture(name))).json();
    expect(dry.ok).toBe(false);
    const hit = dry.problems.find((p: { code: string }) => p.code === code);
    expect(hit, JSON.stringify(dry.problems)).toMatchObject({ featureCode, file: 0 });
    const apply = await importDept(admin, 'D03', fixture(name), { dryRun: false });
    expect(apply.statusCode).toBe(422);
    expect(apply.json().code).toBe('GRID_DEPARTMENT_IMPORT_INVALID');
    expect(apply.json().details.report.problems.map((p: { code: string }) => p.code)).toContain(code);
    expect(await rows('D03')).toEqual([]);
    expect(await historyCount()).toBe(before);
  });

  it('reports an unknown department, bad codes, duplicates and files that are not GeoJSON', async () => {
    expect((await importDept(admin, 'D99', fixture('department-valid'))).json().problems.map((p: { code: string }) => p.code)).toEqual(['DEPARTMENT_UNKNOWN']);
    const base = fixture('department-valid');
    const bad = { ...base, features: [...base.features, { ...base.features[0]!, properties: { code: 'bad code!', name: 'x' } }, { ...base.features[1]! }] };
    const codes = (await importDept(admin, 'D03', bad)).json().problems.map((p: { code: string }) => p.code).sort();
    expect(codes).toContain('CODE_MALFORMED');
    expect(codes).toContain('DUPLICATE_CODE');
    expect((await importDept(admin, 'D03', { hello: 1 })).json().problems.map((p: { code: string }) => p.code)).toEqual(['FILE_INVALID']);
  });

  it('imports only with grid.manage over the department or the district', async () => {
    const deptAdmin = await t.login('dept_admin', DEMO_PASSWORD);
    expect((await importDept(deptAdmin, 'D01', fixture('department-valid'))).statusCode).toBe(200);
    const other = await importDept(deptAdmin, 'D02', fixture('department-valid'));
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('GRID_DEPARTMENT_OUTSIDE_SCOPE');
    const streetAdmin = await t.login('street_admin', DEMO_PASSWORD);
    expect((await importDept(streetAdmin, 'D01', fixture('department-valid'))).json().code).toBe('GRID_DEPARTMENT_OUTSIDE_SCOPE');
    const handler = await t.login('handler', DEMO_PASSWORD);
    expect((await importDept(handler, 'D01', fixture('department-valid'))).statusCode).toBe(403);
  });

  it('shows a department scope its own grids only, and grid scopes every department read-only', async () => {
    const handler = await t.login('handler', DEMO_PASSWORD);
    const own = (await t.request({ url: '/api/grids/departments', cookie: handler })).json();
    expect(own.items).toEqual([{ code: 'D01', name: expect.any(String), gridCount: 2 }]);
    const fc = (await t.request({ url: '/api/grids/departments/D01/geojson', cookie: handler })).json();
    expect(fc.features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual(['E01', 'W01']);
    expect(Object.keys(fc.features[0].properties).sort()).toEqual(['code', 'department', 'lx', 'ly', 'name']);
    const handlerD02 = await t.login('handler_d02', DEMO_PASSWORD);
    for (const what of ['geojson', 'export', 'history']) {
      const res = await t.request({ url: `/api/grids/departments/D01/${what}`, cookie: handlerD02 });
      expect(res.statusCode, what).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    expect((await t.request({ url: '/api/grids/departments', cookie: handlerD02 })).json().items.map((d: { code: string }) => d.code)).toEqual(['D02']);

    const leader = await t.login('street_leader', DEMO_PASSWORD);
    const all = (await t.request({ url: '/api/grids/departments', cookie: leader })).json();
    expect(all.items.length).toBeGreaterThan(5);
    expect(all.items.find((d: { code: string }) => d.code === 'D01').gridCount).toBe(2);
    expect((await t.request({ url: '/api/grids/departments/D01/geojson', cookie: leader })).json().features).toHaveLength(2);
    expect((await t.request({ url: '/api/grids/departments/D99/geojson', cookie: leader })).statusCode).toBe(404);
  });

  it('exports the set as a file that imports back unchanged', async () => {
    const exported = (await t.request({ url: '/api/grids/departments/D01/export', cookie: admin })).json();
    expect(exported.features.map((f: { properties: Record<string, unknown> }) => f.properties)).toEqual([
      { code: 'E01', name: '东片服务区' },
      { code: 'W01', name: '西片服务区', manager: '李工' },
    ]);
    const back = (await importDept(admin, 'D01', exported, { dryRun: false })).json();
    expect(back).toMatchObject({ ok: true, applied: true, counts: { unchanged: 2, created: 0, updated: 0, retired: 0 }, changes: [] });
  });

  it('locates the department grid with department=', async () => {
    const leader = await t.login('street_leader', DEMO_PASSWORD);
    const res = (await t.request({ url: `/api/grids/locate?lng=${west[0]}&lat=${west[1]}&department=D01`, cookie: admin })).json();
    expect(res.department).toEqual({ code: 'D01', grid: { code: 'W01', name: '西片服务区' } });
    expect((await t.request({ url: `/api/grids/locate?lng=${east[0]}&lat=${east[1]}&department=D01`, cookie: leader })).json().department.grid.code).toBe('E01');
    // No department asked: no department field.
    expect((await t.request({ url: `/api/grids/locate?lng=${west[0]}&lat=${west[1]}`, cookie: admin })).json().department).toBeUndefined();
    // A department without grids: null; one the caller may not see: 404.
    expect((await t.request({ url: `/api/grids/locate?lng=${west[0]}&lat=${west[1]}&department=D02`, cookie: admin })).json().department).toEqual({ code: 'D02', grid: null });
    const handler = await t.login('handler', DEMO_PASSWORD);
    expect((await t.request({ url: `/api/grids/locate?lng=${west[0]}&lat=${west[1]}&department=D02`, cookie: handler })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/grids/locate?lng=${west[0]}&lat=${west[1]}&department=D01`, cookie: handler })).json().department.grid.code).toBe('W01');
  });

  it('re-import replaces the set: missing grids retired (kept), changes in place, with history', async () => {
    const before = await historyCount();
    const dry = (await importDept(admin, 'D01', fixture('department-v2'))).json();
    expect(dry).toMatchObject({ ok: true, counts: { created: 1, updated: 1, retired: 1 } });
    expect(dry.changes).toEqual(expect.arrayContaining([
      { code: 'N01', kinds: ['created'] }, { code: 'W01', kinds: ['renamed', 'geometry'] }, { code: 'E01', kinds: ['retired'] },
    ]));
    expect(await historyCount()).toBe(before);
    expect((await importDept(admin, 'D01', fixture('department-v2'), { dryRun: false })).json().applied).toBe(true);
    expect((await rows('D01')).map((r) => [r.code, r.name, r.status, r.version])).toEqual([
      ['E01', '东片服务区', 'retired', 2], ['N01', '西北服务区', 'active', 1], ['W01', '西南服务区', 'active', 2],
    ]);
    const history = (await t.request({ url: '/api/grids/departments/D01/history', cookie: admin })).json();
    expect(history.total).toBe(before + 3);
    const w = history.items.find((i: { code: string; change: string }) => i.code === 'W01' && i.change === 'updated');
    expect(w).toMatchObject({ username: 'admin', before: { name: '西片服务区' }, after: { name: '西南服务区' } });
    expect(w.after.geometry.type).toBe('Polygon');
    // The locator follows the import: the east is no longer covered, the north-west is N01.
    expect((await t.request({ url: `/api/grids/locate?lng=${east[0]}&lat=${east[1]}&department=D01`, cookie: admin })).json().department.grid).toBeNull();
    expect((await t.request({ url: `/api/grids/locate?lng=113.02&lat=28.15&department=D01`, cookie: admin })).json().department.grid.code).toBe('N01');
    // Importing the first file again restores E01.
    const restore = (await importDept(admin, 'D01', fixture('department-valid'), { dryRun: false })).json();
    expect(restore.counts).toMatchObject({ restored: 1, updated: 1, retired: 1 });
    expect((await rows('D01')).find((r) => r.code === 'E01')!.status).toBe('active');
  });

  it('two imports of one department at once: one wins, the other is a 409 or a no-op, never a half-written set', async () => {
    const actor = { userId: null, username: 'test', ip: null };
    const run = () => t.platform.grid.departments.importFile('D04', fixture('department-valid'), { dryRun: false }, actor, null).then(
      (r) => (r.counts.created === 2 ? 'created' : r.counts.unchanged === 2 ? 'unchanged' : 'other'),
      (e: { status?: number }) => (e.status === 409 ? 'conflict' : `error ${String(e)}`),
    );
    const outcomes = (await Promise.all([run(), run()])).sort();
    expect([['conflict', 'created'], ['created', 'unchanged']]).toContainEqual(outcomes);
    expect((await rows('D04')).map((r) => [r.code, r.status, r.version])).toEqual([['E01', 'active', 1], ['W01', 'active', 1]]);
  });

  it('suggests the department whose own grid covers the case as its lead (territory dispatch)', async () => {
    // D05 keeps the same two grids as D01; category 0303 names D02 first, then D05.
    expect((await importDept(admin, 'D05', fixture('department-valid'), { dryRun: false })).statusCode).toBe(200);
    const operator = await t.login('operator', DEMO_PASSWORD);
    const inside = await t.request({
      method: 'POST', url: '/api/incidents', cookie: operator,
      body: { channel: 'operator_phone', description: '道路破损', categoryCode: '0303', position: { lng: west[0], lat: west[1], crs: 'wgs84' } },
    });
    expect(inside.statusCode, inside.body).toBe(201);
    const detail = (await t.request({ url: `/api/incidents/${inside.json().incident.id}`, cookie: operator })).json();
    expect(detail.suggestedDispatch).toEqual({ leadDepartmentCode: 'D05', coHandlerDepartmentCodes: ['D02'] });
    // Without a position no territory applies: the category's order stands.
    const gridCode = detail.incident.gridCode as string;
    const nowhere = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: '道路破损', categoryCode: '0303', gridCode } });
    expect(nowhere.statusCode, nowhere.body).toBe(201);
    const plain = (await t.request({ url: `/api/incidents/${nowhere.json().incident.id}`, cookie: operator })).json();
    expect(plain.suggestedDispatch).toEqual({ leadDepartmentCode: 'D02', coHandlerDepartmentCodes: ['D05'] });
  });
});
