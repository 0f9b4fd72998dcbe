/**
 * The dashboard's count figures with an incident column behind them
 * (reworked, returned, urged, deferred: docs/kpis.md) drill to an incident
 * list whose total is the figure, for the district, each street and a single
 * day, over a month of the demo's cases made through the real state machine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
/** The list's report-time range for Asia/Shanghai days [from, to]. */
const range = (from: string, to: string) => `from=${encodeURIComponent(`${from}T00:00:00+08:00`)}&to=${encodeURIComponent(`${nextDay(to)}T00:00:00+08:00`)}`;

/** Each figure and the list filter that gives its cases (web/src/modules/evaluation/KpiFigures.tsx uses the same). */
const FIGURES = [['reworked', 'reworked=true'], ['returned', 'returned=true'], ['urged', 'urged=true'], ['deferred', 'status=deferred']] as const;

describe.each(DIALECTS)('drill-down of the reworked, returned, urged and deferred figures (%s)', (dialect) => {
  let t: TestApp;
  let leader: string;
  let district: string;
  const from = '2026-03-10';
  const to = '2026-04-05';

  beforeAll(async () => {
    t = await openTestApp(dialect);
    await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
    await t.platform.statistics.catchUp();
    leader = await t.login('leader');
    district = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
  }, 240_000);
  afterAll(async () => t?.close());

  const get = async (url: string) => {
    const res = await t.request({ url, cookie: leader });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const listTotal = async (query: string) => (await get(`/api/incidents?${query}&pageSize=1`)).total as number;

  it('answers a list total equal to each figure, for the district, its streets and a day', async () => {
    const whole = (await get(`/api/evaluation/kpis?level=district&code=${district}&from=${from}&to=${to}`)).counts as Record<string, number>;
    // The demo's month has cases of every kind, so no figure is trivially zero.
    for (const [figure] of FIGURES) expect(whole[figure], figure).toBeGreaterThan(0);
    for (const [figure, filter] of FIGURES) expect(await listTotal(`${range(from, to)}&grid=${district}&${filter}`), figure).toBe(whole[figure]);
    const streets = (await get(`/api/evaluation/breakdown?level=district&code=${district}&by=street&from=${from}&to=${to}`)).items as { key: string; counts: Record<string, number> }[];
    expect(streets.length).toBeGreaterThan(1);
    for (const s of streets) {
      for (const [figure, filter] of FIGURES) expect(await listTotal(`${range(from, to)}&grid=${s.key}&${filter}`), `${s.key} ${figure}`).toBe(s.counts[figure]);
    }
    const days = (await get(`/api/evaluation/breakdown?level=district&code=${district}&by=day&from=${from}&to=${to}`)).items as { key: string; counts: Record<string, number> }[];
    const busy = days.find((d) => d.counts.reworked! > 0 && d.counts.urged! > 0)!;
    for (const [figure, filter] of FIGURES) expect(await listTotal(`${range(busy.key, busy.key)}&grid=${district}&${filter}`), `${busy.key} ${figure}`).toBe(busy.counts[figure]);
  });

  it('lists exactly the cases of every count from the statistics store, for the district, its streets and a department, also after a rebuild', async () => {
    const MEASURES = ['reported', 'registered', 'due', 'dispatched', 'closed', 'closedOnTime', 'overdue', 'reworked', 'returned', 'deferred', 'selfResolved', 'urged', 'handled'] as const;
    const cases = (level: string, code: string, measure: string, page = 1, pageSize = 1) =>
      get(`/api/evaluation/cases?level=${level}&code=${code}&measure=${measure}&from=${from}&to=${to}&page=${page}&pageSize=${pageSize}`);
    const check = async () => {
      const whole = (await get(`/api/evaluation/kpis?level=district&code=${district}&from=${from}&to=${to}`)).counts as Record<string, number>;
      for (const m of ['closedOnTime', 'overdue', 'handled']) expect(whole[m], m).toBeGreaterThan(0);
      for (const m of MEASURES) expect((await cases('district', district, m)).total, m).toBe(whole[m]);
      const streets = (await get(`/api/evaluation/breakdown?level=district&code=${district}&by=street&from=${from}&to=${to}`)).items as { key: string; counts: Record<string, number> }[];
      for (const s of streets) for (const m of ['closedOnTime', 'overdue', 'handled']) expect((await cases('street', s.key, m)).total, `${s.key} ${m}`).toBe(s.counts[m]);
      const ranking = (await get(`/api/evaluation/rankings?of=departments&by=closeRate&from=${from}&to=${to}`)).items as { code: string; counts: Record<string, number> }[];
      const dept = ranking.find((r) => r.counts.overdue! > 0)!;
      expect((await cases('department', dept.code, 'overdue')).total).toBe(dept.counts.overdue);
    };
    await check();
    // Every page together: distinct cases, each of the area and period, closed, and as many as the figure.
    const first = await cases('district', district, 'closedOnTime', 1, 100);
    const all = [...first.items];
    for (let p = 2; (p - 1) * 100 < first.total; p++) all.push(...(await cases('district', district, 'closedOnTime', p, 100)).items);
    expect(all.length).toBe(first.total);
    expect(new Set(all.map((i: { id: number }) => i.id)).size).toBe(all.length);
    for (const i of all as { status: string; gridCode: string }[]) {
      expect(i.status).toBe('closed');
      expect(i.gridCode.startsWith(district)).toBe(true);
    }
    await t.platform.statistics.rebuild();
    await check();
  });

  it('refuses a drill-down outside the caller\'s scope or of an unknown count', async () => {
    const street = await t.login('street');
    expect((await t.request({ url: `/api/evaluation/cases?level=district&code=${district}&measure=overdue&from=${from}&to=${to}`, cookie: street })).statusCode).toBe(403);
    expect((await t.request({ url: `/api/evaluation/cases?level=district&code=${district}&measure=nonsense&from=${from}&to=${to}`, cookie: leader })).statusCode).toBe(400);
  });

  it('refuses a malformed flag', async () => {
    expect((await t.request({ url: '/api/incidents?reworked=maybe', cookie: leader })).statusCode).toBe(400);
  });
});
