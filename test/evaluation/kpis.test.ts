/**
 * Every KPI the API answers, recomputed here independently from the raw
 * timeline (incident_events) by the definitions of docs/kpis.md, for each
 * level of the grid tree, a department, rankings and their previous period.
 * The timeline (a month of the demo's cases, made through the real state
 * machine, and random ones) covers deferred (and dispatched again), merged, reworked,
 * extended, returned and self-resolved cases, cases reported before a
 * period's start and handled after its end, and the 2026 Qingming holiday
 * (working time for the average handling time).
 */
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localYmd, workingMsBetween, type WorkCalendar } from '../../src/modules/incidents/rules/calendar.js';
import { ReferenceData } from '../../src/modules/incidents/reference.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { insertEvents, insertIncident, planCase, rng } from './timeline.js';

interface Expected {
  reported: number; registered: number; due: number; dispatched: number; closed: number; closedOnTime: number; overdue: number;
  reworked: number; returned: number; deferred: number; selfResolved: number; urged: number; handled: number; handlingMs: number;
  parts: number; partsReplied: number; partsOnTime: number; partsOverdue: number;
}

interface CaseFacts extends Expected {
  day: string;
  grid: string;
  department: string;
}

type RawEvent = { action: string; to_status: string; data: Record<string, unknown>; at: number };

/**
 * The co-handler parts of a case's last dispatch, each a row of its own
 * department with the part counts only: replied when the department's
 * co-handler reply came after that dispatch and after any rework that named
 * it; late when that reply came after the part's deadline then in force (its
 * own limit at dispatch, else the case's; the rework's once reopened).
 */
function partsOf(events: RawEvent[], base: CaseFacts): CaseFacts[] {
  const lastDispatch = events.map((e) => e.action).lastIndexOf('dispatch');
  if (lastDispatch < 0 || events.slice(lastDispatch).some((e) => e.action === 'return')) return [];
  const dispatch = events[lastDispatch]!;
  const own = (dispatch.data.coHandleBy ?? {}) as Record<string, number>;
  const codes = (dispatch.data.coHandlerDepartmentCodes ?? []) as string[];
  return codes.map((code) => {
    let deadline = Number(own[code] ?? dispatch.data.handleBy);
    let reply: RawEvent | undefined;
    for (const e of events.slice(lastDispatch + 1)) {
      if (e.action === 'verify-fail' && ((e.data.reopenDepartmentCodes ?? []) as string[]).includes(code)) {
        deadline = Number(e.data.handleBy);
        reply = undefined;
      }
      if (e.action === 'reply' && e.data.part === 'co-handler' && e.data.departmentCode === code) reply = e;
    }
    return {
      ...ZERO, day: base.day, grid: base.grid, department: code,
      parts: 1, partsReplied: reply ? 1 : 0, partsOnTime: reply && reply.at <= deadline ? 1 : 0, partsOverdue: reply && reply.at > deadline ? 1 : 0,
    };
  });
}

/** The documented definitions, straight from each case's events: the case's row, then its co-handler parts' rows. */
function factsOf(events: RawEvent[], grid: string, cal: WorkCalendar): CaseFacts[] {
  const own = caseFactsOf(events, grid, cal);
  return [own, ...partsOf(events, own)];
}

