/**
 * What a report holds, gathered from the evaluation service (KPIs, rankings,
 * breakdowns over the statistics store: nothing is recounted from business
 * tables) and, for the overdue list, from the open incidents (a case overdue
 * now is a fact of the business store, as on the dashboard).
 */
import type { AppDb } from '../../database.js';
import type { Scope } from '../../infra/auth/scope.js';
import { codePrefix } from '../../infra/auth/scope.js';
import type { EvaluationService, KpiFigures } from '../evaluation/service.js';
import { computeKpis, HIGHER_IS_BETTER, rank } from '../evaluation/rules/kpis.js';
import { GRID_CODE_LENGTH } from '../grid/rules/codes.js';
import { periodLabel, previousReportPeriod, type ReportKind, type ReportPeriod } from './rules/periods.js';
import { DEFAULT_HOT_SPOT_PARAMS, findHotSpots, type HotSpotParams } from '../command/hotspots.js';

/** Departments and areas are ranked by 按期结案率, the headline KPI of a 通报. */
export const RANK_BY = 'onTimeCloseRate' as const;
/** How many categories and overdue cases a report lists. */
export const TOP_CATEGORIES = 10;
export const TOP_OVERDUE = 20;

export interface RankRow extends KpiFigures {
  code: string;
  name: string;
  rank: number | null;
  value: number | null;
  previousRank: number | null;
}

export interface CategoryRow {
  code: string;
  name: string;
  reported: number;
  previousReported: number;
  closed: number;
  closeRate: number | null;
}

export interface OverdueRow {
  code: string;
  category: string;
  area: string;
  department: string;
  dueAt: number;
  /** Calendar days past the deadline, at generation time. */
  daysLate: number;
  address: string;
}

/** How many hot spots a weekly review lists. */
export const TOP_HOT_SPOTS = 20;

export interface HotSpotRow {
  category: string;
  area: string;
  address: string;
  count: number;
  open: number;
  firstAt: number;
  lastAt: number;
  /** The cases' codes, newest first. */
  codes: string[];
}

export interface TrendPoint {
  day: string;
  reported: number;
  closed: number;
}

export interface ReportContent {
  kind: ReportKind;
  period: ReportPeriod;
  previous: ReportPeriod;
  scope: { level: 'district' | 'street'; code: string; name: string };
  generatedAt: number;
  figures: { now: KpiFigures; before: KpiFigures };
  departments: RankRow[];
  /** Streets in a district report, communities in a street report. */
  areas: { level: 'street' | 'community'; rows: RankRow[] };
  categories: CategoryRow[];
  overdue: { total: number; rows: OverdueRow[] };
  trend: TrendPoint[];
  /** The weekly review's recurring problems (高发点位) of the week; null in other reports. */
  hotSpots: { params: HotSpotParams; total: number; rows: HotSpotRow[] } | null;
}

export const KIND_TITLE: Record<ReportKind, string> = {
  weekly: '一周一调度',
  monthly: '一月一通报',
  quarterly: '一季一讲评',
};

export const KIND_TITLE_EN: Record<ReportKind, string> = {
  weekly: 'weekly dispatch review',
  monthly: 'monthly bulletin',
  quarterly: 'quarterly appraisal',
};

/** The report's title: '雨花区 2026年11月 一月一通报'. */
export function reportTitle(c: { kind: ReportKind; period: ReportPeriod; scope: { name: string } }): string {
  return `${c.scope.name} ${periodLabel(c.kind, c.period)} ${KIND_TITLE[c.kind]}`;
}

function byCode<T extends { code: string }>(rows: readonly T[]): Map<string, T> {
  return new Map(rows.map((r) => [r.code, r]));
}

