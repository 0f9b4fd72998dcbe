import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { replayTransactions } from '../support/replay.js';
import { gridHelper } from '../incidents/support.js';
import { offset, ok, patrolWorker, uuid, ymdOf, yesterdayNoon } from './support.js';

/**
 * Every workforce write with its transaction callback run twice (rolled back
 * once, as group commit or a deadlock retry may do): each effect and each
 * audit record exists once.
 */
describe.each(DIALECTS)('workforce writes with replayed transactions on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('writes each row and audit record once', async () => {
    const grids = await gridHelper(t);
    const unit = grids.units[0]!;
    const point = grids.pointIn(unit);
    const worker = await patrolWorker(t, 'replayed', unit);
    const admin = await t.login('admin');
    const replay = replayTransactions(t.platform);
    try {
      const team = ok<{ id: number }>(await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: unit.slice(0, 12) } }), 201);
      ok(await t.request({ method: 'POST', url: `/api/teams/${team.id}/members`, cookie: admin, body: { userId: worker.userId, roleCode: 'full_time_worker', gridCodes: [unit], fromDate: '2020-01-01' } }));
      ok(await t.request({ method: 'POST', url: `/api/teams/${team.id}/members`, cookie: admin, body: { name: '楼栋长', roleCode: 'building_head', gridCodes: [unit] } }));
      const start = yesterdayNoon();
      const patrol = uuid();
      ok(await t.request({ method: 'POST', url: '/api/patrols', cookie: worker.cookie, body: { id: patrol, startedAt: new Date(start).toISOString() } }), 201);
      const points = Array.from({ length: 20 }, (_, i) => ({ at: new Date(start + (i + 1) * 10_000).toISOString(), ...offset(point, 0, i * 12) }));
      expect(ok(await t.request({ method: 'POST', url: `/api/patrols/${patrol}/points`, cookie: worker.cookie, body: { points } }))).toEqual({ accepted: 20, duplicates: 0, outOfRange: 0 });
      const stopped = ok<{ pointCount: number; distanceM: number }>(await t.request({ method: 'POST', url: `/api/patrols/${patrol}/stop`, cookie: worker.cookie, body: { endedAt: new Date(start + 600_000).toISOString() } }));
      expect(stopped.pointCount).toBe(20);
      ok(await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id: uuid(), kind: 'in', at: new Date().toISOString(), position: point } }), 201);
      const today = ymdOf(Date.now());
      const leave = ok<{ id: number; version: number }>(await t.request({ method: 'POST', url: '/api/leave', cookie: worker.cookie, body: { id: uuid(), kind: 'sick', fromDate: today, toDate: today, reason: '病' } }), 201);
      ok(await t.request({ method: 'POST', url: `/api/leave/${leave.id}/approve`, cookie: admin, body: { version: leave.version } }));
      expect(replay.count).toBeGreaterThanOrEqual(8);
    } finally {
      replay.restore();
    }
    const db = t.platform.db.primary;
    const count = async (table: 'teams' | 'team_members' | 'patrols' | 'track_points' | 'clock_records' | 'leave_requests') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(await count('teams')).toBe(1);
    expect(await count('team_members')).toBe(2);
    expect(await count('patrols')).toBe(1);
    expect(await count('track_points')).toBe(20);
    expect(await count('clock_records')).toBe(1);
    expect(await count('leave_requests')).toBe(1);
    const patrolRow = await db.selectFrom('patrols').select(['point_count', 'distance_m']).executeTakeFirstOrThrow();
    expect(Number(patrolRow.point_count)).toBe(20);
    // The worker's own row (kept: same grid and kind) and the member without an account.
    const current = await db.selectFrom('grid_workers').select(['user_id', 'member_id']).where('to_date', 'is', null).where('grid_code', '=', unit).execute();
    expect(current.filter((r) => r.user_id === worker.userId)).toHaveLength(1);
    expect(current.filter((r) => r.user_id === null && r.member_id !== null)).toHaveLength(1);
    const actions = (await db.selectFrom('audit_log').select('action').where((eb) => eb.or([
      eb('action', 'like', 'team.%'), eb('action', 'like', 'patrol.%'), eb('action', 'like', 'attendance.%'), eb('action', 'like', 'leave.%'),
    ])).orderBy('seq').execute()).map((a) => a.action);
    expect(actions).toEqual(['team.create', 'team.member.add', 'team.member.add', 'patrol.start', 'patrol.points', 'patrol.stop', 'attendance.clock_in', 'leave.request', 'leave.approve']);
  });
});
