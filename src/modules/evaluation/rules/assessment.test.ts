import { describe, expect, it } from 'vitest';
import { kpiMark, periodDays, rankScores, schemeProblem, scoreUnit, type SchemeDefinition } from './assessment.js';
import { zeroMeasures, type Measures } from './rollup.js';

const counts = (m: Partial<Measures>): Measures => ({ ...zeroMeasures(), ...m });

const SCHEME: SchemeDefinition = {
  indicators: [
    { key: 'ontime', name: '按期结案率', kind: 'kpi', kpi: 'onTimeCloseRate', weight: 50, target: 0.9, floor: 0.5 },
    { key: 'overdue', name: '超期率', kind: 'kpi', kpi: 'overdueRate', weight: 20, target: 0.05, floor: 0.25 },
    { key: 'inspect', name: '现场督查', kind: 'manual', weight: 30, maxScore: 10 },
  ],
  deductions: [
    { key: 'returns', name: '退回扣分', count: 'returned', points: 0.5, cap: 2 },
    { key: 'reworks', name: '返工扣分', count: 'reworked', points: 1, cap: 5 },
  ],
};

describe('assessment scoring', () => {
  it('marks a KPI fully at or beyond its target, not at all at or beyond its floor, linearly between, either direction', () => {
    expect(kpiMark(0.95, 0.9, 0.5, true)).toBe(1);
    expect(kpiMark(0.9, 0.9, 0.5, true)).toBe(1);
    expect(kpiMark(0.7, 0.9, 0.5, true)).toBeCloseTo(0.5, 12);
    expect(kpiMark(0.4, 0.9, 0.5, true)).toBe(0);
    expect(kpiMark(0.15, 0.05, 0.25, false)).toBeCloseTo(0.5, 12);
    expect(kpiMark(0.3, 0.05, 0.25, false)).toBe(0);
    expect(kpiMark(null, 0.9, 0.5, true)).toBe(1);
  });

  it('sums weighted marks and subtracts capped deductions, flagging a manual item not scored yet', () => {
    // due 20, deferred 0: on time 14/20 = 0.7 (mark 0.5); overdue 3/20 = 0.15 (mark 0.5).
    const c = counts({ due: 20, closed_on_time: 14, overdue: 3, returned: 7, reworked: 2 });
    const scored = scoreUnit(SCHEME, c, [{ indicatorKey: 'inspect', score: 8 }]);
    expect(scored.indicators.map((i) => [i.key, i.points, i.missing])).toEqual([['ontime', 25, false], ['overdue', 10, false], ['inspect', 24, false]]);
    expect(scored.deductions).toEqual([{ key: 'returns', name: '退回扣分', count: 7, points: 2 }, { key: 'reworks', name: '返工扣分', count: 2, points: 2 }]);
    expect(scored.score).toBe(25 + 10 + 24 - 4);
    const unscored = scoreUnit(SCHEME, c, []);
    expect(unscored.indicators[2]).toMatchObject({ value: null, points: 0, missing: true });
    expect(unscored.score).toBe(25 + 10 - 4);
  });

  it('refuses a scheme whose weights do not make 100, with a floor on the wrong side, or with a key twice', () => {
    expect(schemeProblem(SCHEME)).toBeNull();
    expect(schemeProblem({ ...SCHEME, indicators: SCHEME.indicators.slice(1) })).toBe('weights_not_100');
    expect(schemeProblem({ ...SCHEME, indicators: [{ ...SCHEME.indicators[0]!, floor: 0.95 } as never, ...SCHEME.indicators.slice(1)] })).toBe('floor_not_below_target');
    expect(schemeProblem({ ...SCHEME, deductions: [{ ...SCHEME.deductions[0]!, key: 'ontime' }] })).toBe('duplicate_key');
    expect(schemeProblem({ indicators: [], deductions: [] })).toBe('no_indicators');
  });

  it('ranks by score with shared ranks, and knows months and quarters', () => {
    expect(rankScores([{ c: 'a', score: 80 }, { c: 'b', score: 90 }, { c: 'c', score: 80 }, { c: 'd', score: 60 }]).map((u) => [u.c, u.rank]))
      .toEqual([['b', 1], ['a', 2], ['c', 2], ['d', 4]]);
    expect(periodDays('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(periodDays('2026-Q4')).toEqual({ from: '2026-10-01', to: '2026-12-31' });
    expect(periodDays('2026-13')).toBeNull();
    expect(periodDays('2026-Q5')).toBeNull();
  });
});
