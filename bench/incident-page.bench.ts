import { call, login } from './intake.bench.js';
import { startCachedServer, timeIt } from './_cache.js';
import { report } from './lib.js';

const PAGES = 300;

/**
 * `npm run bench -- incident-page`: p95 latency of GET /api/incidents/:id
 * (the incident with its whole timeline, links, allowed actions and
 * suggested dispatch) over HTTP, for a district operator, on ids spread over
 * the loaded district (BENCH_SCALE, default 1; BENCH_DB_URL for MariaDB).
 * Baseline: p95 of a primary-key lookup of one incident row through the
 * same database handle, in the same run. Goal: p95 under 20 ms at scale 1.
 */
export default async function incidentPageBench(): Promise<void> {
  const s = await startCachedServer();
  try {
    const { scale, db } = s.bench;
    const maxId = Number((await s.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
    const idOf = (i: number) => 1 + ((Math.abs(i) * 104_729) % Math.max(1, maxId));
    const pk = await timeIt(PAGES, 20, async (i) => {
      await s.platform.db.primary.selectFrom('incidents').selectAll().where('id', '=', idOf(i)).executeTakeFirst();
    });
    const cookie = await login(s, 'operator');
    let events = 0;
    const page = await timeIt(PAGES, 20, async (i) => {
      const r = await call(s, 'GET', `/api/incidents/${idOf(i)}`, { cookie });
      if (r.status !== 200) throw new Error(`GET /api/incidents/${idOf(i)}: ${r.status} ${r.body.slice(0, 200)}`);
      if (i >= 0) events += (JSON.parse(r.body) as { timeline: unknown[] }).timeline.length;
    });
    report({ name: 'incident_page_p95', value: page.p95, unit: 'ms', baseline: pk.p95, scale, db, p50: page.p50, max: page.max, requests: PAGES, meanTimelineEvents: Math.round((events / PAGES) * 10) / 10, goal: 'p95 < 20 ms' });
  } finally {
    await s.close();
  }
}
