import { call, login } from './intake.bench.js';
import { startCachedServer, timeIt } from './_cache.js';
import { percentile, report } from './lib.js';

const LISTS = 120;
const SEARCHES = 60;
const LIST_QUERIES = [
  '', 'status=handling', 'overdue=true', 'category=04', 'channel=hotline_12345', 'page=5', 'status=registered&sort=dueAt',
  'status=closed&category=0401', 'urged=true', 'warning=red',
];
const SEARCH_TERMS = ['井盖', '路灯', '占道经营', '噪声', '违规', '20260', '栋附近', '积水'];

/**
 * `npm run bench -- incident-list`: p95 latency of GET /api/incidents (list
 * with common filters, and text search) over HTTP on a real port, for a
 * street command centre user (street scope) and a district operator
 * (district scope), on the loaded district (BENCH_SCALE, default 1; see
 * _cache.ts; BENCH_DB_URL for MariaDB). One request at a time on a
 * keep-alive connection. Baseline: p95 of a primary-key lookup of one
 * incident row through the same database handle, in the same run.
 * Goal: p95 under 50 ms at scale 1.
 */
export default async function incidentListBench(): Promise<void> {
  const s = await startCachedServer();
  try {
    const { scale, db } = s.bench;
    const maxId = Number((await s.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
    const total = Number((await s.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const pk = await timeIt(LISTS, 20, async (i) => {
      const id = 1 + ((Math.abs(i) * 7919) % Math.max(1, maxId));
      await s.platform.db.primary.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    });
    for (const [scopeName, username] of [['street', 'street'], ['district', 'operator']] as const) {
      const cookie = await login(s, username);
      const get = async (path: string) => {
        const r = await call(s, 'GET', path, { cookie });
        if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body.slice(0, 200)}`);
      };
      // Per filter, to show where the time goes (median of each filter's requests).
      const perQuery = new Map<string, number[]>();
      const list = await timeIt(LISTS, 10, async (i) => {
        const q = LIST_QUERIES[Math.abs(i) % LIST_QUERIES.length]!;
        const t0 = process.hrtime.bigint();
        await get(`/api/incidents?pageSize=20&${q}`);
        if (i >= 0) perQuery.set(q || '(none)', [...(perQuery.get(q || '(none)') ?? []), Number(process.hrtime.bigint() - t0) / 1e6]);
      });
      const perTerm = new Map<string, number[]>();
      const search = await timeIt(SEARCHES, 5, async (i) => {
        const term = SEARCH_TERMS[Math.abs(i) % SEARCH_TERMS.length]!;
        const t0 = process.hrtime.bigint();
        await get(`/api/incidents?pageSize=20&q=${encodeURIComponent(term)}`);
        if (i >= 0) perTerm.set(term, [...(perTerm.get(term) ?? []), Number(process.hrtime.bigint() - t0) / 1e6]);
      });
      const byTermP50 = Object.fromEntries([...perTerm].map(([q, ms]) => [q, Math.round(percentile(ms, 50) * 10) / 10]));
      const byFilterP50 = Object.fromEntries([...perQuery].map(([q, ms]) => [q, Math.round(percentile(ms, 50) * 10) / 10]));
      report({ name: `incident_list_${scopeName}_p95`, value: list.p95, unit: 'ms', baseline: pk.p95, scale, db, p50: list.p50, max: list.max, requests: LISTS, incidents: total, goal: 'p95 < 50 ms', byFilterP50 });
      report({ name: `incident_search_${scopeName}_p95`, value: search.p95, unit: 'ms', baseline: pk.p95, scale, db, p50: search.p50, max: search.max, requests: SEARCHES, incidents: total, goal: 'p95 < 50 ms', byTermP50 });
    }
  } finally {
    await s.close();
  }
}
