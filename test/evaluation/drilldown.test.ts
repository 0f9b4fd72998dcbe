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

  it('refuses a malformed flag', async () => {
    expect((await t.request({ url: '/api/incidents?reworked=maybe', cookie: leader })).statusCode).toBe(400);
  });
});
