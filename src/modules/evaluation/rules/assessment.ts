/**
 * 督查考核: scoring a department or street for a period by a scheme
 * (docs/assessment.md). Pure: the service feeds it the period's counts and
 * KPIs from the statistics store and the supervisors' manual scores.
 *
 * Score = Σ weight × (indicator's mark, 0–1) − Σ deductions (each capped).
 * The weights sum to 100, so a unit without deductions scores 0–100.
 */
import { HIGHER_IS_BETTER, computeKpis, rank, type KpiName } from './kpis.js';
import type { Measures, RollupMeasure } from './rollup.js';

export const ASSESSMENT_SUBJECTS = ['department', 'street'] as const;
export type AssessmentSubject = (typeof ASSESSMENT_SUBJECTS)[number];

/** A KPI of docs/kpis.md judged against a target: full marks at the target or better, linear down to none at the floor. */
export interface KpiIndicator {
  key: string;
  name: string;
  kind: 'kpi';
  kpi: KpiName;
  weight: number;
  target: number;
  /** The value that earns nothing: below the target for a KPI where higher is better, above it otherwise. */
  floor: number;
}

/** A manual inspection item (现场督查…): a supervisor enters 0–maxScore per unit, with evidence. */
export interface ManualIndicator {
  key: string;
  name: string;
  kind: 'manual';
  weight: number;
  maxScore: number;
}

export type Indicator = KpiIndicator | ManualIndicator;

/** Counts that deduct points (e.g. 超期, 退回), each count costing `points`, at most `cap` in all. */
export const DEDUCTION_COUNTS = ['overdue', 'returned', 'reworked', 'urged'] as const satisfies readonly RollupMeasure[];
export type DeductionCount = (typeof DEDUCTION_COUNTS)[number];

export interface Deduction {
  key: string;
  name: string;
  count: DeductionCount;
  points: number;
  cap: number;
}

export interface SchemeDefinition {
  indicators: Indicator[];
  deductions: Deduction[];
}

/** Why a scheme cannot be saved, or null. */
export function schemeProblem(s: SchemeDefinition): string | null {
  if (s.indicators.length === 0) return 'no_indicators';
  const keys = [...s.indicators.map((i) => i.key), ...s.deductions.map((d) => d.key)];
  if (new Set(keys).size !== keys.length) return 'duplicate_key';
  const total = s.indicators.reduce((sum, i) => sum + i.weight, 0);
  if (Math.abs(total - 100) > 1e-9) return 'weights_not_100';
  for (const i of s.indicators) {
    if (i.kind === 'kpi' && (HIGHER_IS_BETTER[i.kpi] ? i.floor >= i.target : i.floor <= i.target)) return 'floor_not_below_target';
  }
  return null;
}

/**
 * The mark (0–1) of a KPI value: 1 at the target or better, 0 at the floor
 * or worse, linear between. No value (no cases to judge) earns full marks:
 * a unit is not penalised for work it was not given.
 */
export function kpiMark(value: number | null, target: number, floor: number, higherIsBetter: boolean): number {
  if (value === null) return 1;
  const better = higherIsBetter ? value >= target : value <= target;
  if (better) return 1;
  const worse = higherIsBetter ? value <= floor : value >= floor;
  if (worse) return 0;
  return (value - floor) / (target - floor);
}

export interface ManualScore {
  indicatorKey: string;
  score: number;
}

export interface IndicatorResult {
  key: string;
  name: string;
  kind: 'kpi' | 'manual';
  weight: number;
  /** The KPI value, or the manual score entered; null when none (no cases, or not entered yet). */
  value: number | null;
  /** 0–1. */
  mark: number;
  /** weight × mark. */
  points: number;
  /** A manual item nobody has scored yet (earns nothing). */
  missing: boolean;
}

export interface DeductionResult {
  key: string;
  name: string;
  count: number;
  points: number;
}

export interface UnitScore {
  indicators: IndicatorResult[];
  deductions: DeductionResult[];
  score: number;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** One unit's score for a period. A manual item not scored earns nothing and is flagged. */
export function scoreUnit(scheme: SchemeDefinition, counts: Measures, manual: readonly ManualScore[]): UnitScore {
  const kpis = computeKpis(counts);
  const indicators = scheme.indicators.map((i): IndicatorResult => {
    if (i.kind === 'kpi') {
      const value = kpis[i.kpi];
      const mark = kpiMark(value, i.target, i.floor, HIGHER_IS_BETTER[i.kpi]);
      return { key: i.key, name: i.name, kind: 'kpi', weight: i.weight, value, mark, points: round(i.weight * mark), missing: false };
    }
    const entered = manual.find((m) => m.indicatorKey === i.key);
    const mark = entered ? Math.min(1, Math.max(0, entered.score / i.maxScore)) : 0;
    return { key: i.key, name: i.name, kind: 'manual', weight: i.weight, value: entered?.score ?? null, mark, points: round(i.weight * mark), missing: !entered };
  });
  const deductions = scheme.deductions.map((d): DeductionResult => {
    const count = counts[d.count];
    return { key: d.key, name: d.name, count, points: round(Math.min(d.cap, count * d.points)) };
  });
  const score = round(indicators.reduce((s, i) => s + i.points, 0) - deductions.reduce((s, d) => s + d.points, 0));
  return { indicators, deductions, score };
}

/** Units ranked by score, highest first; equal scores share a rank (1, 2, 2, 4). */
export function rankScores<T extends { score: number }>(units: readonly T[]): (T & { rank: number })[] {
  return rank(units, (u) => u.score, true).map((r) => ({ ...r.item, rank: r.rank! }));
}

/** A month 'YYYY-MM' or a quarter 'YYYY-Qn' as its first and last calendar days; null when malformed. */
export function periodDays(period: string): { from: string; to: string } | null {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  const q = /^(\d{4})-Q([1-4])$/.exec(period);
  if (!m && !q) return null;
  const year = Number((m ?? q)![1]);
  const firstMonth = m ? Number(m[2]) : (Number(q![2]) - 1) * 3 + 1;
  const months = m ? 1 : 3;
  const iso = (d: Date) => d.toISOString().slice(0, 10);
  return { from: iso(new Date(Date.UTC(year, firstMonth - 1, 1))), to: iso(new Date(Date.UTC(year, firstMonth - 1 + months, 0))) };
}
