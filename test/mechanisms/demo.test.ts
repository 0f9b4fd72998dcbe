import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REFERENCE } from '../../src/modules/demo/mechanisms.js';
import { DEMO_PASSWORD, loadDemo } from '../../src/modules/demo/load.js';
import { dayRange } from '../../src/modules/livelihood/rules/period.js';
import { buildHttp } from '../../src/platform.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';

const UNTIL = '2026-11-30';
const FROM = '2025-12-01';

/**
 * The demo district at scale 1 carries the reference figures: 349 party
 * organisations, 1,118 livelihood needs collected and 987 done in the year up
 * to the last demo day, and the figures routes agree with the raw rows.
 */
describe.each(DIALECTS)('party building, cadres and livelihood demo on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let cookie = '';

  beforeAll(async () => {
    t = await openTestPlatform(dialect);
    // Residents are what members are drawn from; the incidents are not needed here, only their last day.
    const summary = await loadDemo(t.platform, { scale: 1, residentsScale: 0.002, incidents: { months: 0, until: UNTIL } });
    expect(summary.mechanisms?.skipped).toBe(false);
    ({ app } = await buildHttp(t.platform));
    const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: DEMO_PASSWORD } });
    cookie = `cg_session=${login.cookies.find((c) => c.name === 'cg_session')!.value}`;
  }, 300_000);
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { cookie } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('holds 349 organisations with members from the residents, counted per street as the rows are', async () => {
    const db = t.platform.db.primary;
    const orgs = await db.selectFrom('party_organizations').select(['grid_code']).execute();
    expect(orgs).toHaveLength(REFERENCE.organizations);
    const members = await db.selectFrom('party_members').innerJoin('residents', 'residents.id', 'party_members.resident_id')
      .select(['party_members.grid_code', 'residents.grid_code as resident_grid']).execute();
    expect(members.length).toBeGreaterThan(REFERENCE.organizations);
    // A member lives in the grid of the organisation.
    for (const m of members) expect(m.resident_grid.startsWith(m.grid_code)).toBe(true);
    const counts = await get('/api/party/counts?by=street');
    const expected = new Map<string, number>();
    for (const o of orgs) expected.set(o.grid_code.slice(0, 9), (expected.get(o.grid_code.slice(0, 9)) ?? 0) + 1);
    expect(counts.items.map((i: { code: string; organizations: number }) => [i.code, i.organizations])).toEqual([...expected.entries()].sort(([a], [b]) => a.localeCompare(b)));
    expect(counts.total).toEqual({ organizations: REFERENCE.organizations, members: members.length });
    const activities = await db.selectFrom('party_activities').select('id').execute();
    expect(activities.length).toBeGreaterThan(0);
  });

  it('has 1,118 needs collected and 987 done in the year to the last demo day', async () => {
    const figures = await get(`/api/livelihood/figures?from=${FROM}&to=${UNTIL}`);
    expect(figures.total).toEqual({ collected: REFERENCE.collected, done: REFERENCE.done });
    const { start, end } = dayRange(FROM, UNTIL);
    const rows = await t.platform.db.primary.selectFrom('livelihood_needs').select(['grid_code', 'collected_at', 'done_at', 'status']).execute();
    for (const area of figures.byArea as { code: string; collected: number; done: number }[]) {
      const mine = rows.filter((r) => r.grid_code.startsWith(area.code));
      expect(area.collected).toBe(mine.filter((r) => Number(r.collected_at) >= start && Number(r.collected_at) < end).length);
      expect(area.done).toBe(mine.filter((r) => r.done_at !== null && Number(r.done_at) >= start && Number(r.done_at) < end).length);
    }
    expect(rows.filter((r) => r.status === 'done')).toHaveLength(REFERENCE.done);
  });

  it('links two cadres to every community with visits per cadre as the rows count them', async () => {
    const db = t.platform.db.primary;
    const communities = await db.selectFrom('grids').select('code').where('level', '=', 'community').execute();
    const links = await db.selectFrom('cadre_links').select(['grid_code']).execute();
    expect(links).toHaveLength(communities.length * 2);
    const figures = await get('/api/cadres/figures?month=2026-10');
    const { start, end } = dayRange('2026-10-01', '2026-10-31');
    const visits = await db.selectFrom('cadre_visits').select(['cadre_id', 'status', 'visited_at']).where('status', '=', 'done').execute();
    const done = visits.filter((v) => Number(v.visited_at) >= start && Number(v.visited_at) < end);
    expect(figures.totalDone).toBe(done.length);
    expect(done.length).toBeGreaterThan(communities.length);
    for (const item of figures.items as { cadreId: number; done: number }[]) expect(item.done).toBe(done.filter((v) => v.cadre_id === item.cadreId).length);
  });
});