export async function gatherContent(
  evaluation: EvaluationService,
  db: AppDb,
  input: { kind: ReportKind; period: ReportPeriod; scopeCode: string; now: number },
  progress: (percent: number) => Promise<void>,
): Promise<ReportContent> {
  const { kind, period, scopeCode, now } = input;
  const previous = previousReportPeriod(kind, period);
  const scopes: Scope[] = [{ kind: 'grid', code: scopeCode }];
  const level = scopeCode.length === GRID_CODE_LENGTH.district ? 'district' : 'street';
  const [current, before] = await Promise.all([
    evaluation.kpis(scopes, level, scopeCode, period),
    evaluation.kpis(scopes, level, scopeCode, previous),
  ]);
  await progress(20);

  // Ranks in the previous calendar period (the service's own previous period is one of equal length).
  const [depNow, depBefore] = await Promise.all([
    evaluation.ranking(scopes, 'departments', RANK_BY, period),
    evaluation.ranking(scopes, 'departments', RANK_BY, previous),
  ]);
  const depPrev = byCode(depBefore.items);
  const departments: RankRow[] = depNow.items.map((i) => ({
    code: i.code, name: i.name ?? i.code, counts: i.counts, kpis: i.kpis, rank: i.rank, value: i.value, previousRank: depPrev.get(i.code)?.rank ?? null,
  }));
  let areas: ReportContent['areas'];
  if (level === 'district') {
    const [now1, before1] = await Promise.all([
      evaluation.ranking(scopes, 'streets', RANK_BY, period),
      evaluation.ranking(scopes, 'streets', RANK_BY, previous),
    ]);
    const prev = byCode(before1.items);
    areas = {
      level: 'street',
      rows: now1.items.map((i) => ({ code: i.code, name: i.name ?? i.code, counts: i.counts, kpis: i.kpis, rank: i.rank, value: i.value, previousRank: prev.get(i.code)?.rank ?? null })),
    };
  } else {
    // The service ranks streets and departments; a street's communities are ranked here with its own ranking rule.
    const [now1, before1] = await Promise.all([
      evaluation.breakdown(scopes, level, scopeCode, 'community', period),
      evaluation.breakdown(scopes, level, scopeCode, 'community', previous),
    ]);
    const higher = HIGHER_IS_BETTER[RANK_BY];
    const prev = new Map(rank(before1, (b) => computeKpis(b.counts)[RANK_BY], higher).map((r) => [r.item.key, r.rank]));
    areas = {
      level: 'community',
      rows: rank(now1, (b) => computeKpis(b.counts)[RANK_BY], higher).map((r) => ({
        code: r.item.key, name: r.item.name ?? r.item.key, counts: r.item.counts, kpis: r.item.kpis, rank: r.rank, value: r.value, previousRank: prev.get(r.item.key) ?? null,
      })),
    };
  }
  await progress(40);

  const [catNow, catBefore] = await Promise.all([
    evaluation.breakdown(scopes, level, scopeCode, 'category', period),
    evaluation.breakdown(scopes, level, scopeCode, 'category', previous),
  ]);
  const catPrev = new Map(catBefore.map((c) => [c.key, c.counts.reported]));
  const categories = catNow
    .filter((c) => c.key !== '')
    .sort((a, b) => b.counts.reported - a.counts.reported || a.key.localeCompare(b.key))
    .slice(0, TOP_CATEGORIES)
    .map((c) => ({ code: c.key, name: c.name ?? c.key, reported: c.counts.reported, previousReported: catPrev.get(c.key) ?? 0, closed: c.counts.closed, closeRate: c.kpis.closeRate }));
  await progress(50);

  const overdue = await overdueCases(db, scopeCode, now);
  await progress(60);

  const days = await evaluation.breakdown(scopes, level, scopeCode, 'day', period);
  const perDay = new Map(days.map((d) => [d.key, d]));
  const trend: TrendPoint[] = [];
  for (let d = period.from; d <= period.to; d = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)) {
    const row = perDay.get(d);
    trend.push({ day: d, reported: row?.counts.reported ?? 0, closed: row?.counts.closed ?? 0 });
  }
  await progress(70);

  const hotSpots = kind === 'weekly' ? await weeklyHotSpots(db, scopes, period) : null;

  return {
    kind, period, previous, generatedAt: now,
    scope: { level, code: scopeCode, name: current.name ?? scopeCode },
    figures: { now: { counts: current.counts, kpis: current.kpis }, before: { counts: before.counts, kpis: before.kpis } },
    departments, areas, categories, overdue, trend, hotSpots,
  };
}

