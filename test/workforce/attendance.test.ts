import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, userWith } from '../incidents/support.js';
import { offset, ok, patrolWorker, uuid, ymdOf, yesterdayNoon } from './support.js';

interface Row {
  status: string;
  leave: string | null;
  lateMinutes: number;
  firstIn: string | null;
  patrolSeconds: number;
  distanceM: number;
  casesReported: number;
  worker: { userId: number; displayName: string; communityName: string; streetName: string };
}

/** Attendance of a team over real clock records, patrols, leave and reported cases; the month's XLSX. */
describe.each(DIALECTS)('attendance on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let community: string;
  let unit: string;
  let point: { lng: number; lat: number };
  const users: Record<string, { cookie: string; userId: number }> = {};
  const noon = yesterdayNoon();
  const Y = ymdOf(noon);
  const month = Y.slice(0, 7);
  /** Yesterday at a local wall-clock time. */
  const at = (h: number, m = 0) => new Date(noon + (h - 12) * 3_600_000 + m * 60_000).toISOString();

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    const grids = await gridHelper(t);
    unit = grids.units[0]!;
    community = unit.slice(0, 12);
    point = grids.pointIn(unit);
    for (const name of ['w_on', 'w_absent', 'w_leave', 'w_pending']) users[name] = await patrolWorker(t, name, unit);
    const team = ok<{ id: number; version: number }>(await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: community } }), 201);
    const every = { start: '08:30', end: '17:30' };
    const rota = ok<{ version: number }>(await t.request({ method: 'PUT', url: `/api/teams/${team.id}/rota`, cookie: admin, body: { weekly: Array(7).fill(every), followCalendar: false, version: team.version } }));
    expect(rota.version).toBe(team.version + 1);
    for (const [name, role] of [['w_on', 'full_time_worker'], ['w_absent', 'part_time_worker'], ['w_leave', 'part_time_worker'], ['w_pending', 'part_time_worker']] as const) {
      ok(await t.request({ method: 'POST', url: `/api/teams/${team.id}/members`, cookie: admin, body: { userId: users[name]!.userId, roleCode: role, gridCodes: [unit], fromDate: Y } }));
    }
    const w = users.w_on!;
    // Late by 20 minutes, out after the end, one hour of patrol walking 600 m.
    ok(await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: w.cookie, body: { id: uuid(), kind: 'in', at: at(8, 50), position: point } }), 201);
    ok(await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: w.cookie, body: { id: uuid(), kind: 'out', at: at(17, 40), position: point } }), 201);
    const patrol = uuid();
    ok(await t.request({ method: 'POST', url: '/api/patrols', cookie: w.cookie, body: { id: patrol, startedAt: at(9) } }), 201);
    const points = Array.from({ length: 51 }, (_, i) => ({ at: at(9, (i * 60) / 50), ...offset(point, 0, i * 12) }));
    ok(await t.request({ method: 'POST', url: `/api/patrols/${patrol}/points`, cookie: w.cookie, body: { points } }));
    ok(await t.request({ method: 'POST', url: `/api/patrols/${patrol}/stop`, cookie: w.cookie, body: { endedAt: at(10) } }));
    // Leave: one approved, one still pending.
    const asked = ok<{ id: number; version: number }>(await t.request({ method: 'POST', url: '/api/leave', cookie: users.w_leave!.cookie, body: { id: uuid(), kind: 'sick', fromDate: Y, toDate: Y, reason: '病假' } }), 201);
    ok(await t.request({ method: 'POST', url: `/api/leave/${asked.id}/approve`, cookie: admin, body: { version: asked.version } }));
    ok(await t.request({ method: 'POST', url: '/api/leave', cookie: users.w_pending!.cookie, body: { id: uuid(), kind: 'personal', fromDate: Y, toDate: Y, reason: '事假' } }), 201);
  });
  afterAll(async () => t?.close());

  it('judges each worker\'s day', async () => {
    const day = ok<{ rows: Row[]; counts: Record<string, number> }>(await t.request({ url: `/api/attendance/day?date=${Y}`, cookie: admin }));
    const by = (name: string) => day.rows.find((r) => r.worker.userId === users[name]!.userId)!;
    expect(day.rows).toHaveLength(4);
    expect(by('w_on')).toMatchObject({ status: 'late', lateMinutes: 20, firstIn: new Date(at(8, 50)).toISOString(), patrolSeconds: 3600 });
    expect(Math.abs(by('w_on').distanceM - 600)).toBeLessThanOrEqual(2);
    expect(by('w_absent')).toMatchObject({ status: 'absent', leave: null });
    expect(by('w_leave')).toMatchObject({ status: 'leave', leave: 'approved' });
    expect(by('w_pending')).toMatchObject({ status: 'absent', leave: 'pending' });
    expect(day.counts).toEqual({ late: 1, absent: 2, leave: 1 });
    expect(by('w_on').worker.communityName).toMatch(/社区|村/);
  });

  it('counts the cases a worker reported on the day', async () => {
    const w = users.w_on!;
    ok(await t.request({ method: 'POST', url: '/api/incidents', cookie: w.cookie, body: { channel: 'grid_worker', description: '垃圾满溢', position: { ...point, crs: 'wgs84' } } }), 201);
    const today = ok<{ rows: Row[] }>(await t.request({ url: `/api/attendance/day?date=${ymdOf(Date.now())}`, cookie: admin }));
    expect(today.rows.find((r) => r.worker.userId === w.userId)!.casesReported).toBe(1);
  });

  it('sums the month per worker, community and street, in the caller scope only', async () => {
    const report = ok<{ workers: { worker: { userId: number }; totals: Record<string, number> }[]; communities: { code: string; workers: number }[]; streets: { code: string }[] }>(
      await t.request({ url: `/api/attendance/month?month=${month}`, cookie: admin }),
    );
    const totals = (name: string) => report.workers.find((w) => w.worker.userId === users[name]!.userId)!.totals;
    expect(totals('w_on')).toMatchObject({ lateDays: 1, lateMinutes: 20, patrolCount: 1, patrolSeconds: 3600 });
    expect(totals('w_leave')).toMatchObject({ leaveDays: 1 });
    expect(report.communities).toMatchObject([{ code: community, workers: 4 }]);
    expect(report.streets.map((s) => s.code)).toEqual([community.slice(0, 9)]);

    const worker = ok<{ days: { date: string; status: string }[] }>(await t.request({ url: `/api/attendance/worker?userId=${users.w_on!.userId}&month=${month}`, cookie: admin }));
    expect(worker.days.find((d) => d.date === Y)!.status).toBe('late');
    const mine = ok<{ days: { date: string; status: string }[]; clocksToday: unknown[] }>(await t.request({ url: `/api/attendance/mine?month=${month}`, cookie: users.w_on!.cookie }));
    expect(mine.days.find((d) => d.date === Y)!.status).toBe('late');

    const otherStreet = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'street').where('code', '!=', community.slice(0, 9)).executeTakeFirstOrThrow()).code;
    const outsider = await userWith(t, 'st_other', 'street_operator', otherStreet);
    expect(ok<{ rows: unknown[] }>(await t.request({ url: `/api/attendance/day?date=${Y}`, cookie: outsider })).rows).toEqual([]);
    expect((await t.request({ url: `/api/attendance/worker?userId=${users.w_on!.userId}&month=${month}`, cookie: outsider })).statusCode).toBe(404);
    expect(ok<{ rows: unknown[] }>(await t.request({ url: `/api/attendance/day?date=${Y}&grid=${otherStreet}`, cookie: admin })).rows).toEqual([]);
    expect((await t.request({ url: '/api/attendance/month?month=2026-13', cookie: admin })).statusCode).toBe(400);
  });

  it('exports the month as XLSX with Chinese headers and names', async () => {
    const res = await t.request({ url: `/api/attendance/export?month=${month}`, cookie: admin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const stamp = ymdOf(Date.now()).replaceAll('-', '');
    const disposition = String(res.headers['content-disposition']);
    expect(disposition).toContain(`filename="attendance-${month}-${stamp}.xlsx"`);
    expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent(`考勤-${month}-导出${stamp}.xlsx`)}`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['人员汇总', '社区汇总', '街道汇总', '每日明细']);
    const people = wb.getWorksheet('人员汇总')!;
    expect((people.getRow(1).values as unknown[]).slice(1, 7)).toEqual(['街道', '社区', '队伍', '姓名', '角色', '应出勤天数']);
    const names = people.getColumn(4).values.slice(2);
    expect(names).toEqual(expect.arrayContaining(['w_on', 'w_absent', 'w_leave', 'w_pending']));
    const daily = wb.getWorksheet('每日明细')!;
    const lateRow = daily.getSheetValues().find((r) => Array.isArray(r) && r[1] === Y && r[4] === 'w_on') as unknown[];
    expect(lateRow[6]).toBe('迟到');
    expect(lateRow[7]).toBe('08:50');
  });
});
