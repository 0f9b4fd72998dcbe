import { sql } from 'kysely';
import { startCachedServer, timeIt } from './_cache.js';
import { call, login } from './intake.bench.js';
import { report } from './lib.js';

const READS = Number(process.env.BENCH_SCREEN_READS ?? 60);

/**
 * `npm run bench -- screen` (issue 17): the big screen's first load on the
 * loaded district (BENCH_SCALE, _cache.ts): what ScreenPage asks for before it
 * draws, in parallel as the browser does: GET /api/command/overview and the
 * unit grids for the map (GET /api/grids/geojson?level=unit), one load at a
 * time; p95 of the whole load. The hot spots are read after the overview
 * (the screen draws without them): their p95 is a figure of its own.
 * Baseline: the same figures the overview gives (open cases by status,
 * category and street, the red list, today's counts) counted by a plain scan
 * of the incidents table through the same database handle, in the same run.
 * Also the street command centre's screen (the demo 'street' account), against
 * the district's. Goal: p95 < 300 ms at scale 1.
 */
export default async function screenBench(): Promise<void> {
  const s = await startCachedServer();
  try {
    const { scale, db } = s.bench;
    const p = s.platform;
    // The statistics store (the screen's ranking) is caught up first, as on a running server: its catch-up would otherwise share the machine with the reads.
    await p.statistics.rebuild();
    p.statistics.start();
    const incidents = Number((await p.db.primary.selectFrom('incidents').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const firstLoad = (cookie: string) => async () => {
      const answers = await Promise.all(['/api/command/overview', '/api/grids/geojson?level=unit'].map((path) => call(s, 'GET', path, { cookie })));
      for (const r of answers) if (r.status !== 200) throw new Error(`screen: ${r.status} ${r.body.slice(0, 200)}`);
    };
    const leader = await login(s, 'leader');
    const street = await login(s, 'street');
    const district = await timeIt(READS, 5, firstLoad(leader));
    const open = ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified'];
    const dayStart = Date.now() - 86_400_000;
    const naive = await timeIt(Math.max(5, Math.round(READS / 6)), 1, async () => {
      // The overview's figures without its indexes' help: scans of the incidents table.
      await sql`select status, category_code, substr(grid_code, 1, 9) as street, count(*) as n from incidents where status in (${sql.join(open)}) group by status, category_code, substr(grid_code, 1, 9)`.execute(p.db.primary);
      await sql`select id, code, status, due_at from incidents where status in (${sql.join(open)}) and warning = 'red' order by due_at limit 50`.execute(p.db.primary);
      await sql`select count(*) from incidents where reported_at + 0 >= ${dayStart}`.execute(p.db.primary);
      await sql`select id, lng, lat, warning from incidents where status in (${sql.join(open)}) and lng is not null order by reported_at desc limit 2000`.execute(p.db.primary);
    });
    report({
      name: 'screen_first_load_p95', value: district.p95, unit: 'ms', baseline: naive.p95, scale, db, p50: district.p50, max: district.max, incidents,
      loads: READS, requests: 'overview + unit grids, in parallel', baselineIs: 'the overview figures by plain scans of incidents (same handle, same run)', goal: 'p95 < 300 ms at scale 1',
    });
    const streetLoad = await timeIt(READS, 5, firstLoad(street));
    report({
      name: 'screen_street_first_load_p95', value: streetLoad.p95, unit: 'ms', baseline: district.p95, scale, db, p50: streetLoad.p50, max: streetLoad.max, incidents,
      loads: READS, baselineIs: 'the district screen\'s first load p95 (same run)', goal: 'p95 < 300 ms at scale 1',
    });
    const hot = await timeIt(READS, 3, async () => {
      const r = await call(s, 'GET', '/api/command/hotspots', { cookie: leader });
      if (r.status !== 200) throw new Error(`hot spots: ${r.status}`);
    });
    report({
      name: 'screen_hotspots_p95', value: hot.p95, unit: 'ms', baseline: district.p95, scale, db, p50: hot.p50, max: hot.max, incidents,
      loads: READS, params: 'defaults (N 3, R 100 m, D 30 days)', baselineIs: 'the district screen\'s first load p95 (same run)',
    });
  } finally {
    await s.close();
  }
}
