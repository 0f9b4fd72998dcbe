import { sql } from 'kysely';
import { openPlatform } from '../src/platform.js';
import { gatherContent } from '../src/modules/reports/content.js';
import { EvaluationService } from '../src/modules/evaluation/service.js';
import { periodContaining, previousReportPeriod, shanghaiDay } from '../src/modules/reports/rules/periods.js';
import { benchDatabase } from './_cache.js';
import { report } from './lib.js';

const RUNS = 3;

/**
 * `npm run bench -- reports` (issue 14): the monthly bulletin of the district
 * on the loaded district (BENCH_SCALE, _cache.ts), for the last whole month
 * with data: wall time from the request to both files written (the job's
 * own figures, XLSX and PDF with charts), median of RUNS after one warm-up.
 * Baseline, same run: the evaluation-service queries the report makes,
 * alone (gathering the contents without rendering or writing). Goal: < 30 s.
 */
export default async function reportsBench(): Promise<void> {
  const bench = await benchDatabase();
  const p = await openPlatform(bench.config);
  try {
    // Rollups from the timeline, as a running server keeps them (a no-op once the store has caught up).
    await p.statistics.catchUp();
    const district = (await p.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
    const last = Number((await p.db.primary.selectFrom('incidents').select(sql<number>`max(reported_at)`.as('m')).executeTakeFirstOrThrow()).m);
    const period = previousReportPeriod('monthly', periodContaining('monthly', shanghaiDay(last)));
    const incidents = Number((await p.db.primary.selectFrom('incidents').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const scopes = [{ kind: 'grid' as const, code: district }];
    const actor = { userId: null, username: 'bench', ip: null };
    const evaluation = new EvaluationService(p.statistics, p.db);

    const full: number[] = [];
    const queries: number[] = [];
    let sizes = { xlsx: 0, pdf: 0 };
    for (let i = 0; i <= RUNS; i++) {
      const t0 = performance.now();
      const queued = await p.reports.request(scopes, actor, { kind: 'monthly', period: period.key, scope: district });
      await p.reports.kick();
      const done = await p.reports.get(scopes, queued.id);
      const ms = performance.now() - t0;
      if (done.status !== 'done') throw new Error(`report ${queued.id}: ${done.status} ${done.error}`);
      sizes = { xlsx: done.xlsxSize ?? 0, pdf: done.pdfSize ?? 0 };
      const q0 = performance.now();
      await gatherContent(evaluation, p.db, { kind: 'monthly', period, scopeCode: district, now: Date.now() }, async () => undefined);
      const qms = performance.now() - q0;
      if (i > 0) {
        full.push(ms);
        queries.push(qms);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const value = Math.round(median(full));
    const baseline = Math.round(median(queries));
    report({
      name: 'reports_monthly_bulletin_ms', value, unit: 'ms', baseline, scale: bench.scale, db: bench.db,
      max: Math.round(Math.max(...full)), incidents, period: period.key, xlsxBytes: sizes.xlsx, pdfBytes: sizes.pdf,
      baselineIs: 'the evaluation-service queries of the same report alone, no rendering', goal: '< 30 s',
    });
  } finally {
    await p.close();
  }
}