function caseFactsOf(events: RawEvent[], grid: string, cal: WorkCalendar): CaseFacts {
  const report = events[0]!;
  const last = events.at(-1)!;
  const has = (a: string) => events.some((e) => e.action === a);
  const dispatches = events.filter((e) => e.action === 'dispatch');
  const lastDispatch = dispatches.at(-1);
  // Overdue: a lead reply after the handling deadline then in force (dispatch, approved extension, rework set it; a return clears it).
  let deadline: number | null = null;
  let overdue = false;
  for (const e of events) {
    if (e.action === 'dispatch' || e.action === 'approve-extension' || (e.action === 'verify-fail' && e.data.rework === true)) deadline = Number(e.data.handleBy);
    if (e.action === 'return') deadline = null;
    if (e.action === 'reply' && e.data.part === 'lead' && deadline !== null && e.at > deadline) overdue = true;
  }
  const closed = has('close');
  const finalReply = [...events].reverse().find((e) => (e.action === 'reply' && e.data.part === 'lead') || e.action === 'self-resolve');
  const handled = closed && lastDispatch !== undefined && finalReply !== undefined && finalReply.at >= lastDispatch.at && finalReply.action === 'reply';
  const registered = has('register') || has('self-resolve');
  return {
    day: localYmd(cal, report.at), grid, department: String(lastDispatch?.data.leadDepartmentCode ?? ''),
    reported: 1,
    registered: registered ? 1 : 0,
    due: registered && last.to_status !== 'rejected' && last.to_status !== 'merged' ? 1 : 0,
    dispatched: lastDispatch ? 1 : 0,
    closed: closed ? 1 : 0,
    closedOnTime: closed && !overdue ? 1 : 0,
    overdue: overdue ? 1 : 0,
    reworked: events.some((e) => e.action === 'verify-fail' && e.data.rework === true) ? 1 : 0,
    returned: has('return') ? 1 : 0,
    deferred: last.to_status === 'deferred' ? 1 : 0,
    selfResolved: has('self-resolve') ? 1 : 0,
    urged: has('urge') ? 1 : 0,
    handled: handled ? 1 : 0,
    handlingMs: handled ? workingMsBetween(cal, lastDispatch.at, finalReply.at) : 0,
    parts: 0, partsReplied: 0, partsOnTime: 0, partsOverdue: 0,
  };
}

const ZERO: Expected = { reported: 0, registered: 0, due: 0, dispatched: 0, closed: 0, closedOnTime: 0, overdue: 0, reworked: 0, returned: 0, deferred: 0, selfResolved: 0, urged: 0, handled: 0, handlingMs: 0, parts: 0, partsReplied: 0, partsOnTime: 0, partsOverdue: 0 };

function sum(cases: CaseFacts[]): Expected {
  const out = { ...ZERO };
  for (const c of cases) for (const k of Object.keys(ZERO) as (keyof Expected)[]) out[k] += c[k];
  return out;
}

const div = (a: number, b: number) => (b > 0 ? a / b : null);
function kpisOf(c: Expected) {
  return {
    closeRate: div(c.closed, c.due),
    onTimeCloseRate: div(c.closedOnTime, c.due - c.deferred),
    reworkRate: div(c.reworked, c.dispatched),
    returnRate: div(c.returned, c.dispatched),
    overdueRate: div(c.overdue, c.due),
    immediateRate: div(c.selfResolved, c.due),
    averageHandlingHours: c.handled > 0 ? c.handlingMs / c.handled / 3_600_000 : null,
    coHandlingOnTimeRate: div(c.partsOnTime, c.partsReplied),
  };
}

function expectClose(actual: Record<string, number | null>, expected: Record<string, number | null>) {
  for (const [k, v] of Object.entries(expected)) {
    if (v === null) expect(actual[k], k).toBeNull();
    else expect(actual[k], k).toBeCloseTo(v, 9);
  }
}

