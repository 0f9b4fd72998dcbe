import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import type { GridGeometry } from '../../src/modules/grid/rules/types.js';
import { userWith } from '../incidents/support.js';
import type { TestApp } from '../support/http.js';

export const uuid = (): string => randomUUID();

const SHANGHAI_MS = 8 * 3_600_000;
const DAY = 86_400_000;

/** Local (Asia/Shanghai) date of an instant. */
export function ymdOf(ms: number): string {
  return new Date(ms + SHANGHAI_MS).toISOString().slice(0, 10);
}

/** Local noon of the day before `now`: far enough back for a whole patrol on one day, within the 72 h window. */
export function yesterdayNoon(now = Date.now()): number {
  const day = Math.floor((now + SHANGHAI_MS) / DAY) - 1;
  return day * DAY - SHANGHAI_MS + 12 * 3_600_000;
}

/** A point `metres` east (negative: west) and `northM` north of a WGS84 point. */
export function offset(p: { lng: number; lat: number }, eastM: number, northM = 0): { lng: number; lat: number } {
  const mPerDegLat = 111_195.08;
  return { lng: p.lng + eastM / (mPerDegLat * Math.cos((p.lat * Math.PI) / 180)), lat: p.lat + northM / mPerDegLat };
}

/** The westmost vertex of a unit grid (every point of the grid lies at or east of it). */
export async function westmost(t: TestApp, code: string): Promise<{ lng: number; lat: number }> {
  const row = await t.platform.db.primary.selectFrom('grids').select('geometry').where('code', '=', code).executeTakeFirstOrThrow();
  const g = JSON.parse(row.geometry) as GridGeometry;
  const rings = g.type === 'Polygon' ? g.coordinates : g.coordinates.flat();
  let best: [number, number] = [Infinity, 0];
  for (const ring of rings) for (const p of ring) if (p[0] < best[0]) best = [p[0], p[1]];
  return { lng: best[0], lat: best[1] };
}

/** A grid worker of one unit grid, assigned since 2020 (so a patrol yesterday counts); returns the cookie and user id. */
export async function patrolWorker(t: TestApp, username: string, unit: string): Promise<{ cookie: string; userId: number }> {
  const cookie = await userWith(t, username, 'grid_worker', unit);
  const userId = (await t.platform.accounts.findUserId(username))!;
  await t.platform.grid.setWorkers(null, SYSTEM_ACTOR, unit, [
    ...((await t.platform.grid.workersOf([unit])).get(unit) ?? []).map((w) => ({ userId: w.userId, role: w.role, from: w.from })),
    { userId, role: 'full_time', from: '2020-01-01' },
  ]);
  return { cookie, userId };
}

export function ok<T = Record<string, unknown>>(res: { statusCode: number; body: string; json(): unknown }, status = 200): T {
  expect(res.statusCode, res.body).toBe(status);
  return res.json() as T;
}

/**
 * Puts a worker on a rota that covers the whole day, every day, from today
 * (the community's team, made if it has none; the team's shift becomes
 * 00:00–23:59): what "on duty" needs besides a clock-in or a patrol.
 */
export async function onRotaAllDay(t: TestApp, userId: number, unit: string): Promise<void> {
  // In the day's last minute, wait for the next day rather than fall outside the shift.
  const local = (Date.now() + SHANGHAI_MS) % DAY;
  if (local >= DAY - 61_000) await new Promise((r) => setTimeout(r, DAY - local + 1000));
  const admin = await t.login('admin');
  const community = unit.slice(0, 12);
  const made = await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: community } });
  const teamId = made.statusCode === 201
    ? (made.json() as { id: number }).id
    : ok<{ items: { id: number; communityCode: string }[] }>(await t.request({ url: '/api/teams', cookie: admin })).items.find((x) => x.communityCode === community)!.id;
  const team = ok<{ version: number; members: { userId: number | null }[] }>(await t.request({ url: `/api/teams/${teamId}`, cookie: admin }));
  const allDay = { start: '00:00', end: '23:59' };
  ok(await t.request({ method: 'PUT', url: `/api/teams/${teamId}/rota`, cookie: admin, body: { weekly: Array(7).fill(allDay), followCalendar: false, version: team.version } }));
  if (team.members.some((m) => m.userId === userId)) return;
  ok(await t.request({ method: 'POST', url: `/api/teams/${teamId}/members`, cookie: admin, body: { userId, roleCode: 'part_time_worker', gridCodes: [unit], fromDate: ymdOf(Date.now()) } }));
}
