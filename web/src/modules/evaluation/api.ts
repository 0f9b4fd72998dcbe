import { useMemo } from 'react';
import { api, withQuery } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';
import { addDays } from './periods.js';
import type { Incident } from '../incidents/api.js';

/** Counts of the cases reported in a period (docs/kpis.md). */
export interface Counts {
  reported: number; registered: number; due: number; dispatched: number; closed: number; closedOnTime: number; overdue: number;
  reworked: number; returned: number; deferred: number; selfResolved: number; urged: number; handled: number; handlingMs: number;
}

export interface Kpis {
  closeRate: number | null; onTimeCloseRate: number | null; reworkRate: number | null; returnRate: number | null;
  overdueRate: number | null; immediateRate: number | null; averageHandlingHours: number | null; coHandlingOnTimeRate: number | null;
}

export type AreaLevel = 'district' | 'street' | 'community' | 'unit';
export type BreakdownBy = 'day' | 'category' | 'street' | 'community';

export type { Period } from './periods.js';
import type { Period } from './periods.js';

export interface KpiAnswer {
  name: string | null;
  period: Period;
  counts: Counts;
  kpis: Kpis;
}

export interface BreakdownItem {
  key: string;
  name: string | null;
  nameEn: string | null;
  counts: Counts;
  kpis: Kpis;
}

export interface RankingItem {
  code: string;
  name: string | null;
  rank: number | null;
  value: number | null;
  previousRank: number | null;
  previousValue: number | null;
  counts: Counts;
  kpis: Kpis;
}

/** A grid worker's counts over the cases reported in a period (docs/kpis.md, per grid worker). */
export interface WorkerCounts { reported: number; selfResolved: number; verified: number; verifiedOnTime: number; verifyMs: number }

export const WORKER_RANKING_BY = ['reported', 'selfResolved', 'verified', 'verifyOnTimeRate', 'averageVerifyHours'] as const;
export type WorkerRankingBy = (typeof WORKER_RANKING_BY)[number];

export interface WorkerRankingItem {
  username: string | null;
  name: string | null;
  rank: number | null;
  value: number | null;
  previousRank: number | null;
  previousValue: number | null;
  counts: WorkerCounts;
  kpis: { verifyOnTimeRate: number | null; averageVerifyHours: number | null };
}

export type AssessmentSubject = 'department' | 'street';

export type SchemeIndicator =
  | { key: string; name: string; kind: 'kpi'; kpi: keyof Kpis; weight: number; target: number; floor: number }
  | { key: string; name: string; kind: 'manual'; weight: number; maxScore: number };
export interface SchemeDeduction { key: string; name: string; count: 'overdue' | 'returned' | 'reworked' | 'urged'; points: number; cap: number }
export interface SchemeDefinition { indicators: SchemeIndicator[]; deductions: SchemeDeduction[] }
export interface SchemeAnswer { active: { version: number; definition: SchemeDefinition; createdAt: string; createdBy: string | null } }

export interface AssessmentUnit {
  code: string;
  name: string | null;
  score: number;
  rank: number;
  indicators: {
    key: string; name: string; kind: 'kpi' | 'manual'; weight: number; value: number | null; mark: number; points: number; missing: boolean;
    evidence: { score: number; note: string; attachments: string[]; enteredBy: string | null; enteredAt: string } | null;
  }[];
  deductions: { key: string; name: string; count: number; points: number }[];
}

export interface AssessmentResults {
  subject: AssessmentSubject;
  period: string;
  from: string;
  to: string;
  status: 'unopened' | 'open' | 'closed';
  schemeVersion: number;
  closedAt: string | null;
  closedBy: string | null;
  units: AssessmentUnit[];
}

