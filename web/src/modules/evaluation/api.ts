import { useMemo } from 'react';
import { api, withQuery } from '../../shell/api.js';
import { useAuth } from '../../shell/auth.js';

/** Counts of the cases reported in a period (docs/kpis.md). */
export interface Counts {
  reported: number; registered: number; due: number; dispatched: number; closed: number; closedOnTime: number; overdue: number;
  reworked: number; returned: number; deferred: number; selfResolved: number; urged: number; handled: number; handlingMs: number;
}

export interface Kpis {
  closeRate: number | null; onTimeCloseRate: number | null; reworkRate: number | null; returnRate: number | null;
  overdueRate: number | null; immediateRate: number | null; averageHandlingHours: number | null;
}

export type AreaLevel = 'district' | 'street' | 'community' | 'unit';
export type BreakdownBy = 'day' | 'category' | 'street' | 'community';

export interface Period {
  from: string;
  to: string;
}

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

/** Grid code length per level (6 + 3 + 3 + 3 digits). */
const LEVEL_OF_LENGTH: Record<number, AreaLevel> = { 6: 'district', 9: 'street', 12: 'community', 15: 'unit' };
export const levelOf = (code: string): AreaLevel | null => LEVEL_OF_LENGTH[code.length] ?? null;

export const evaluationApi = {
  kpis: (code: string, p: Period) => api.get<KpiAnswer>('/api/evaluation/kpis', { level: levelOf(code) ?? 'district', code, ...p }),
  breakdown: (code: string, by: BreakdownBy, p: Period) =>
    api.get<{ items: BreakdownItem[] }>('/api/evaluation/breakdown', { level: levelOf(code) ?? 'district', code, by, ...p }),
  rankings: (of: 'departments' | 'streets', p: Period) =>
    api.get<{ previousPeriod: Period; items: RankingItem[] }>('/api/evaluation/rankings', { of, by: 'onTimeCloseRate', ...p }),
};

/** Today in Asia/Shanghai, 'YYYY-MM-DD'. */
export function todayInShanghai(now = Date.now()): string {
  return new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ms = (day: string) => Date.parse(`${day}T00:00:00Z`);
export const addDays = (day: string, n: number) => iso(ms(day) + n * DAY);

export type PeriodKind = 'week' | 'month' | 'quarter';

/** This week (from Monday), month or quarter, up to today. */
export function currentPeriod(kind: PeriodKind, today = todayInShanghai()): Period {
  const d = new Date(ms(today));
  if (kind === 'week') return { from: addDays(today, -((d.getUTCDay() + 6) % 7)), to: today };
  const month = kind === 'month' ? d.getUTCMonth() : d.getUTCMonth() - (d.getUTCMonth() % 3);
  return { from: iso(Date.UTC(d.getUTCFullYear(), month, 1)), to: today };
}

/** The period of equal length just before (as the rankings' previous period, docs/kpis.md). */
export function previousOf(p: Period): Period {
  const length = Math.round((ms(p.to) - ms(p.from)) / DAY) + 1;
  return { from: addDays(p.from, -length), to: addDays(p.from, -1) };
}

/** Every day of a period, for a trend with no gaps. */
export function daysOf(p: Period): string[] {
  const out: string[] = [];
  for (let d = p.from; d <= p.to && out.length < 1100; d = addDays(d, 1)) out.push(d);
  return out;
}

/** What a drilled figure counts, as the incident list's filters. */
export interface Drill {
  grid: string;
  from: string;
  to: string;
  status?: 'closed';
  category?: string;
  leadDepartment?: string;
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
