import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, userWith } from '../incidents/support.js';
import { offset, ok, patrolWorker, uuid, westmost, ymdOf, yesterdayNoon } from './support.js';

/**
 * The worker app's contract (docs/workforce.md, "API"): /me, patrols with
 * their points, stop, clock records, and the console's day of one worker.
 */
describe.each(DIALECTS)('patrols and clock records on %s', (dialect) => {
  let t: TestApp;
  let unitA: string;
  let unitB: string;
  let inA: { lng: number; lat: number };
  let worker: { cookie: string; userId: number };
  let other: { cookie: string; userId: number };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    const grids = await gridHelper(t);
    const [streetA, streetB] = grids.streets as [string, string];
    unitA = grids.units.find((u) => u.startsWith(streetA))!;
    unitB = grids.units.find((u) => u.startsWith(streetB))!;
    inA = grids.pointIn(unitA);
    worker = await patrolWorker(t, 'walker_a', unitA);
    other = await patrolWorker(t, 'walker_b', unitB);
  });
  afterAll(async () => t?.close());

  it('/me answers the worker\'s context, 403 to anyone without a grid', async () => {
    const me = ok<{ userId: number; grids: { code: string }[]; team: unknown; clockToleranceM: number; activePatrol: unknown; clockedIn: unknown; onLeaveToday: boolean }>(
      await t.request({ url: '/api/workforce/me', cookie: worker.cookie }),
    );
    expect(me.userId).toBe(worker.userId);
    expect(me.grids.map((g) => g.code)).toEqual([unitA]);
    expect(me).toMatchObject({ team: null, clockToleranceM: 50, activePatrol: null, clockedIn: null, onLeaveToday: false });
    // A grid worker by role but with no grid assigned.
    const unassigned = await userWith(t, 'no_grid', 'grid_worker', unitA);
    const refused = await t.request({ url: '/api/workforce/me', cookie: unassigned });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('WORKFORCE_NOT_GRID_WORKER');
    // Someone without the permission at all.
    expect((await t.request({ url: '/api/workforce/me', cookie: await t.login('dispatcher') })).statusCode).toBe(403);
  });

  it('starts, feeds and stops a patrol; every write is safe to retry', async () => {
    const id = uuid();
    const start = yesterdayNoon();
    const started = await t.request({ method: 'POST', url: '/api/patrols', cookie: worker.cookie, body: { id, startedAt: new Date(start).toISOString(), position: { ...inA } } });
    expect(ok(started, 201)).toMatchObject({ id, userId: worker.userId, endedAt: null, distanceM: 0, pointCount: 0 });
    // The same again: the first result, 200.
    const again = await t.request({ method: 'POST', url: '/api/patrols', cookie: worker.cookie, body: { id, startedAt: new Date(start).toISOString(), position: { ...inA } } });
    expect(ok(again)).toEqual(started.json());
    // The same id with other content.
    const mismatch = await t.request({ method: 'POST', url: '/api/patrols', cookie: worker.cookie, body: { id, startedAt: new Date(start + 1000).toISOString() } });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().code).toBe('IDEMPOTENCY_MISMATCH');
    // Another patrol while this one runs.
    const second = await t.request({ method: 'POST', url: '/api/patrols', cookie: worker.cookie, body: { id: uuid(), startedAt: new Date(start + 60_000).toISOString() } });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'PATROL_ALREADY_ACTIVE', details: { activePatrolId: id } });

    // 30 points, 10 s apart, walking 12 m north each time: 348 m, with one GPS jump in the middle.
    const points = Array.from({ length: 30 }, (_, i) => ({ at: new Date(start + (i + 1) * 10_000).toISOString(), ...offset(inA, 0, 12 * i), accuracyM: 8 }));
    points[15] = { ...points[15]!, ...offset(inA, 3000, 12 * 15) };
    // Sent out of order and in two overlapping batches, as an offline phone would.
    const late = await t.request({ method: 'POST', url: `/api/patrols/${id}/points`, cookie: worker.cookie, body: { points: points.slice(10).reverse() } });
    expect(ok(late)).toEqual({ accepted: 20, duplicates: 0, outOfRange: 0 });
    const early = await t.request({ method: 'POST', url: `/api/patrols/${id}/points`, cookie: worker.cookie, body: { points: points.slice(0, 15) } });
    expect(ok(early)).toEqual({ accepted: 10, duplicates: 5, outOfRange: 0 });
    // Points of someone else's patrol, and malformed ones.
    expect((await t.request({ method: 'POST', url: `/api/patrols/${id}/points`, cookie: other.cookie, body: { points: points.slice(0, 1) } })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: `/api/patrols/${id}/stop`, cookie: other.cookie, body: { endedAt: new Date(start + 60_000).toISOString() } })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: `/api/patrols/${id}/points`, cookie: worker.cookie, body: { points: [{ at: 'yesterday', lng: 1, lat: 2 }] } })).statusCode).toBe(400);
    expect((await t.request({ method: 'POST', url: `/api/patrols/${id}/points`, cookie: worker.cookie, body: { points: [] } })).statusCode).toBe(400);
    const tooMany = Array.from({ length: 501 }, (_, i) => ({ at: new Date(start + i * 1000).toISOString(), ...inA }));
    expect((await t.request({ method: 'POST', url: `/api/patrols/${id}/points`, cookie: worker.cookie, body: { points: tooMany } })).statusCode).toBe(400);

    const endedAt = new Date(start + 300_000).toISOString();
    const stopped = ok<{ endedAt: string; distanceM: number; durationS: number; pointCount: number }>(
      await t.request({ method: 'POST', url: `/api/patrols/${id}/stop`, cookie: worker.cookie, body: { endedAt } }),
    );
    expect(stopped).toMatchObject({ endedAt: new Date(Date.parse(endedAt)).toISOString(), durationS: 300, pointCount: 30 });
    // 29 steps of 12 m with the jump dropped: the step across it counts 24 m, so 29 × 12.
    expect(stopped.distanceM).toBeGreaterThan(345);
    expect(stopped.distanceM).toBeLessThan(351);
    expect(ok(await t.request({ method: 'POST', url: `/api/patrols/${id}/stop`, cookie: worker.cookie, body: { endedAt } }))).toEqual(stopped);
    const restop = await t.request({ method: 'POST', url: `/api/patrols/${id}/stop`, cookie: worker.cookie, body: { endedAt: new Date(start + 301_000).toISOString() } });
    expect(restop.statusCode).toBe(409);
    expect(restop.json().code).toBe('PATROL_ALREADY_STOPPED');

    // A point that arrives after the stop but lies inside the patrol counts; one after its end does not.
    const after = await t.request({
      method: 'POST', url: `/api/patrols/${id}/points`, cookie: worker.cookie,
      body: { points: [{ at: new Date(start + 305_000).toISOString(), ...offset(inA, 0, 12 * 30) }, { at: new Date(start + 290_000).toISOString(), ...offset(inA, 0, 12 * 29) }] },
    });
    expect(ok(after)).toEqual({ accepted: 0, duplicates: 1, outOfRange: 1 });
    const lastOne = await t.request({
      method: 'POST', url: `/api/patrols/${id}/points`, cookie: worker.cookie,
      body: { points: [{ at: new Date(start + 299_000).toISOString(), ...offset(inA, 0, 12 * 29.5) }] },
    });
    expect(ok(lastOne)).toEqual({ accepted: 1, duplicates: 0, outOfRange: 0 });
    const day = ok<{ patrols: { distanceM: number; pointCount: number }[] }>(
      await t.request({ url: `/api/patrols/mine?date=${ymdOf(start)}`, cookie: worker.cookie }),
    );
    expect(day.patrols).toHaveLength(1);
    expect(day.patrols[0]!.pointCount).toBe(31);
    // The late point moves the end of the walk 6 m on (336 m to point 28, 18 m to it; 6 m to point 29 is GPS wander).
    expect(Math.abs(day.patrols[0]!.distanceM - 354)).toBeLessThanOrEqual(1);

    const actions = (await t.platform.db.primary.selectFrom('audit_log').select('action').where('object_id', '=', id).orderBy('seq').execute()).map((a) => a.action);
    expect(actions).toEqual(['patrol.start', 'patrol.points', 'patrol.points', 'patrol.stop', 'patrol.points']);
  });

  it('refuses times out of range', async () => {
    const old = await t.request({ method: 'POST', url: '/api/patrols', cookie: worker.cookie, body: { id: uuid(), startedAt: new Date(Date.now() - 73 * 3_600_000).toISOString() } });
    expect(old.statusCode).toBe(400);
    expect(old.json().code).toBe('WORKFORCE_TIME_OUT_OF_RANGE');
    const ahead = await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id: uuid(), kind: 'in', at: new Date(Date.now() + 10 * 60_000).toISOString(), position: inA } });
    expect(ahead.statusCode).toBe(400);
  });

  it('clocks in only inside or near the worker\'s grids', async () => {
    const at = new Date().toISOString();
    const id = uuid();
    const inside = await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id, kind: 'in', at, position: { ...inA, accuracyM: 10 } } });
    expect(ok(inside, 201)).toMatchObject({ id, kind: 'in', gridCode: unitA, distanceM: 0 });
    expect(ok(await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id, kind: 'in', at, position: { ...inA, accuracyM: 10 } } }))).toEqual(inside.json());
    const reused = await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id, kind: 'out', at, position: inA } });
    expect(reused.json().code).toBe('IDEMPOTENCY_MISMATCH');

    // 30 m west of the grid's westmost vertex: 30 m from the grid, within the 50 m allowed.
    const west = await westmost(t, unitA);
    const near = await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id: uuid(), kind: 'out', at, position: offset(west, -30) } });
    const nearRecord = ok<{ distanceM: number; gridCode: string }>(near, 201);
    expect(nearRecord.gridCode).toBe(unitA);
    expect(Math.abs(nearRecord.distanceM - 30)).toBeLessThanOrEqual(1);

    const far = await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id: uuid(), kind: 'out', at, position: offset(west, -230) } });
    expect(far.statusCode).toBe(422);
    expect(far.json().code).toBe('CLOCK_OUTSIDE_GRID');
    expect(far.json().details).toMatchObject({ toleranceM: 50, nearestGridCode: unitA });
    expect(Math.abs(far.json().details.distanceM - 230)).toBeLessThanOrEqual(1);
    expect(far.json().message).toBe(`不在您负责的网格范围内：距网格 ${far.json().details.distanceM} 米（允许 50 米）`);
    const farEn = await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, headers: { 'accept-language': 'en' }, body: { id: uuid(), kind: 'out', at, position: offset(west, -230) } });
    expect(farEn.json().message).toBe(`You are outside your grids: ${far.json().details.distanceM} m away (50 m allowed)`);
    // A GCJ-02 position from a phone map SDK is converted before the check.
    const { wgs84ToGcj02 } = await import('../../src/modules/grid/rules/coords.js');
    const [gx, gy] = wgs84ToGcj02(inA.lng, inA.lat);
    const gcj = await t.request({ method: 'POST', url: '/api/attendance/clock', cookie: worker.cookie, body: { id: uuid(), kind: 'in', at, position: { lng: gx, lat: gy, crs: 'gcj02' } } });
    expect(ok(gcj, 201)).toMatchObject({ gridCode: unitA, distanceM: 0 });

    const me = ok<{ clockedIn: { at: string } | null }>(await t.request({ url: '/api/workforce/me', cookie: worker.cookie }));
    expect(me.clockedIn).toEqual({ at: new Date(Date.parse(at)).toISOString() });
  });

  it('shows a worker\'s day to the console in scope, with the cases the worker reported', async () => {
    const start = yesterdayNoon();
    const supervisor = await t.login('supervisor');
    const track = ok<{ patrols: unknown[]; track: { features: { properties: { times: string[] }; geometry: { coordinates: unknown[] } }[] } }>(
      await t.request({ url: `/api/patrols/track?userId=${worker.userId}&date=${ymdOf(start)}`, cookie: supervisor }),
    );
    expect(track.patrols).toHaveLength(1);
    const line = track.track.features[0]!;
    // 31 points, the jump left out.
    expect(line.geometry.coordinates).toHaveLength(30);
    expect(line.properties.times).toHaveLength(30);
    expect(line.properties.times).toEqual([...line.properties.times].sort());

    // A case the worker reports today shows on today's replay.
    const report = await t.request({ method: 'POST', url: '/api/incidents', cookie: worker.cookie, body: { channel: 'grid_worker', description: '井盖缺失', position: { ...inA, crs: 'wgs84' } } });
    const incident = ok<{ incident: { id: number; code: string } }>(report, 201).incident;
    const today = ok<{ incidents: { id: number; code: string }[]; clocks: unknown[]; gridCodes: string[]; displayName: string }>(
      await t.request({ url: `/api/patrols/track?userId=${worker.userId}&date=${ymdOf(Date.now())}`, cookie: supervisor }),
    );
    expect(today.incidents.map((i) => i.code)).toEqual([incident.code]);
    expect(today.clocks.length).toBeGreaterThan(0);
    expect(today.gridCodes).toEqual([unitA]);
    expect(today.displayName).toBe('walker_a');

    // A street operator of the other street cannot see this worker; a dispatcher has no workforce permission.
    const streetB = await userWith(t, 'street_b_ops', 'street_operator', unitB.slice(0, 9));
    expect((await t.request({ url: `/api/patrols/track?userId=${worker.userId}&date=${ymdOf(start)}`, cookie: streetB })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/patrols?userId=${worker.userId}&date=${ymdOf(start)}`, cookie: streetB })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/patrols?userId=${other.userId}&date=${ymdOf(start)}`, cookie: streetB })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/patrols/track?userId=${worker.userId}&date=${ymdOf(start)}`, cookie: await t.login('dispatcher') })).statusCode).toBe(403);
  });
});
