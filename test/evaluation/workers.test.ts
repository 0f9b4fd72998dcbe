/**
 * The per grid worker figures of GET /api/evaluation/workers, recomputed here
 * independently from the raw timeline (incident_events with their actors)
 * by the definitions of docs/kpis.md: the demo's month (made through the
 * real state machine, so the actors are the ones the loop records) and
 * random timelines whose worker reports, self-resolves and verifications
 * name grid workers, one of them an account that no longer exists.
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localYmd, workingMsBetween, type WorkCalendar } from '../../src/modules/incidents/rules/calendar.js';
import { ReferenceData } from '../../src/modules/incidents/reference.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { insertEvents, insertIncident, planCase, rng } from './timeline.js';

interface WorkerCounts { reported: number; selfResolved: number; verified: number; verifiedOnTime: number; verifyMs: number }
interface Credit extends WorkerCounts { worker: number; day: string; grid: string }
interface RawEvent { action: string; data: Record<string, unknown>; at: number; actor: number | null }

const ZERO: WorkerCounts = { reported: 0, selfResolved: 0, verified: 0, verifiedOnTime: 0, verifyMs: 0 };

/** Each worker's part in one case, straight from its events. */
function creditsOf(events: RawEvent[], grid: string, cal: WorkCalendar): Credit[] {
  const day = localYmd(cal, events[0]!.at);
  const out: Credit[] = [];
  const credit = (worker: number | null, c: Partial<WorkerCounts>) => { if (worker !== null) out.push({ ...ZERO, ...c, worker, day, grid }); };
  const report = events[0]!;
  if (report.data.channel === 'grid_worker') credit(report.actor, { reported: 1 });
  // The fix is put up for verification by a lead reply or a self-resolve, with the deadline it sets.
  let putUp: { at: number; by: number | null } | null = null;
  for (const e of events) {
    if (e.action === 'self-resolve') credit(e.actor, { selfResolved: 1 });
    if ((e.action === 'reply' && e.data.part === 'lead') || e.action === 'self-resolve') putUp = { at: e.at, by: typeof e.data.verifyBy === 'number' ? e.data.verifyBy : null };
    if (e.action === 'verify-pass' || e.action === 'verify-fail') {
      const onTime = putUp?.by == null || e.at <= putUp.by;
      credit(e.actor, { verified: 1, verifiedOnTime: onTime ? 1 : 0, verifyMs: putUp && e.at >= putUp.at ? workingMsBetween(cal, putUp.at, e.at) : 0 });
    }
  }
  return out;
}

function sumByWorker(credits: Credit[]): Map<number, WorkerCounts> {
  const out = new Map<number, WorkerCounts>();
  for (const c of credits) {
    const acc = out.get(c.worker) ?? { ...ZERO };
    for (const k of Object.keys(ZERO) as (keyof WorkerCounts)[]) acc[k] += c[k];
    out.set(c.worker, acc);
  }
  return out;
}

const valueOf = (c: WorkerCounts, by: string): number | null => {
  if (by === 'verifyOnTimeRate') return c.verified > 0 ? c.verifiedOnTime / c.verified : null;
  if (by === 'averageVerifyHours') return c.verified > 0 ? c.verifyMs / c.verified / 3_600_000 : null;
  return c[by as keyof WorkerCounts];
};

function ranksOf(byWorker: Map<number, WorkerCounts>, by: string): Map<number, number | null> {
  const higher = by !== 'averageVerifyHours';
  const values = [...byWorker].map(([worker, c]) => ({ worker, value: valueOf(c, by) }));
  return new Map(values.map((v) => [v.worker, v.value === null ? null : 1 + values.filter((w) => w.value !== null && (higher ? w.value > v.value! + 1e-12 : w.value < v.value! - 1e-12)).length]));
}

