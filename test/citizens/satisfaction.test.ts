import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, scopeOf } from '../incidents/support.js';
import { handleToClosed } from './support.js';

/** A small deterministic generator (the test must be repeatable). */
function rng(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s % n;
  };
}

interface Raw { grid: string; channel: string; department: string | null; verdict: string; at: number }

/** The expected figures from the raw rows, with nothing shared with the service's code. */
function expected(rows: Raw[], keep: (r: Raw) => boolean) {
  const sel = rows.filter(keep);
  const good = sel.filter((r) => r.verdict === 'satisfied' || r.verdict === 'basically_satisfied').length;
  return { rated: sel.length, good, rate: sel.length === 0 ? null : good / sel.length };
}

describe.each(DIALECTS)('12345 satisfaction rate on %s', (dialect) => {
  let t: TestApp;
  let leader: string;
  let street: string;
  let streetCode: string;
  let streets: string[];
  const raw: Raw[] = [];
  // December 2026 in Beijing time, and the instants just inside and outside it.
  const start = Date.parse('2026-12-01T00:00:00+08:00');
  const end = Date.parse('2027-01-01T00:00:00+08:00');

  beforeAll(async () => {
    t = await openTestApp(dialect);
    leader = await t.login('leader');
    street = await t.login('street');
    streetCode = (await scopeOf(t, 'street'));
    const grids = await gridHelper(t);
    streets = grids.streets;
    const r = rng(7);
    const channels = ['hotline_12345', 'citizen', 'grid_worker'];
    const verdicts = ['satisfied', 'basically_satisfied', 'unsatisfied'];
    const departments = ['D01', 'D02', null];
    const times = [start - 1, start, start + 86_400_000 * 10, end - 1, end];
    const rows = [];
    for (let i = 0; i < 240; i++) {
      const row: Raw = {
        grid: grids.units[r(grids.units.length)]!, channel: channels[r(3)]!, department: departments[r(3)]!, verdict: verdicts[r(3)]!, at: times[r(times.length)]!,
      };
      raw.push(row);
      rows.push({ incident_id: 1_000_000 + i, verdict: row.verdict as 'satisfied', comment: null, source: row.channel === 'hotline_12345' ? 'hotline' as const : 'citizen' as const, grid_code: row.grid, channel: row.channel, department_code: row.department, rated_at: row.at });
    }
    await t.platform.db.primary.insertInto('incident_ratings').values(rows).execute();
  });
  afterAll(async () => t?.close());

  const inDecember = (r: Raw) => r.at >= start && r.at < end;
  const get = (cookie: string, q: string) => t.request({ url: `/api/evaluation/satisfaction?from=2026-12-01&to=2026-12-31&${q}`, cookie });

  it('recomputes the district figures, by channel and per street, from the raw ratings', async () => {
    const district = streetCode.slice(0, 6);
    const res = await get(leader, `level=district&code=${district}&by=street`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    const all = expected(raw, inDecember);
    expect(all.rated).toBeGreaterThan(50);
    expect(body.total.rated).toBe(all.rated);
    expect(body.total.satisfied + body.total.basicallySatisfied).toBe(all.good);
    expect(body.total.rate).toBeCloseTo(all.rate!, 12);
    const hotline = expected(raw, (r) => inDecember(r) && r.channel === 'hotline_12345');
    expect(body.channels.hotline.rated).toBe(hotline.rated);
    expect(body.channels.hotline.rate).toBeCloseTo(hotline.rate!, 12);
    expect(body.channels.citizen.rated).toBe(expected(raw, (r) => inDecember(r) && r.channel === 'citizen').rated);
    for (const s of streets) {
      const item = body.items.find((i: { key: string }) => i.key === s);
      const want = expected(raw, (r) => inDecember(r) && r.grid.startsWith(s));
      expect(item?.total.rated ?? 0, s).toBe(want.rated);
      if (want.rated > 0) {
        expect(item.name).toBeTruthy();
        expect(item.total.rate).toBeCloseTo(want.rate!, 12);
        expect(item.channels.hotline.rated).toBe(expected(raw, (r) => inDecember(r) && r.grid.startsWith(s) && r.channel === 'hotline_12345').rated);
      }
    }
    const byDept = (await get(leader, `level=district&code=${district}&by=department`)).json();
    const d01 = byDept.items.find((i: { key: string }) => i.key === 'D01');
    expect(d01.total.rated).toBe(expected(raw, (r) => inDecember(r) && r.department === 'D01').rated);
  });

  it('keeps a street user to their street and answers for a department', async () => {
    const own = (await get(street, `level=street&code=${streetCode}&by=community`)).json();
    expect(own.total.rated).toBe(expected(raw, (r) => inDecember(r) && r.grid.startsWith(streetCode)).rated);
    const other = streets.find((s) => s !== streetCode)!;
    expect((await get(street, `level=street&code=${other}`)).statusCode).toBe(403);
    const dept = (await get(leader, `level=department&code=D02`)).json();
    expect(dept.total.rated).toBe(expected(raw, (r) => inDecember(r) && r.department === 'D02').rated);
  });

  it('counts a rating recorded on a real case under its place, channel and lead department', async () => {
    const c: Record<string, string> = {};
    for (const u of ['operator', 'dispatcher', 'handler', 'worker']) c[u] = await t.login(u);
    const grids = await gridHelper(t);
    const workerGrid = await scopeOf(t, 'worker');
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: c.operator, body: { channel: 'hotline_12345', description: '12345 来电', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' } } });
    const id = res.json().incident.id as number;
    await handleToClosed(t, c, id);
    const at = Date.parse('2026-12-15T12:00:00+08:00');
    await t.platform.citizens.recordRating(id, { verdict: 'satisfied', source: 'hotline' }, { userId: null, username: 'hotline', ip: null }, at);
    const row = await t.platform.db.primary.selectFrom('incident_ratings').selectAll().where('incident_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ grid_code: workerGrid, channel: 'hotline_12345', department_code: 'D01' });
    const unit = (await get(leader, `level=unit&code=${workerGrid}`)).json();
    expect(unit.channels.hotline.rated).toBe(expected(raw, (r) => inDecember(r) && r.grid === workerGrid && r.channel === 'hotline_12345').rated + 1);
  });
});