describe.each(DIALECTS)('KPIs and rankings against an independent recompute (%s)', (dialect) => {
  let t: TestApp;
  let leader: string;
  let facts: CaseFacts[];
  let streetUser: string;
  let streetCode: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    // A month of the demo's cases, driven through the real state machine, beside the random timelines below.
    await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
    leader = await t.login('leader');
    streetUser = await t.login('street');
    const db = t.platform.db.primary;
    const units = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code').execute()).map((g) => g.code);
    const departments = (await db.selectFrom('departments').select('code').orderBy('code').execute()).map((d) => d.code);
    const categories = (await db.selectFrom('incident_categories').select('code').limit(5).execute()).map((c) => c.code);
    const streets = [...new Set(units.map((u) => u.slice(0, 9)))];
    // Units of both streets, several per community.
    const grids = streets.flatMap((s) => units.filter((u) => u.startsWith(s)).slice(0, 6));
    const r = rng(14);
    const k = db as unknown as Kysely<unknown>;
    const base = Date.parse('2026-03-24T16:00:00Z');
    for (let i = 0; i < 220; i++) {
      const plan = planCase(r, { grids, categories: categories.length > 0 ? categories : ['0101'], departments: departments.slice(0, 5), channels: ['grid_worker', 'citizen', 'hotline_12345'] }, base + r.int(0, 20 * 24) * 3_600_000 + r.int(0, 59) * 60_000);
      const id = await insertIncident(k, plan, `K${String(i).padStart(6, '0')}`);
      await insertEvents(k, id, plan, 0, plan.events.length);
    }
    await t.platform.statistics.catchUp();
    // The independent side: every case of the business store, from its raw events.
    const cal = (await new ReferenceData(t.platform.db).get()).calendar;
    const rows = await db.selectFrom('incident_events as e').innerJoin('incidents as i', 'i.id', 'e.incident_id')
      .select(['e.incident_id', 'e.seq', 'e.action', 'e.to_status', 'e.data', 'e.at', 'i.grid_code']).orderBy('e.incident_id').orderBy('e.seq').execute();
    const byCase = new Map<number, typeof rows>();
    for (const row of rows) {
      const list = byCase.get(Number(row.incident_id)) ?? [];
      list.push(row);
      byCase.set(Number(row.incident_id), list);
    }
    facts = [...byCase.values()].flatMap((evs) => factsOf(evs.map((e) => ({ action: e.action, to_status: e.to_status, data: JSON.parse(e.data) as Record<string, unknown>, at: Number(e.at) })), evs[0]!.grid_code, cal));
    streetCode = streets[0]!;
  }, 240_000);
  afterAll(async () => t?.close());

  const get = (url: string, cookie: string) => t.request({ url, cookie });
  const inPeriod = (from: string, to: string) => facts.filter((f) => f.day >= from && f.day <= to);

  it('answers the counts and KPIs of the district, a street, a community, a unit grid and a department', async () => {
    const from = '2026-03-28';
    const to = '2026-04-06';
    const cases = inPeriod(from, to);
    // The demo's month and the random cases both fall in the period.
    expect(facts.length).toBeGreaterThan(1000);
    expect(cases.filter((c) => c.deferred).length).toBeGreaterThan(0);
    expect(cases.filter((c) => c.reworked).length).toBeGreaterThan(0);
    expect(cases.filter((c) => c.handled).length).toBeGreaterThan(0);
    // Co-handler parts, replied ones among them, count for their own departments.
    expect(cases.filter((c) => c.partsReplied).length).toBeGreaterThan(0);
    const sample = cases.find((c) => c.department !== '')!;
    const targets: [string, string, (c: CaseFacts) => boolean][] = [
      ['district', sample.grid.slice(0, 6), (c) => c.grid.startsWith(sample.grid.slice(0, 6))],
      ['street', sample.grid.slice(0, 9), (c) => c.grid.startsWith(sample.grid.slice(0, 9))],
      ['community', sample.grid.slice(0, 12), (c) => c.grid.startsWith(sample.grid.slice(0, 12))],
      ['unit', sample.grid, (c) => c.grid === sample.grid],
      ['department', sample.department, (c) => c.department === sample.department],
    ];
    for (const [level, code, match] of targets) {
      const res = await get(`/api/evaluation/kpis?level=${level}&code=${code}&from=${from}&to=${to}`, leader);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      const expected = sum(cases.filter(match));
      expect(body.counts, `${level} ${code}`).toEqual(expected);
      expectClose(body.kpis, kpisOf(expected));
    }
  });

  it('ranks departments and streets, each with its rank in the previous period of equal length', async () => {
    for (const [of, keyOf] of [['departments', (c: CaseFacts) => c.department], ['streets', (c: CaseFacts) => c.grid.slice(0, 9)]] as const) {
      for (const by of ['onTimeCloseRate', 'averageHandlingHours'] as const) {
        const res = await get(`/api/evaluation/rankings?of=${of}&by=${by}&from=2026-04-03&to=2026-04-09`, leader);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json();
        expect(body.previousPeriod).toEqual({ from: '2026-03-27', to: '2026-04-02' });
        const higher = by === 'onTimeCloseRate';
        const rankOf = (from: string, to: string) => {
          const groups = new Map<string, CaseFacts[]>();
          for (const c of inPeriod(from, to)) {
            const key = keyOf(c);
            if (key === '') continue;
            groups.set(key, [...(groups.get(key) ?? []), c]);
          }
          const values = [...groups].map(([code, cs]) => ({ code, value: kpisOf(sum(cs))[by] }));
          const ranks = new Map<string, number | null>();
          for (const v of values) {
            ranks.set(v.code, v.value === null ? null : 1 + values.filter((w) => w.value !== null && (higher ? w.value > v.value! + 1e-12 : w.value < v.value! - 1e-12)).length);
          }
          return { values, ranks };
        };
        const now = rankOf('2026-04-03', '2026-04-09');
        const before = rankOf('2026-03-27', '2026-04-02');
        expect(body.items.map((i: { code: string }) => i.code).sort()).toEqual(now.values.map((v) => v.code).sort());
        for (const item of body.items as { code: string; rank: number | null; previousRank: number | null; value: number | null }[]) {
          expect(item.rank, `${of} ${by} ${item.code}`).toBe(now.ranks.get(item.code));
          expect(item.previousRank, `${of} ${by} ${item.code} before`).toBe(before.ranks.get(item.code) ?? null);
        }
        expect(body.items.some((i: { previousRank: number | null }) => i.previousRank !== null)).toBe(true);
      }
    }
  });

  it('counts a report made through the API within moments, woken by its commit', async () => {
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const district = streetCode.slice(0, 6);
    const url = `/api/evaluation/kpis?level=district&code=${district}&from=${today}&to=${today}`;
    const before = (await get(url, leader)).json().counts.reported as number;
    const grid = facts.find((f) => f.grid.startsWith(streetCode))!.grid;
    const created = await t.request({ method: 'POST', url: '/api/incidents', cookie: await t.login('operator'), body: { channel: 'operator_phone', description: '路面塌陷', gridCode: grid } });
    expect(created.statusCode, created.body).toBe(201);
    let reported = before;
    for (let i = 0; i < 200 && reported === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      reported = (await get(url, leader)).json().counts.reported as number;
    }
    expect(reported).toBe(before + 1);
  });

  it('keeps a street operator to their street and refuses what is outside it or malformed', async () => {
    const own = await get(`/api/evaluation/kpis?level=street&code=${streetCode}&from=2026-03-28&to=2026-04-06`, streetUser);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().counts).toEqual(sum(inPeriod('2026-03-28', '2026-04-06').filter((c) => c.grid.startsWith(streetCode))));
    const district = await get(`/api/evaluation/kpis?level=district&code=${streetCode.slice(0, 6)}&from=2026-03-28&to=2026-04-06`, streetUser);
    expect(district.statusCode).toBe(403);
    expect(district.json().code).toBe('EVALUATION_OUT_OF_SCOPE');
    const streets = await get('/api/evaluation/rankings?of=streets&from=2026-03-28&to=2026-04-06', streetUser);
    expect(streets.json().items.map((i: { code: string }) => i.code)).toEqual([streetCode]);
    const handler = await t.login('handler');
    expect((await get(`/api/evaluation/kpis?level=street&code=${streetCode}&from=2026-03-28&to=2026-04-06`, handler)).statusCode).toBe(403);
    const backwards = await get(`/api/evaluation/kpis?level=street&code=${streetCode}&from=2026-04-06&to=2026-03-28`, leader);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().code).toBe('EVALUATION_PERIOD_INVALID');
    expect((await get(`/api/evaluation/kpis?level=street&code=${streetCode}12&from=2026-03-28&to=2026-04-06`, leader)).json().code).toBe('EVALUATION_CODE_LEVEL');
    expect((await get(`/api/evaluation/kpis?level=street&code=${streetCode}&from=2026-02-30&to=2026-04-06`, leader)).statusCode).toBe(400);
  });
});
