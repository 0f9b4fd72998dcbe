import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppDb } from '../../database.js';
import { AppError } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { actorOf } from '../../infra/http/app.js';
import type { FileService } from '../../infra/files/files.js';
import { AssessmentService } from './assessment.js';
import { ASSESSMENT_SUBJECTS, DEDUCTION_COUNTS } from './rules/assessment.js';
import { KPI_NAMES, WORKER_RANKING_BY } from './rules/kpis.js';
import type { EvaluationService} from './service.js';
import type { IncidentService } from '../incidents/service.js';
import type { ArchiveStore } from '../archive/store.js';
import { Incident } from '../incidents/routes.js';
import { requirePrincipal } from '../../infra/http/app.js';
import type { DrillMeasure } from './rules/rollup.js';
import { type KpiFigures, type Period } from './service.js';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');
const PeriodQuery = { from: Day, to: Day };
const MAX_DAYS = 3 * 366;

const n = z.number();
/** Counts of the cases reported in the period (docs/kpis.md says what each one counts). */
const Counts = z.object({
  reported: n, registered: n, due: n, dispatched: n, closed: n, closedOnTime: n, overdue: n, reworked: n,
  returned: n, deferred: n, selfResolved: n, urged: n, handled: n, handlingMs: n,
  parts: n.describe("co-handler parts (联动处置) of a department's: dispatched to it as co-handler"),
  partsReplied: n, partsOnTime: n, partsOverdue: n,
});
const rate = z.number().nullable();
const Kpis = z.object({
  closeRate: rate, onTimeCloseRate: rate, reworkRate: rate, returnRate: rate, overdueRate: rate, immediateRate: rate, averageHandlingHours: rate, coHandlingOnTimeRate: rate,
});
/** The API's (camelCase) name of each count a figure drills to: docs/kpis.md. */
const DRILLED: Record<string, DrillMeasure | 'reported'> = {
  reported: 'reported', registered: 'registered', due: 'due', dispatched: 'dispatched', closed: 'closed', closedOnTime: 'closed_on_time', overdue: 'overdue',
  reworked: 'reworked', returned: 'returned', deferred: 'deferred', selfResolved: 'self_resolved', urged: 'urged', handled: 'handled',
};
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
      parts: c.parts, partsReplied: c.parts_replied, partsOnTime: c.parts_on_time, partsOverdue: c.parts_overdue,
    },
    kpis: { ...f.kpis },
  };
}

const scopesOf = (request: FastifyRequest) => request.principal!.scopesFor('evaluation.read');

