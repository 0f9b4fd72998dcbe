import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';

/**
 * The grid card's incident counts (open / overdue / reported in the last 30
 * days) over the grid's subtree, in the caller's incidents.read scope, and
 * absent without incidents.read.
 */
describe.each(DIALECTS)('grid card incident counts on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let streetA: string;
  let streetB: string;
  let unitA: string;
  let unitA2: string;
  let unitB: string;
  const DAY = 86_400_000;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    const db = t.platform.db.primary;
    const streets = await db.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').execute();
    [streetA, streetB] = [streets[0]!.code, streets[1]!.code];
    const unitsA = await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${streetA}%`).orderBy('code').limit(2).execute();
    [unitA, unitA2] = [unitsA[0]!.code, unitsA[1]!.code];
    unitB = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${streetB}%`).orderBy('code').executeTakeFirstOrThrow()).code;

    const operator = await t.login('operator');
    const report = async (gridCode: string) => {
      const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: '井盖缺失', gridCode } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().incident.id as number;
    };
    const now = Date.now();
    // unitA: one open on time, one open overdue, one closed 10 days ago, one closed 40 days ago (outside the 30 days).
    const onTime = await report(unitA);
    const overdue = await report(unitA);
    const closed = await report(unitA2);
    const old = await report(unitA2);
    await db.updateTable('incidents').set({ due_at: now + DAY }).where('id', '=', onTime).execute();
    await db.updateTable('incidents').set({ due_at: now - DAY }).where('id', '=', overdue).execute();
    await db.updateTable('incidents').set({ is_open: 0, status: 'closed', due_at: null, reported_at: now - 10 * DAY }).where('id', '=', closed).execute();
    await db.updateTable('incidents').set({ is_open: 0, status: 'closed', due_at: null, reported_at: now - 40 * DAY }).where('id', '=', old).execute();
    // unitB: one open overdue, led by D02.
    const b = await report(unitB);
    await db.updateTable('incidents').set({ due_at: now - DAY, lead_department_code: 'D02' }).where('id', '=', b).execute();

    // A map-only role: grid.read without incidents.read.
    const role = await t.request({ method: 'POST', url: '/api/admin/roles', cookie: admin, body: { code: 'map_viewer', name: '地图查看', nameEn: 'Map viewer', permissions: ['grid.read'] } });
    expect(role.statusCode, role.body).toBe(201);
    for (const [username, roleCode, kind, scopeCode] of [
      ['viewer', 'map_viewer', 'grid', '430111'],
      ['leader_a', 'leader', 'grid', streetA],
      ['handler_d02', 'handler', 'department', 'D02'],
    ] as const) {
      const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
      const id = res.json().user.id as number;
      const grant = await t.request({ method: 'POST', url: `/api/admin/users/${id}/assignments`, cookie: admin, body: { role: roleCode, scopeKind: kind, scopeCode } });
      expect(grant.statusCode, grant.body).toBe(201);
      await db.updateTable('users').set({ must_change_password: 0 }).where('id', '=', id).execute();
    }
  });
  afterAll(async () => t?.close());

  const card = async (code: string, cookie: string) => (await t.request({ url: `/api/grids/${code}`, cookie })).json();

  it('counts the subtree by grid code prefix: open, overdue now, reported in the last 30 days', async () => {
    expect((await card(unitA, admin)).incidents).toEqual({ open: 2, overdue: 1, last30Days: 2 });
    expect((await card(unitA2, admin)).incidents).toEqual({ open: 0, overdue: 0, last30Days: 1 });
    expect((await card(streetA, admin)).incidents).toEqual({ open: 2, overdue: 1, last30Days: 3 });
    expect((await card('430111', admin)).incidents).toEqual({ open: 3, overdue: 2, last30Days: 4 });
  });

  it("counts only the incidents of the caller's incident scope", async () => {
    // Street A's leader sees the district card (an ancestor) with street A's incidents only.
    const leader = await t.login('leader_a', DEMO_PASSWORD);
    expect((await card('430111', leader)).incidents).toEqual({ open: 2, overdue: 1, last30Days: 3 });
    // A D02 handler sees the whole map, but only D02's incidents.
    const handler = await t.login('handler_d02', DEMO_PASSWORD);
    expect((await card('430111', handler)).incidents).toEqual({ open: 1, overdue: 1, last30Days: 1 });
    expect((await card(unitA, handler)).incidents).toEqual({ open: 0, overdue: 0, last30Days: 0 });
  });

  it('omits the counts without incidents.read', async () => {
    const viewer = await t.login('viewer', DEMO_PASSWORD);
    const c = await card(unitA, viewer);
    expect(c.code).toBe(unitA);
    expect(c).not.toHaveProperty('incidents');
  });
});