describe.each(DIALECTS)('per grid worker figures against an independent recompute (%s)', (dialect) => {
  let t: TestApp;
  let leader: string;
  let credits: Credit[];
  let usernames: Map<number, string>;
  let streetCode: string;
  const GONE = 987_654;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
    leader = await t.login('leader');
    const db = t.platform.db.primary;
    const workers = await db.selectFrom('users').innerJoin('role_assignments', 'role_assignments.user_id', 'users.id')
      .select(['users.id', 'users.username']).where('role_assignments.role_code', '=', 'grid_worker').orderBy('users.id').execute();
    usernames = new Map(workers.map((w) => [Number(w.id), w.username]));
    const units = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code').execute()).map((g) => g.code);
    const streets = [...new Set(units.map((u) => u.slice(0, 9)))];
    const grids = streets.flatMap((s) => units.filter((u) => u.startsWith(s)).slice(0, 4));
    const r = rng(15);
    const k = db as unknown as Kysely<unknown>;
    const base = Date.parse('2026-03-24T16:00:00Z');
    const vocabulary = { grids, categories: ['0101'], departments: ['D01'], channels: ['grid_worker', 'grid_worker', 'citizen'], workers: [...usernames.keys()].slice(0, 4).concat(GONE) };
    for (let i = 0; i < 160; i++) {
      const plan = planCase(r, vocabulary, base + r.int(0, 20 * 24) * 3_600_000 + r.int(0, 59) * 60_000);
      const id = await insertIncident(k, plan, `W${String(i).padStart(6, '0')}`);
      await insertEvents(k, id, plan, 0, plan.events.length);
    }
    await t.platform.statistics.catchUp();
    const cal = (await new ReferenceData(t.platform.db).get()).calendar;
    const rows = await db.selectFrom('incident_events as e').innerJoin('incidents as i', 'i.id', 'e.incident_id')
      .select(['e.incident_id', 'e.action', 'e.data', 'e.at', 'e.actor_user_id', 'i.grid_code']).orderBy('e.incident_id').orderBy('e.seq').execute();
    const byCase = new Map<number, typeof rows>();
    for (const row of rows) byCase.set(Number(row.incident_id), [...(byCase.get(Number(row.incident_id)) ?? []), row]);
    credits = [...byCase.values()].flatMap((evs) => creditsOf(
      evs.map((e) => ({ action: e.action, data: JSON.parse(e.data) as Record<string, unknown>, at: Number(e.at), actor: e.actor_user_id == null ? null : Number(e.actor_user_id) })),
      evs[0]!.grid_code, cal,
    ));
    streetCode = streets[0]!;
  }, 240_000);
  afterAll(async () => t?.close());

  const inPeriod = (from: string, to: string, grid = '') => credits.filter((c) => c.day >= from && c.day <= to && c.grid.startsWith(grid));

  it('answers every worker counts, KPIs and rank, with the rank of the previous period, by name and never by id', async () => {
    const from = '2026-04-01';
    const to = '2026-04-07';
    const expected = sumByWorker(inPeriod(from, to));
    const before = sumByWorker(inPeriod('2026-03-25', '2026-03-31'));
    // The demo's month and the random cases credit reports, self-resolves and verifications, late ones too.
    const all = [...expected.values()];
    for (const k of Object.keys(ZERO) as (keyof WorkerCounts)[]) expect(all.some((c) => c[k] > 0), k).toBe(true);
    expect(all.some((c) => c.verifiedOnTime < c.verified)).toBe(true);
    expect(expected.has(GONE)).toBe(true);
    for (const by of ['reported', 'verifyOnTimeRate', 'averageVerifyHours'] as const) {
      const res = await t.request({ url: `/api/evaluation/workers?by=${by}&from=${from}&to=${to}`, cookie: leader });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.previousPeriod).toEqual({ from: '2026-03-25', to: '2026-03-31' });
      expect(body.items).toHaveLength(expected.size);
      const ranks = ranksOf(expected, by);
      const previousRanks = ranksOf(before, by);
      const idOf = new Map([...usernames].map(([id, name]) => [name, id]));
      for (const item of body.items as { username: string | null; name: string | null; rank: number | null; previousRank: number | null; counts: WorkerCounts }[]) {
        expect(Object.keys(item)).not.toContain('id');
        const id = item.username === null ? GONE : idOf.get(item.username)!;
        expect(item.name === null, String(item.username)).toBe(id === GONE);
        expect(item.counts, `${by} ${item.username}`).toEqual(expected.get(id));
        expect(item.rank, `${by} ${item.username}`).toBe(ranks.get(id));
        expect(item.previousRank, `${by} ${item.username} before`).toBe(previousRanks.get(id) ?? null);
      }
      const ranked = (body.items as { rank: number | null }[]).map((i) => i.rank);
      // Best first, unranked last.
      expect(ranked).toEqual([...ranked].sort((a, b) => (a ?? Infinity) - (b ?? Infinity)));
    }
  });

  it('keeps a street operator to the cases of their street, also under a grid node, and refuses what is outside or malformed', async () => {
    const street = await t.login('street');
    const res = await t.request({ url: '/api/evaluation/workers?from=2026-03-25&to=2026-04-07', cookie: street });
    expect(res.statusCode, res.body).toBe(200);
    const expected = sumByWorker(inPeriod('2026-03-25', '2026-04-07', streetCode));
    expect(res.json().items.length).toBe(expected.size);
    const community = credits.find((c) => c.grid.startsWith(streetCode))!.grid.slice(0, 12);
    const under = await t.request({ url: `/api/evaluation/workers?grid=${community}&from=2026-03-25&to=2026-04-07`, cookie: leader });
    const total = (under.json().items as { counts: WorkerCounts }[]).reduce((s, i) => s + i.counts.reported + i.counts.verified, 0);
    expect(total).toBe(inPeriod('2026-03-25', '2026-04-07', community).reduce((s, c) => s + c.reported + c.verified, 0));
    const district = await t.request({ url: `/api/evaluation/workers?grid=${streetCode.slice(0, 6)}&from=2026-03-25&to=2026-04-07`, cookie: street });
    expect(district.statusCode).toBe(403);
    expect(district.json().code).toBe('EVALUATION_OUT_OF_SCOPE');
    expect((await t.request({ url: `/api/evaluation/workers?grid=${streetCode}1&from=2026-03-25&to=2026-04-07`, cookie: leader })).json().code).toBe('EVALUATION_CODE_LEVEL');
    expect((await t.request({ url: '/api/evaluation/workers?by=closeRate&from=2026-03-25&to=2026-04-07', cookie: leader })).statusCode).toBe(400);
    expect((await t.request({ url: '/api/evaluation/workers?from=2026-04-07&to=2026-03-25', cookie: leader })).json().code).toBe('EVALUATION_PERIOD_INVALID');
    expect((await t.request({ url: '/api/evaluation/workers?from=2026-03-25&to=2026-04-07', cookie: await t.login('handler') })).statusCode).toBe(403);
  });
});
