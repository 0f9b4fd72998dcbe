/**
 * The dashboard's breakdowns (trend per report day, by major category, by
 * street and community) recomputed independently from the raw timeline, and
 * the drill-down: the incident list, with the filters the console puts on a
 * figure, answers as many cases as the figure counts. Only cases driven
 * through the real state machine (the demo's month), so every incident row
 * says what its timeline says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localYmd, type WorkCalendar } from '../../src/modules/incidents/rules/calendar.js';
import { ReferenceData } from '../../src/modules/incidents/reference.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

interface Facts {
  day: string;
  grid: string;
  category: string;
  department: string;
  reported: number;
  closed: number;
}

/** From one case's events, by docs/kpis.md: report day, last category given, lead of the last dispatch. */
function factsOf(events: { action: string; data: Record<string, unknown>; at: number }[], grid: string, cal: WorkCalendar): Facts {
  let category = '';
  let department = '';
  for (const e of events) {
    if (['report', 'register', 'self-resolve'].includes(e.action) && typeof e.data.categoryCode === 'string' && e.data.categoryCode !== '') category = e.data.categoryCode;
    if (e.action === 'dispatch') department = String(e.data.leadDepartmentCode);
  }
  return {
    day: localYmd(cal, events[0]!.at), grid, category, department, reported: 1, closed: events.some((e) => e.action === 'close') ? 1 : 0,
  };
}

const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
/** The list's report-time range for Asia/Shanghai days [from, to]. */
const range = (from: string, to: string) => `from=${encodeURIComponent(`${from}T00:00:00+08:00`)}&to=${encodeURIComponent(`${nextDay(to)}T00:00:00+08:00`)}`;

