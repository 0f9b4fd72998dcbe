import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { principalFor } from '../../src/platform.js';
import { shanghaiDay } from '../../src/modules/command/rules/overview.js';
import type { CommandOverview } from '../../src/modules/command/overview.js';
import { act, D01_CATEGORY, gridHelper } from '../incidents/support.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { onRotaAllDay } from '../workforce/support.js';

const OPEN = ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified'];

describe.each(DIALECTS)('command overview (%s)', (dialect) => {
  let t: TestApp;
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let leader = '';
  let operator = '';
  let dispatcher = '';
  let street = '';
  let handler = '';
  let worker = '';
  let workerPoint = { lng: 0, lat: 0 };
  let myStreet = '';
  let otherStreet = '';
  const created: Record<string, { id: number; code: string }> = {};

  const report = async (streetCode: string, label: string) => {
    const unit = grids.units.find((u) => u.startsWith(streetCode))!;
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie: operator,
      body: { channel: 'operator_phone', description: label, position: { ...grids.pointIn(unit), crs: 'wgs84' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incident as { id: number; code: string };
  };
  const overview = async (cookie: string): Promise<CommandOverview> => {
    const res = await t.request({ url: '/api/command/overview', cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as CommandOverview;
  };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    grids = await gridHelper(t as never);
    [leader, operator, dispatcher, street, handler] = await Promise.all(['leader', 'operator', 'dispatcher', 'street', 'handler'].map((u) => t.login(u))) as [string, string, string, string, string];
    myStreet = (await principalFor(t.platform, (await t.platform.accounts.findUserId('street'))!))!.scopesFor('incidents.read')[0]!.code;
    otherStreet = grids.streets.find((s) => s !== myStreet)!;
    created.mineReported = await report(myStreet, '大屏：本街道新上报');
    created.mineRed = await report(myStreet, '大屏：本街道红灯');
    created.otherDispatched = await report(otherStreet, '大屏：另一街道已派遣');
    created.mineClosed = await report(myStreet, '大屏：本街道今日结案');
    for (const c of [created.mineRed!, created.otherDispatched!]) {
      expect((await act(t, operator, c.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    }
    expect((await act(t, dispatcher, created.otherDispatched!.id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    const db = t.platform.db.primary;
    // The clock sweep would mark it red once overdue: set what it writes.
    await db.updateTable('incidents').set({ warning: 'red', due_at: Date.now() - 60_000 }).where('id', '=', created.mineRed!.id).execute();
    // A case closed today, as the loop's last step leaves it (the loop itself is tested in test/incidents).
    const closing = await db.selectFrom('incidents').select(['status', 'event_count']).where('id', '=', created.mineClosed!.id).executeTakeFirstOrThrow();
    await db.insertInto('incident_events').values({
      incident_id: created.mineClosed!.id, seq: closing.event_count + 1, action: 'close', from_status: closing.status, to_status: 'closed',
      actor_user_id: null, actor_role: null, note: null, attachments: '[]', data: '{}', at: Date.now(),
    }).execute();
    await db.updateTable('incidents').set({ status: 'closed', is_open: 0, closed_at: Date.now(), due_at: null, event_count: closing.event_count + 1 }).where('id', '=', created.mineClosed!.id).execute();
    // The demo worker on patrol in their grid: two fixes, the later one is the position shown.
    worker = await t.login('worker');
    const workerGrid = (await db.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id').select('role_assignments.scope_code').where('users.username', '=', 'worker').executeTakeFirstOrThrow()).scope_code;
    const workerUnit = grids.units.find((u) => u.startsWith(workerGrid))!;
    workerPoint = grids.pointIn(workerUnit);
    // The screen shows workers on duty: on the rota now as well as on patrol.
    await onRotaAllDay(t, (await t.platform.accounts.findUserId('worker'))!, workerUnit);
    const patrolId = randomUUID();
    const started = Date.now() - 120_000;
    expect((await t.request({ method: 'POST', url: '/api/patrols', cookie: worker, body: { id: patrolId, startedAt: new Date(started).toISOString() } })).statusCode).toBe(201);
    const points = [
      { at: new Date(started + 10_000).toISOString(), lng: workerPoint.lng - 0.001, lat: workerPoint.lat, crs: 'wgs84' },
      { at: new Date(started + 60_000).toISOString(), lng: workerPoint.lng, lat: workerPoint.lat, crs: 'wgs84' },
    ];
    const added = await t.request({ method: 'POST', url: `/api/patrols/${patrolId}/points`, cookie: worker, body: { points } });
    expect(added.statusCode, added.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The same figures counted independently: every case read, then filtered in memory. */
  async function expected(prefix: string) {
    const db = t.platform.db.primary;
    const now = Date.now();
    const day = shanghaiDay(now);
    const rows = (await db.selectFrom('incidents').selectAll().execute()).filter((r) => r.grid_code.startsWith(prefix));
    const closedToday = new Set((await db.selectFrom('incident_events').select(['incident_id', 'at', 'to_status']).execute())
      .filter((e) => e.to_status === 'closed' && Number(e.at) >= day.start).map((e) => Number(e.incident_id)));
    const open = rows.filter((r) => OPEN.includes(r.status));
    const count = <T>(list: T[], key: (x: T) => string | null) => {
      const m = new Map<string | null, number>();
      for (const x of list) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
      return m;
    };
    const majors = new Map((await db.selectFrom('incident_categories').select(['code', 'major_code']).execute()).map((c) => [c.code, c.major_code]));
    return {
      reported: rows.filter((r) => Number(r.reported_at) >= day.start).length,
      closed: rows.filter((r) => r.status === 'closed' && closedToday.has(Number(r.id))).length,
      overdue: open.filter((r) => r.due_at != null && Number(r.due_at) < now).length,
      open: open.length,
      byStatus: count(open, (r) => r.status),
      byCategory: count(open, (r) => (r.category_code ? majors.get(r.category_code)! : null)),
      byStreet: count(open, (r) => r.grid_code.slice(0, 9)),
      red: open.filter((r) => r.warning === 'red').sort((a, b) => Number(a.due_at) - Number(b.due_at)).map((r) => r.code).slice(0, 50),
      positioned: open.filter((r) => r.lng != null).length,
    };
  }

  const asMap = (list: { code: string | null; count: number }[]) => new Map(list.map((x) => [x.code, x.count]));

  it('equals independent counts district-wide, with names and the ranking for a leader', async () => {
    const district = grids.streets[0]!.slice(0, 6);
    const [o, want] = [await overview(leader), await expected(district)];
    expect(o.today).toMatchObject({ reported: want.reported, closed: want.closed, overdue: want.overdue });
    expect(o.today.reported).toBeGreaterThanOrEqual(4);
    expect(o.today.closed).toBeGreaterThanOrEqual(1);
    expect(o.open.total).toBe(want.open);
    expect(asMap(o.open.byStatus)).toEqual(want.byStatus);
    expect(asMap(o.open.byCategory)).toEqual(want.byCategory);
    expect(asMap(o.open.byStreet)).toEqual(want.byStreet);
    expect(o.open.byStreet.every((s) => s.name)).toBe(true);
    expect(o.open.byCategory.filter((c) => c.code !== null).every((c) => c.name)).toBe(true);
    expect(o.redList.map((r) => r.code)).toEqual(want.red);
    const red = o.redList.find((r) => r.code === created.mineRed!.code)!;
    expect(red).toMatchObject({ status: 'registered', categoryName: expect.any(String), streetName: expect.any(String) });
    expect(o.cases.items.length).toBe(Math.min(want.positioned, 2000));
    expect(o.cases.items.map((c) => c.code)).toEqual(expect.arrayContaining([created.mineReported!.code, created.otherDispatched!.code]));
    expect(o.cases.items.map((c) => c.code)).not.toContain(created.mineClosed!.code);
    expect(o.ranking).not.toBeNull();
    expect(o.ranking!.from).toBe(`${o.today.date.slice(0, 8)}01`);
    const fix = o.workers!.find((w) => w.name === '网格员 陈静')!;
    expect(fix).toMatchObject({ gridName: expect.any(String) });
    expect(fix.lng).toBeCloseTo(workerPoint.lng, 5);
    expect(fix.lat).toBeCloseTo(workerPoint.lat, 5);
    expect(o.workers!.filter((w) => w.name === '网格员 陈静')).toHaveLength(1);
    // No internal id of a person on the screen's answer.
    expect(JSON.stringify(o.workers)).not.toMatch(/userId|user_id/);
  });

  it('shows a street operator only their street', async () => {
    const [o, want] = [await overview(street), await expected(myStreet)];
    expect(o.today).toMatchObject({ reported: want.reported, closed: want.closed, overdue: want.overdue });
    expect(o.open.total).toBe(want.open);
    expect(asMap(o.open.byStatus)).toEqual(want.byStatus);
    expect(o.open.byStreet.map((s) => s.code)).toEqual([myStreet]);
    expect(o.redList.map((r) => r.code)).toEqual(want.red);
    expect(o.redList.map((r) => r.code)).toContain(created.mineRed!.code);
    const codes = o.cases.items.map((c) => c.code);
    expect(codes).toContain(created.mineReported!.code);
    expect(codes).not.toContain(created.otherDispatched!.code);
    expect(JSON.stringify(o)).not.toContain(created.otherDispatched!.code);
    // The worker patrols in the street account's street (the demo's first), so the street sees them too.
    expect(o.workers!.map((w) => w.name)).toContain('网格员 陈静');
  });

  it('leaves out the ranking and workers for a role without those permissions, and refuses the anonymous', async () => {
    const o = await overview(handler);
    expect(o.ranking).toBeNull();
    expect(o.workers).toBeNull();
    // A department sees the cases on its department: the dispatched one, not the street's undispatched ones.
    expect(o.cases.items.map((c) => c.code)).toContain(created.otherDispatched!.code);
    expect(o.cases.items.map((c) => c.code)).not.toContain(created.mineReported!.code);
    expect((await t.request({ url: '/api/command/overview' })).statusCode).toBe(401);
  });
});
