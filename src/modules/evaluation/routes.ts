import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { AppError } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { KPI_NAMES, WORKER_RANKING_BY } from './rules/kpis.js';
import { EvaluationService, type KpiFigures, type Period } from './service.js';
import type { StatisticsStore } from './store.js';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');
const PeriodQuery = { from: Day, to: Day };
const MAX_DAYS = 3 * 366;

const n = z.number();
/** Counts of the cases reported in the period (docs/kpis.md says what each one counts). */
const Counts = z.object({
  reported: n, registered: n, due: n, dispatched: n, closed: n, closedOnTime: n, overdue: n, reworked: n,
  returned: n, deferred: n, selfResolved: n, urged: n, handled: n, handlingMs: n,
});
const rate = z.number().nullable();
const Kpis = z.object({
  closeRate: rate, onTimeCloseRate: rate, reworkRate: rate, returnRate: rate, overdueRate: rate, immediateRate: rate, averageHandlingHours: rate,
});
const PeriodOut = z.object({ from: z.string(), to: z.string() });
/** A grid worker's counts over the cases reported in the period (docs/kpis.md, per grid worker). */
const WorkerCounts = z.object({ reported: n, selfResolved: n, verified: n, verifiedOnTime: n, verifyMs: n });
const WorkerKpis = z.object({ verifyOnTimeRate: rate, averageVerifyHours: rate });

function periodOf(q: { from: string; to: string }): Period {
  const days = (Date.parse(`${q.to}T00:00:00Z`) - Date.parse(`${q.from}T00:00:00Z`)) / 86_400_000;
  if (days < 0 || days >= MAX_DAYS) throw new AppError(400, 'EVALUATION_PERIOD_INVALID', { from: q.from, to: q.to });
  return { from: q.from, to: q.to };
}

function figures(f: KpiFigures): { counts: z.infer<typeof Counts>; kpis: z.infer<typeof Kpis> } {
  const c = f.counts;
  return {
    counts: {
      reported: c.reported, registered: c.registered, due: c.due, dispatched: c.dispatched, closed: c.closed, closedOnTime: c.closed_on_time,
      overdue: c.overdue, reworked: c.reworked, returned: c.returned, deferred: c.deferred, selfResolved: c.self_resolved, urged: c.urged,
      handled: c.handled, handlingMs: c.handling_ms,
    },
    kpis: { ...f.kpis },
  };
}

const scopesOf = (request: FastifyRequest) => request.principal!.scopesFor('evaluation.read');

/** KPIs and rankings from the statistics store (docs/kpis.md). */
export async function evaluationRoutes(app: FastifyInstance, deps: { statistics: StatisticsStore; db: AppDb }): Promise<void> {
  const service = new EvaluationService(deps.statistics, deps.db);
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/evaluation/kpis', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'],
      summary: 'KPIs of a district, street, community, unit grid or department for a period (cases reported in it)',
      querystring: z.object({ level: z.enum(['district', 'street', 'community', 'unit', 'department']), code: z.string().min(1).max(20), ...PeriodQuery }),
      response: { 200: z.object({ level: z.string(), code: z.string(), name: z.string().nullable(), period: PeriodOut, counts: Counts, kpis: Kpis }) },
    },
  }, async (request) => {
    const q = request.query;
    const period = periodOf(q);
    const result = await service.kpis(scopesOf(request), q.level, q.code, period);
    return { level: q.level, code: q.code, name: result.name, period, ...figures(result) };
  });

  r.get('/api/evaluation/breakdown', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'],
      summary: 'Counts and KPIs of a district, street, community, unit grid or department split by report day (the trend), major category, street or community',
      querystring: z.object({
        level: z.enum(['district', 'street', 'community', 'unit', 'department']), code: z.string().min(1).max(20),
        by: z.enum(['day', 'category', 'street', 'community']), ...PeriodQuery,
      }),
      response: {
        200: z.object({
          level: z.string(), code: z.string(), by: z.string(), period: PeriodOut,
          items: z.array(z.object({
            key: z.string().describe("the day (YYYY-MM-DD), the major category's code, or the street's or community's grid code; '' for cases not categorised yet"),
            name: z.string().nullable(), nameEn: z.string().nullable(), counts: Counts, kpis: Kpis,
          })),
        }),
      },
    },
  }, async (request) => {
    const q = request.query;
    const period = periodOf(q);
    const items = await service.breakdown(scopesOf(request), q.level, q.code, q.by, period);
    return { level: q.level, code: q.code, by: q.by, period, items: items.map((i) => ({ key: i.key, name: i.name, nameEn: i.nameEn, ...figures(i) })) };
  });

  r.get('/api/evaluation/rankings', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'],
      summary: 'Departments or streets ranked by a KPI, with the rank in the previous period of equal length',
      querystring: z.object({ of: z.enum(['departments', 'streets']), by: z.enum(KPI_NAMES).default('onTimeCloseRate'), ...PeriodQuery }),
      response: {
        200: z.object({
          of: z.string(), by: z.string(), period: PeriodOut, previousPeriod: PeriodOut,
          items: z.array(z.object({
            code: z.string(), name: z.string().nullable(), rank: z.number().nullable(), value: z.number().nullable(),
            previousRank: z.number().nullable(), previousValue: z.number().nullable(), counts: Counts, kpis: Kpis,
          })),
        }),
      },
    },
  }, async (request) => {
    const q = request.query;
    const period = periodOf(q);
    const { previous, items } = await service.ranking(scopesOf(request), q.of, q.by, period);
    return {
      of: q.of, by: q.by, period, previousPeriod: previous,
      items: items.map((i) => ({ code: i.code, name: i.name, rank: i.rank, value: i.value, previousRank: i.previousRank, previousValue: i.previousValue, ...figures(i) })),
    };
  });

  r.get('/api/evaluation/workers', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'],
      summary: "Grid workers ranked by a count or worker KPI over the cases reported in the period (optionally under one grid node), with the rank in the previous period of equal length",
      querystring: z.object({
        by: z.enum(WORKER_RANKING_BY).default('reported'),
        grid: z.string().regex(/^\d{6,15}$/).optional().describe('a district, street, community or unit grid code within your scope'),
        ...PeriodQuery,
      }),
      response: {
        200: z.object({
          by: z.string(), grid: z.string().nullable(), period: PeriodOut, previousPeriod: PeriodOut,
          items: z.array(z.object({
            username: z.string().nullable().describe('the login name (null for an account no longer found)'), name: z.string().nullable(),
            rank: z.number().nullable(), value: z.number().nullable(), previousRank: z.number().nullable(), previousValue: z.number().nullable(),
            counts: WorkerCounts, kpis: WorkerKpis,
          })),
        }),
      },
    },
  }, async (request) => {
    const q = request.query;
    const period = periodOf(q);
    const { previous, items } = await service.workerRanking(scopesOf(request), q.by, period, q.grid ?? null);
    return {
      by: q.by, grid: q.grid ?? null, period, previousPeriod: previous,
      items: items.map((i) => ({
        username: i.username, name: i.name, rank: i.rank, value: i.value, previousRank: i.previousRank, previousValue: i.previousValue,
        counts: { reported: i.counts.reported, selfResolved: i.counts.self_resolved, verified: i.counts.verified, verifiedOnTime: i.counts.verified_on_time, verifyMs: i.counts.verify_ms },
        kpis: { ...i.kpis },
      })),
    };
  });
}