describe.each(DIALECTS)('dashboard breakdowns and drill-down (%s)', (dialect) => {
  let t: TestApp;
  let leader: string;
  let facts: Facts[];
  let district: string;
  let street: string;
  const from = '2026-03-20';
  const to = '2026-04-03';

  beforeAll(async () => {
    t = await openTestApp(dialect);
    await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
    leader = await t.login('leader');
    await t.platform.statistics.catchUp();
    const db = t.platform.db.primary;
    const cal = (await new ReferenceData(t.platform.db).get()).calendar;
    const rows = await db.selectFrom('incident_events as e').innerJoin('incidents as i', 'i.id', 'e.incident_id')
      .select(['e.incident_id', 'e.action', 'e.data', 'e.at', 'i.grid_code']).orderBy('e.incident_id').orderBy('e.seq').execute();
    const byCase = new Map<number, typeof rows>();
    for (const row of rows) byCase.set(Number(row.incident_id), [...(byCase.get(Number(row.incident_id)) ?? []), row]);
    facts = [...byCase.values()].map((evs) => factsOf(evs.map((e) => ({ action: e.action, data: JSON.parse(e.data) as Record<string, unknown>, at: Number(e.at) })), evs[0]!.grid_code, cal));
    district = facts[0]!.grid.slice(0, 6);
    street = facts[0]!.grid.slice(0, 9);
  }, 240_000);
  afterAll(async () => t?.close());

  const get = (url: string, cookie = leader) => t.request({ url, cookie });
  const inPeriod = () => facts.filter((f) => f.day >= from && f.day <= to);
  const tally = (cases: Facts[], keyOf: (f: Facts) => string) => {
    const out = new Map<string, { reported: number; closed: number }>();
    for (const c of cases) {
      const k = keyOf(c);
      const acc = out.get(k) ?? { reported: 0, closed: 0 };
      acc.reported += c.reported;
      acc.closed += c.closed;
      out.set(k, acc);
    }
    return out;
  };
  const listTotal = async (query: string) => {
    const res = await get(`/api/incidents?${query}&pageSize=1`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().total as number;
  };

  it('splits the district by report day, major category, street and community as the timeline says', async () => {
    expect(inPeriod().length).toBeGreaterThan(300);
    const splits: [string, string, string, (f: Facts) => string][] = [
      ['district', district, 'day', (f) => f.day],
      ['district', district, 'category', (f) => f.category.slice(0, 2)],
      ['district', district, 'street', (f) => f.grid.slice(0, 9)],
      ['street', street, 'community', (f) => f.grid.slice(0, 12)],
      ['street', street, 'day', (f) => f.day],
    ];
    for (const [level, code, by, keyOf] of splits) {
      const res = await get(`/api/evaluation/breakdown?level=${level}&code=${code}&by=${by}&from=${from}&to=${to}`);
      expect(res.statusCode, res.body).toBe(200);
      const expected = tally(inPeriod().filter((f) => f.grid.startsWith(code)), keyOf);
      const items = res.json().items as { key: string; name: string | null; counts: { reported: number; closed: number } }[];
      expect(items.map((i) => i.key).sort(), `${level} by ${by}`).toEqual([...expected.keys()].sort());
      for (const i of items) expect({ reported: i.counts.reported, closed: i.counts.closed }, `${by} ${i.key}`).toEqual(expected.get(i.key));
      if (by !== 'day') expect(items.filter((i) => i.key !== '').every((i) => i.name !== null)).toBe(true);
    }
    // The days add up to the district's figure.
    const total = (await get(`/api/evaluation/kpis?level=district&code=${district}&from=${from}&to=${to}`)).json().counts;
    const days = (await get(`/api/evaluation/breakdown?level=district&code=${district}&by=day&from=${from}&to=${to}`)).json().items as { counts: { reported: number } }[];
    expect(days.reduce((s, d) => s + d.counts.reported, 0)).toBe(total.reported);
  });

  it('drills every kind of figure to an incident list whose total is the figure', async () => {
    const days = (await get(`/api/evaluation/breakdown?level=district&code=${district}&by=day&from=${from}&to=${to}`)).json().items as { key: string; counts: { reported: number; closed: number } }[];
    for (const d of days.slice(0, 4)) {
      expect(await listTotal(`${range(d.key, d.key)}&grid=${district}`), `reported ${d.key}`).toBe(d.counts.reported);
      expect(await listTotal(`${range(d.key, d.key)}&grid=${district}&status=closed`), `closed ${d.key}`).toBe(d.counts.closed);
    }
    const categories = (await get(`/api/evaluation/breakdown?level=district&code=${district}&by=category&from=${from}&to=${to}`)).json().items as { key: string; counts: { reported: number } }[];
    const categorised = categories.filter((c) => c.key !== '');
    expect(categorised.length).toBeGreaterThan(1);
    for (const c of categorised) expect(await listTotal(`${range(from, to)}&grid=${district}&category=${c.key}`), `category ${c.key}`).toBe(c.counts.reported);
    const streets = (await get(`/api/evaluation/breakdown?level=district&code=${district}&by=street&from=${from}&to=${to}`)).json().items as { key: string; counts: { reported: number; closed: number } }[];
    expect(streets.length).toBeGreaterThan(1);
    for (const s of streets) {
      expect(await listTotal(`${range(from, to)}&grid=${s.key}`), `street ${s.key}`).toBe(s.counts.reported);
      expect(await listTotal(`${range(from, to)}&grid=${s.key}&status=closed`), `street ${s.key} closed`).toBe(s.counts.closed);
    }
    // A department's closed cases: the lead of their last dispatch (co-handled cases of another lead are not its own).
    const ranking = (await get(`/api/evaluation/rankings?of=departments&from=${from}&to=${to}`)).json().items as { code: string; counts: { closed: number } }[];
    expect(ranking.filter((r) => r.counts.closed > 0).length).toBeGreaterThan(1);
    for (const r of ranking) {
      expect(await listTotal(`${range(from, to)}&leadDepartment=${r.code}&status=closed`), `department ${r.code}`).toBe(r.counts.closed);
      expect(r.counts.closed).toBe(inPeriod().filter((f) => f.department === r.code && f.closed).length);
    }
  });

  it('keeps a street operator to their street and refuses bad input', async () => {
    const streetUser = await t.login('street');
    const ownStreet = ((await get(`/api/evaluation/rankings?of=streets&from=${from}&to=${to}`, streetUser)).json().items as { code: string }[]).map((i) => i.code);
    expect(ownStreet).toHaveLength(1);
    const own = await get(`/api/evaluation/breakdown?level=street&code=${ownStreet[0]}&by=community&from=${from}&to=${to}`, streetUser);
    expect(own.statusCode, own.body).toBe(200);
    expect((own.json().items as { key: string }[]).every((i) => i.key.startsWith(ownStreet[0]!))).toBe(true);
    const wide = await get(`/api/evaluation/breakdown?level=district&code=${district}&by=street&from=${from}&to=${to}`, streetUser);
    expect(wide.statusCode).toBe(403);
    expect(wide.json().code).toBe('EVALUATION_OUT_OF_SCOPE');
    expect((await get(`/api/evaluation/breakdown?level=district&code=${district}&by=weekday&from=${from}&to=${to}`)).statusCode).toBe(400);
    expect((await get(`/api/evaluation/breakdown?level=street&code=${district}&by=day&from=${from}&to=${to}`)).json().code).toBe('EVALUATION_CODE_LEVEL');
    expect((await get(`/api/evaluation/breakdown?level=district&code=${district}&by=day&from=${to}&to=${from}`)).json().code).toBe('EVALUATION_PERIOD_INVALID');
    const handler = await t.login('handler');
    expect((await get(`/api/evaluation/breakdown?level=district&code=${district}&by=day&from=${from}&to=${to}`, handler)).statusCode).toBe(403);
  });
});
