import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper } from '../incidents/support.js';
import { offset, ok, patrolWorker, uuid, ymdOf } from '../workforce/support.js';

const SHANGHAI_MS = 8 * 3_600_000;
const DAY = 86_400_000;

/**
 * On duty reads the rota (issue 17): the nearest-worker list, sending a
 * worker, and the big screen's worker layer list only workers whose shift
 * covers now, who are not on approved leave, and who are at work (clocked in
 * or patrolling). Six workers of one unit grid, each patrolling or with a
 * recent fix, differ in one of these.
 */
describe.each(DIALECTS)('on duty by the rota on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let operator: string;
  let dispatcher: string;
  let point: { lng: number; lat: number };
  let teamId: number;
  const w: Record<string, { cookie: string; userId: number }> = {};

  beforeAll(async () => {
    t = await openTestApp(dialect);
    [admin, operator, dispatcher] = [await t.login('admin'), await t.login('operator'), await t.login('dispatcher')];
    const grids = await gridHelper(t);
    const unit = grids.units[0]!;
    point = grids.pointIn(unit);
    // The team's shift is 00:00–23:59 every day; in the day's last minute wait for the next day rather than fall outside it.
    const local = (Date.now() + SHANGHAI_MS) % DAY;
    if (local >= DAY - 61_000) await new Promise((r) => setTimeout(r, DAY - local + 1000));
    for (const name of ['d_on', 'd_in', 'd_out', 'd_dayoff', 'd_leave', 'd_noteam']) w[name] = await patrolWorker(t, name, unit);
    const team = ok<{ id: number; version: number }>(await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: unit.slice(0, 12) } }), 201);
    teamId = team.id;
    const allDay = { start: '00:00', end: '23:59' };
    ok(await t.request({ method: 'PUT', url: `/api/teams/${teamId}/rota`, cookie: admin, body: { weekly: Array(7).fill(allDay), followCalendar: false, version: team.version } }));
    const today = ymdOf(Date.now());
    // A team has one full-time member; the others are part-time (both kinds patrol).
    for (const name of ['d_on', 'd_in', 'd_out', 'd_dayoff', 'd_leave']) {
      ok(await t.request({ method: 'POST', url: `/api/teams/${teamId}/members`, cookie: admin, body: { userId: w[name]!.userId, roleCode: name === 'd_on' ? 'full_time_worker' : 'part_time_worker', gridCodes: [unit], fromDate: today } }));
    }
    const detail = ok<{ members: { id: number; userId: number | null }[] }>(await t.request({ url: `/api/teams/${teamId}`, cookie: admin }));
    const dayOffMember = detail.members.find((m) => m.userId === w.d_dayoff!.userId)!.id;
    ok(await t.request({ method: 'POST', url: `/api/teams/${teamId}/rota/exceptions`, cookie: admin, body: { date: today, memberId: dayOffMember, shift: null, note: '调休' } }), 201);
    ok(await t.request({ method: 'POST', url: `/api/teams/${teamId}/leave`, cookie: admin, body: { id: uuid(), userId: w.d_leave!.userId, kind: 'sick', fromDate: today, toDate: today, reason: '病假' } }), 201);

    const now = Date.now();
    const clock = async (name: string, kind: 'in' | 'out', at: number) =>
      ok(await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: w[name]!.cookie, body: { id: uuid(), kind, at: new Date(at).toISOString(), position: point } }), 201);
    // Each worker walks a few metres from the case: every one has a fresh fix.
    const patrol = async (name: string, eastM: number, stop: boolean) => {
      const id = uuid();
      ok(await t.request({ method: 'POST', url: '/api/patrols', cookie: w[name]!.cookie, body: { id, startedAt: new Date(now - 20_000).toISOString(), position: point } }), 201);
      ok(await t.request({ method: 'POST', url: `/api/patrols/${id}/points`, cookie: w[name]!.cookie, body: { points: [{ ...offset(point, eastM), at: new Date(now - 10_000).toISOString() }] } }));
      if (stop) ok(await t.request({ method: 'POST', url: `/api/patrols/${id}/stop`, cookie: w[name]!.cookie, body: { endedAt: new Date(now - 5000).toISOString() } }));
    };
    // d_on: on patrol, never clocked in. d_in: clocked in, patrol over. d_out: clocked in and out, patrol over.
    await patrol('d_on', 10, false);
    await clock('d_in', 'in', now - 60_000);
    await patrol('d_in', 20, true);
    await clock('d_out', 'in', now - 60_000);
    await clock('d_out', 'out', now - 2000);
    await patrol('d_out', 30, true);
    // On patrol and clocked in, but off by the rota: a day off, approved leave, no team at all.
    for (const [name, m] of [['d_dayoff', 40], ['d_leave', 50], ['d_noteam', 60]] as const) {
      await clock(name, 'in', now - 60_000);
      await patrol(name, m, false);
    }
  });
  afterAll(async () => t?.close());

  it('lists for dispatch only the workers on the rota now who are at work, and refuses to send another', async () => {
    const created = ok<{ incident: { id: number } }>(await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: '路灯不亮 在岗', position: { ...point, crs: 'wgs84' } } }), 201);
    const id = created.incident.id;
    const near = ok<{ workers: { userId: number; distanceM: number }[] }>(await t.request({ url: `/api/command/cases/${id}/nearest-workers?limit=50`, cookie: dispatcher }));
    const listed = new Set(near.workers.map((x) => x.userId));
    expect(listed.has(w.d_on!.userId)).toBe(true);
    expect(listed.has(w.d_in!.userId)).toBe(true);
    for (const name of ['d_out', 'd_dayoff', 'd_leave', 'd_noteam']) expect(listed.has(w[name]!.userId), name).toBe(false);
    // Nearest first: d_on walked 10 m east, d_in 20 m.
    const ours = near.workers.filter((x) => x.userId === w.d_on!.userId || x.userId === w.d_in!.userId).map((x) => x.userId);
    expect(ours).toEqual([w.d_on!.userId, w.d_in!.userId]);

    for (const name of ['d_dayoff', 'd_leave', 'd_noteam']) {
      const sent = await t.request({ method: 'POST', url: `/api/command/cases/${id}/field-tasks`, cookie: dispatcher, body: { userId: w[name]!.userId, kind: 'inspect' } });
      expect(sent.statusCode, name).toBe(422);
      expect(sent.json().code).toBe('FIELD_WORKER_NOT_ON_DUTY');
    }
    ok(await t.request({ method: 'POST', url: `/api/command/cases/${id}/field-tasks`, cookie: dispatcher, body: { userId: w.d_in!.userId, kind: 'inspect' } }));
  });

  it('shows on the big screen only the patrolling workers on duty', async () => {
    const overview = ok<{ workers: { name: string }[] | null }>(await t.request({ url: '/api/command/overview', cookie: admin }));
    const names = new Set(overview.workers!.map((x) => x.name));
    expect(names.has('d_on')).toBe(true);
    for (const name of ['d_dayoff', 'd_leave', 'd_noteam']) expect(names.has(name), name).toBe(false);
    // d_in is on duty but not patrolling: the layer shows running patrols only.
    expect(names.has('d_in')).toBe(false);
  });

  it('ends duty with the shift: the same workers at the shift\'s end are off', async () => {
    const ids = Object.values(w).map((x) => x.userId);
    const patrolling = new Set(ids);
    const db = t.platform.db.primary;
    const now = Date.now();
    const nowOn = await t.platform.workforce.duty.onDuty(db, ids, patrolling, now);
    expect([...nowOn].sort()).toEqual([w.d_on!.userId, w.d_in!.userId, w.d_out!.userId].sort());
    const midnight = Math.floor((now + SHANGHAI_MS) / DAY) * DAY - SHANGHAI_MS;
    expect((await t.platform.workforce.duty.onDuty(db, ids, patrolling, midnight + (23 * 60 + 59) * 60_000)).size).toBe(0);
  });
});