export const assessmentApi = {
  scheme: (subject: AssessmentSubject) => api.get<SchemeAnswer>('/api/evaluation/assessment/scheme', { subject }),
  saveScheme: (subject: AssessmentSubject, definition: SchemeDefinition) => api.put<{ version: number }>('/api/evaluation/assessment/scheme', { subject, definition }),
  results: (subject: AssessmentSubject, period: string) => api.get<AssessmentResults>('/api/evaluation/assessment/results', { subject, period }),
  enterScore: (body: { subject: AssessmentSubject; period: string; indicatorKey: string; unitCode: string; score: number; note: string; attachments: string[] }) =>
    api.put<AssessmentResults>('/api/evaluation/assessment/scores', body),
  close: (subject: AssessmentSubject, period: string) => api.post<AssessmentResults>('/api/evaluation/assessment/close', { subject, period }),
};

/** Grid code length per level (6 + 3 + 3 + 3 digits). */
const LEVEL_OF_LENGTH: Record<number, AreaLevel> = { 6: 'district', 9: 'street', 12: 'community', 15: 'unit' };
export const levelOf = (code: string): AreaLevel | null => LEVEL_OF_LENGTH[code.length] ?? null;

/** The counts that drill through the statistics store (docs/kpis.md): no incident column tells them. */
export type CaseMeasure = 'closedOnTime' | 'overdue' | 'handled' | 'closed';

export function casesPath(d: { code: string; measure: CaseMeasure; from: string; to: string }): string {
  return withQuery('/statistics/cases', { level: levelOf(d.code) ?? 'district', code: d.code, measure: d.measure, from: d.from, to: d.to });
}

export const evaluationApi = {
  cases: (q: { level: string; code: string; measure: string; from: string; to: string }, page: number, pageSize: number) =>
    api.get<{ total: number; items: Incident[]; archived: { id: number; code: string }[] }>('/api/evaluation/cases', { ...q, page, pageSize }),
  kpis: (code: string, p: Period) => api.get<KpiAnswer>('/api/evaluation/kpis', { level: levelOf(code) ?? 'district', code, ...p }),
  breakdown: (code: string, by: BreakdownBy, p: Period) =>
    api.get<{ items: BreakdownItem[] }>('/api/evaluation/breakdown', { level: levelOf(code) ?? 'district', code, by, ...p }),
  rankings: (of: 'departments' | 'streets', p: Period) =>
    api.get<{ previousPeriod: Period; items: RankingItem[] }>('/api/evaluation/rankings', { of, by: 'onTimeCloseRate', ...p }),
  workers: (grid: string, by: WorkerRankingBy, p: Period) =>
    api.get<{ previousPeriod: Period; items: WorkerRankingItem[] }>('/api/evaluation/workers', { grid, by, ...p }),
};

/** What a drilled figure counts, as the incident list's filters. */
export interface Drill {
  grid: string;
  from: string;
  to: string;
  status?: 'closed' | 'deferred';
  category?: string;
  leadDepartment?: string;
  /** Counts with an incident column behind them (docs/kpis.md): cases reworked, returned or urged at least once. */
  flag?: 'reworked' | 'returned' | 'urged';
}

/**
 * The incident list of the cases a figure counts: reported in the period's
 * Asia/Shanghai days (cohort by report day), in the area, with the figure's
 * own condition.
 */
export function drillPath(d: Drill): string {
  return withQuery('/incidents', {
    grid: d.grid,
    from: new Date(`${d.from}T00:00:00+08:00`).toISOString(),
    to: new Date(`${addDays(d.to, 1)}T00:00:00+08:00`).toISOString(),
    status: d.status,
    category: d.category,
    leadDepartment: d.leadDepartment,
    ...(d.flag ? { [d.flag]: 'true' } : {}),
  });
}

/** The widest grid node of the caller's roles: the area shown when none is picked. */
export function useTopArea(): string | null {
  const { me } = useAuth();
  return useMemo(() => {
    const grids = (me?.roles ?? []).filter((r) => r.scope.kind === 'grid' && levelOf(r.scope.code) !== null).map((r) => r.scope.code);
    return grids.sort((a, b) => a.length - b.length)[0] ?? null;
  }, [me]);
}