/** The open cases past their deadline now (红灯), latest deadline last: the most overdue first. */
async function overdueCases(db: AppDb, scopeCode: string, now: number): Promise<ReportContent['overdue']> {
  const r = db.reader();
  const base = r.selectFrom('incidents').where('is_open', '=', 1).where('due_at', '<', now).where(codePrefix('grid_code', scopeCode, { useIndex: false }));
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst(),
    base.select(['code', 'grid_code', 'category_code', 'lead_department_code', 'due_at', 'address']).orderBy('due_at').limit(TOP_OVERDUE).execute(),
  ]);
  const categoryCodes = [...new Set(rows.map((x) => x.category_code).filter((c): c is string => !!c))];
  const departmentCodes = [...new Set(rows.map((x) => x.lead_department_code).filter((c): c is string => !!c))];
  const communityCodes = [...new Set(rows.map((x) => x.grid_code.slice(0, GRID_CODE_LENGTH.community)))];
  const [cats, deps, grids] = await Promise.all([
    categoryCodes.length ? r.selectFrom('incident_categories').select(['code', 'name']).where('code', 'in', categoryCodes).execute() : [],
    departmentCodes.length ? r.selectFrom('departments').select(['code', 'name']).where('code', 'in', departmentCodes).execute() : [],
    communityCodes.length ? r.selectFrom('grids').select(['code', 'name']).where('code', 'in', communityCodes).execute() : [],
  ]);
  const names = (list: { code: string; name: string }[]) => new Map(list.map((x) => [x.code, x.name]));
  const cat = names(cats);
  const dep = names(deps);
  const area = names(grids);
  return {
    total: Number(count?.n ?? 0),
    rows: rows.map((x) => {
      const dueAt = Number(x.due_at);
      return {
        code: x.code,
        category: x.category_code ? cat.get(x.category_code) ?? '' : '',
        area: area.get(x.grid_code.slice(0, GRID_CODE_LENGTH.community)) ?? '',
        department: x.lead_department_code ? dep.get(x.lead_department_code) ?? '' : '',
        dueAt,
        daysLate: Math.floor((now - dueAt) / 86_400_000),
        address: x.address ?? '',
      };
    }),
  };
}

/**
 * The week's hot spots: the command module's rule over the cases reported in
 * the period (its days, ending at the period's last midnight, Asia/Shanghai),
 * with the default N and R.
 */
async function weeklyHotSpots(db: AppDb, scopes: Scope[], period: ReportPeriod): Promise<NonNullable<ReportContent['hotSpots']>> {
  const end = Date.parse(`${period.to}T00:00:00+08:00`) + 86_400_000 - 1;
  const days = Math.round((end + 1 - Date.parse(`${period.from}T00:00:00+08:00`)) / 86_400_000);
  const params = { ...DEFAULT_HOT_SPOT_PARAMS, days };
  const found = await findHotSpots(db, scopes, params, end);
  return {
    params,
    total: found.items.length,
    rows: found.items.slice(0, TOP_HOT_SPOTS).map((h) => ({
      category: h.categoryName ?? h.categoryCode,
      area: [h.streetName, h.communityName].filter(Boolean).join(' '),
      address: h.cases.find((c) => c.address)?.address ?? '',
      count: h.count, open: h.openCount, firstAt: Date.parse(h.firstAt), lastAt: Date.parse(h.lastAt),
      codes: h.cases.map((c) => c.code),
    })),
  };
}