/** KPIs and rankings from the statistics store (docs/kpis.md). */
export async function evaluationRoutes(app: FastifyInstance, deps: { evaluation: EvaluationService; db: AppDb; files: FileService; incidents: IncidentService; archive: ArchiveStore }): Promise<void> {
  const service = deps.evaluation;
  const assessment = new AssessmentService(deps.db, service, deps.files);
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

  const Satisfaction = z.object({
    rated: n, satisfied: n, basicallySatisfied: n, unsatisfied: n,
    rate: rate.describe('(satisfied + basically satisfied) / rated; null when nothing was rated'),
  });
  const SatisfactionChannels = z.object({ hotline: Satisfaction, citizen: Satisfaction, other: Satisfaction });
  r.get('/api/evaluation/satisfaction', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'],
      summary: '12345 满意率 / citizen satisfaction: ratings given in the period, in total, by channel and per street, community or lead department',
      querystring: z.object({
        level: z.enum(['district', 'street', 'community', 'unit', 'department']), code: z.string().min(1).max(20), ...PeriodQuery,
        by: z.enum(['street', 'community', 'department']).default('street'),
      }),
      response: {
        200: z.object({
          level: z.string(), code: z.string(), period: PeriodOut, total: Satisfaction, channels: SatisfactionChannels,
          items: z.array(z.object({ key: z.string(), name: z.string().nullable(), total: Satisfaction, channels: SatisfactionChannels })),
        }),
      },
    },
  }, async (request) => {
    const q = request.query;
    const period = periodOf(q);
    return { level: q.level, code: q.code, period, ...(await service.satisfaction(scopesOf(request), q.level, q.code, period, q.by)) };
  });

  r.get('/api/evaluation/cases', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'],
      summary: 'The cases one figure counts (drill-down): reported in the period under the node or lead department, with the measure (every case for reported), newest first',
      querystring: z.object({
        level: z.enum(['district', 'street', 'community', 'unit', 'department']), code: z.string().min(1).max(20),
        measure: z.enum(Object.keys(DRILLED) as [string, ...string[]]).describe('the count, named as in counts'), ...PeriodQuery,
        page: z.coerce.number().int().min(1).max(10000).default(1), pageSize: z.coerce.number().int().min(1).max(100).default(20),
      }),
      response: {
        200: z.object({
          total: z.number().describe('the figure: cases counted'), page: z.number(), pageSize: z.number(),
          items: z.array(Incident).describe('the page\'s live cases the caller may read (incidents.read)'),
          archived: z.array(z.object({ id: z.number(), code: z.string() })).describe('the page\'s cases moved to the archive store'),
        }),
      },
    },
  }, async (request) => {
    const q = request.query;
    const { total, ids } = await service.caseIds(scopesOf(request), q.level, q.code, DRILLED[q.measure]!, periodOf(q), q.page, q.pageSize);
    const principal = requirePrincipal(request);
    const items = await deps.incidents.viewsOf(principal, ids);
    const live = new Set(items.map((i) => i.id));
    const archived = await deps.archive.visibleCodes(principal, ids.filter((id) => !live.has(id)));
    return { total, page: q.page, pageSize: q.pageSize, items, archived };
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

  const Subject = z.enum(ASSESSMENT_SUBJECTS);
  const AssessPeriod = z.string().max(8).describe("a month 'YYYY-MM' or a quarter 'YYYY-Qn'");
  const Key = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/);
  const Label = z.string().trim().min(1).max(40);
  const Scheme = z.object({
    indicators: z.array(z.discriminatedUnion('kind', [
      z.object({ key: Key, name: Label, kind: z.literal('kpi'), kpi: z.enum(KPI_NAMES), weight: z.number().positive().max(100), target: z.number().min(0), floor: z.number().min(0) }),
      z.object({ key: Key, name: Label, kind: z.literal('manual'), weight: z.number().positive().max(100), maxScore: z.number().positive().max(1000) }),
    ])).max(30),
    deductions: z.array(z.object({ key: Key, name: Label, count: z.enum(DEDUCTION_COUNTS), points: z.number().positive().max(100), cap: z.number().positive().max(100) })).max(20),
  });
  const SchemeOut = z.object({ subject: z.string(), version: z.number(), definition: Scheme, createdAt: z.string(), createdBy: z.string().nullable() });
  const Results = z.object({
    subject: z.string(), period: z.string(), from: z.string(), to: z.string(), status: z.enum(['unopened', 'open', 'closed']),
    schemeVersion: z.number(), closedAt: z.string().nullable(), closedBy: z.string().nullable(),
    units: z.array(z.object({
      code: z.string(), name: z.string().nullable(), score: z.number(), rank: z.number(),
      indicators: z.array(z.object({
        key: z.string(), name: z.string(), kind: z.enum(['kpi', 'manual']), weight: z.number(), value: z.number().nullable(), mark: z.number(), points: z.number(), missing: z.boolean(),
        evidence: z.object({ score: z.number(), note: z.string(), attachments: z.array(z.string()), enteredBy: z.string().nullable(), enteredAt: z.string() }).nullable(),
      })),
      deductions: z.array(z.object({ key: z.string(), name: z.string(), count: z.number(), points: z.number() })),
    })),
  });

  r.get('/api/evaluation/assessment/scheme', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'], summary: "The active assessment scheme (督查考核方案) of departments or streets, with its versions",
      querystring: z.object({ subject: Subject }),
      response: { 200: z.object({ active: SchemeOut, versions: z.array(z.object({ version: z.number(), createdAt: z.string(), createdBy: z.string().nullable() })) }) },
    },
  }, async (request) => assessment.scheme(request.query.subject));

  r.put('/api/evaluation/assessment/scheme', {
    config: { policy: permission('evaluation.assess.manage') },
    schema: {
      tags: ['evaluation'], summary: 'Saves the assessment scheme as a new version (periods already opened keep theirs)',
      body: z.object({ subject: Subject, definition: Scheme }),
      response: { 200: SchemeOut },
    },
  }, async (request) => assessment.saveScheme(actorOf(request), request.principal!.scopesFor('evaluation.assess.manage'), request.body.subject, request.body.definition));

  r.get('/api/evaluation/assessment/results', {
    config: { policy: permission('evaluation.read') },
    schema: {
      tags: ['evaluation'], summary: "Scores and ranks of departments or streets for a month or quarter, each with its indicator breakdown (frozen once closed)",
      querystring: z.object({ subject: Subject, period: AssessPeriod }),
      response: { 200: Results },
    },
  }, async (request) => assessment.results(scopesOf(request), request.query.subject, request.query.period));

  r.put('/api/evaluation/assessment/scores', {
    config: { policy: permission('evaluation.assess') },
    schema: {
      tags: ['evaluation'], summary: "Enters or replaces a supervisor's score of a manual item for one department or street, with evidence",
      body: z.object({
        subject: Subject, period: AssessPeriod, indicatorKey: Key, unitCode: z.string().min(1).max(20), score: z.number().min(0),
        note: z.string().trim().min(1).max(2000), attachments: z.array(z.string().regex(/^[0-9a-f]{64}$/)).max(20).default([]),
      }),
      response: { 200: Results },
    },
  }, async (request) => assessment.enterScore(actorOf(request), request.principal!.scopesFor('evaluation.assess'), request.body));

  r.post('/api/evaluation/assessment/close', {
    config: { policy: permission('evaluation.assess.manage') },
    schema: {
      tags: ['evaluation'], summary: 'Closes a period: its scores and ranks are frozen as they stand; a closed period is not reopened',
      body: z.object({ subject: Subject, period: AssessPeriod }),
      response: { 200: Results },
    },
  }, async (request) => assessment.close(actorOf(request), request.principal!.scopesFor('evaluation.assess.manage'), request.body.subject, request.body.period));
}
