/**
 * The published KPI formulas (docs/kpis.md), over the counts of the cases
 * reported in a period (rules/rollup.ts). A rate whose denominator is zero
 * is null ("no cases"), not 0 or 100 %.
 */
import type { Measures, WorkerMeasures } from './rollup.js';

export interface Kpis {
  /** 结案率 = 结案数 / 应结案数. */
  closeRate: number | null;
  /** 按期结案率 = 按期结案数 / (应结案数 − 缓办数). */
  onTimeCloseRate: number | null;
  /** 返工率 = 返工案件数 / 派遣数. */
  reworkRate: number | null;
  /** 退回率 = 退回案件数 / 派遣数. */
  returnRate: number | null;
  /** 超期率 = 超期案件数 / 应结案数. */
  overdueRate: number | null;
  /** 即办率 = 即办（自处置）案件数 / 应结案数. */
  immediateRate: number | null;
  /** 平均处置时长 = 处置工作时长之和 / 已处置结案数, in working hours. */
  averageHandlingHours: number | null;
  /** 协办按期反馈率 = 按期反馈的协办任务数 / 已反馈的协办任务数 (a department's co-handling parts, 联动处置). */
  coHandlingOnTimeRate: number | null;
}

export const KPI_NAMES = ['closeRate', 'onTimeCloseRate', 'reworkRate', 'returnRate', 'overdueRate', 'immediateRate', 'averageHandlingHours', 'coHandlingOnTimeRate'] as const;
export type KpiName = (typeof KPI_NAMES)[number];

/** For rankings: whether a higher value is better. */
export const HIGHER_IS_BETTER: Readonly<Record<KpiName, boolean>> = {
  closeRate: true,
  onTimeCloseRate: true,
  reworkRate: false,
  returnRate: false,
  overdueRate: false,
  immediateRate: true,
  averageHandlingHours: false,
  coHandlingOnTimeRate: true,
};

export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export function computeKpis(c: Measures): Kpis {
  return {
    closeRate: ratio(c.closed, c.due),
    onTimeCloseRate: ratio(c.closed_on_time, c.due - c.deferred),
    reworkRate: ratio(c.reworked, c.dispatched),
    returnRate: ratio(c.returned, c.dispatched),
    overdueRate: ratio(c.overdue, c.due),
    immediateRate: ratio(c.self_resolved, c.due),
    averageHandlingHours: c.handled > 0 ? c.handling_ms / c.handled / 3_600_000 : null,
    coHandlingOnTimeRate: ratio(c.parts_on_time, c.parts_replied),
  };
}

export interface Ranked<T> {
  item: T;
  value: number | null;
  /** 1 is best; equal values share a rank (1, 2, 2, 4); no value ranks after every value. */
  rank: number | null;
}

/** Competition ranking by one value, best first; items without a value come last, unranked. */
export function rank<T>(items: readonly T[], value: (item: T) => number | null, higherIsBetter: boolean): Ranked<T>[] {
  const withValue = items.map((item) => ({ item, value: value(item) }));
  const ranked = withValue.filter((x): x is { item: T; value: number } => x.value !== null);
  ranked.sort((a, b) => (higherIsBetter ? b.value - a.value : a.value - b.value));
  const out: Ranked<T>[] = [];
  ranked.forEach((x, i) => {
    const prev = out[i - 1];
    out.push({ item: x.item, value: x.value, rank: prev && prev.value === x.value ? prev.rank : i + 1 });
  });
  for (const x of withValue) if (x.value === null) out.push({ item: x.item, value: null, rank: null });
  return out;
}

/** The period of equal length just before [from, to] (inclusive calendar days, 'YYYY-MM-DD'). */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const day = 86_400_000;
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  const length = Math.round((end - start) / day) + 1;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(start - length * day), to: iso(start - day) };
}

/** Per grid worker (docs/kpis.md), over the worker rollup's sums (rules/rollup.ts WORKER_MEASURES). */
export interface WorkerKpis {
  /** 按时核查率 = 按时核查数 / 核查数. */
  verifyOnTimeRate: number | null;
  /** 平均核查时长 = 核查工作时长之和 / 核查数, in working hours. */
  averageVerifyHours: number | null;
}

export function computeWorkerKpis(c: WorkerMeasures): WorkerKpis {
  return {
    verifyOnTimeRate: ratio(c.verified_on_time, c.verified),
    averageVerifyHours: c.verified > 0 ? c.verify_ms / c.verified / 3_600_000 : null,
  };
}

/** What a worker ranking may be by: a count or a worker KPI. */
export const WORKER_RANKING_BY = ['reported', 'selfResolved', 'verified', 'verifyOnTimeRate', 'averageVerifyHours'] as const;
export type WorkerRankingBy = (typeof WORKER_RANKING_BY)[number];

export const WORKER_HIGHER_IS_BETTER: Readonly<Record<WorkerRankingBy, boolean>> = {
  reported: true,
  selfResolved: true,
  verified: true,
  verifyOnTimeRate: true,
  averageVerifyHours: false,
};

/** The value a worker is ranked by. */
export function workerValue(c: WorkerMeasures, by: WorkerRankingBy): number | null {
  switch (by) {
    case 'reported': return c.reported;
    case 'selfResolved': return c.self_resolved;
    case 'verified': return c.verified;
    default: return computeWorkerKpis(c)[by];
  }
}
