import { describe, expect, it } from 'vitest';
import { computeKpis, computeWorkerKpis, previousPeriod, rank, workerValue } from './kpis.js';
import { zeroMeasures, zeroWorkerMeasures, type Measures } from './rollup.js';

const counts = (m: Partial<Measures>): Measures => ({ ...zeroMeasures(), ...m });

describe('KPI formulas', () => {
  it('computes each published rate from its counts', () => {
    const k = computeKpis(counts({ due: 20, deferred: 4, closed: 15, closed_on_time: 12, dispatched: 10, reworked: 2, returned: 1, overdue: 3, self_resolved: 5, handled: 4, handling_ms: 4 * 7_200_000 }));
    expect(k.closeRate).toBe(15 / 20);
    expect(k.onTimeCloseRate).toBe(12 / 16);
    expect(k.reworkRate).toBe(2 / 10);
    expect(k.returnRate).toBe(1 / 10);
    expect(k.overdueRate).toBe(3 / 20);
    expect(k.immediateRate).toBe(5 / 20);
    expect(k.averageHandlingHours).toBe(2);
  });

  it('rates a department\'s co-handling parts by their own deadlines, among the parts replied', () => {
    expect(computeKpis(counts({ parts: 5, parts_replied: 4, parts_on_time: 3, parts_overdue: 1 })).coHandlingOnTimeRate).toBe(3 / 4);
    expect(computeKpis(counts({ parts: 2 })).coHandlingOnTimeRate).toBeNull();
  });

  it('answers null, not 0, when there is nothing to divide by (every due case deferred)', () => {
    const k = computeKpis(counts({ due: 3, deferred: 3 }));
    expect(k.onTimeCloseRate).toBeNull();
    expect(k.closeRate).toBe(0);
    expect(k.reworkRate).toBeNull();
    expect(k.averageHandlingHours).toBeNull();
  });
});

describe('rankings', () => {
  it('shares a rank between equal values, skips the next and puts the valueless last', () => {
    const r = rank(['a', 'b', 'c', 'd', 'e'], (x) => ({ a: 0.5, b: 0.9, c: 0.5, d: null, e: 0.1 })[x] ?? null, true);
    expect(r.map((x) => [x.item, x.rank])).toEqual([['b', 1], ['a', 2], ['c', 2], ['e', 4], ['d', null]]);
  });

  it('ranks lower first where lower is better', () => {
    expect(rank([3, 1, 2], (x) => x, false).map((x) => x.item)).toEqual([1, 2, 3]);
  });

  it('takes the previous period of equal length', () => {
    expect(previousPeriod('2026-03-01', '2026-03-31')).toEqual({ from: '2026-01-29', to: '2026-02-28' });
    expect(previousPeriod('2026-11-02', '2026-11-08')).toEqual({ from: '2026-10-26', to: '2026-11-01' });
  });
});

describe('worker KPI formulas', () => {
  it('computes the on-time verification rate and the average verification time, null without verifications', () => {
    const c = { ...zeroWorkerMeasures(), reported: 7, self_resolved: 2, verified: 4, verified_on_time: 3, verify_ms: 6 * 3_600_000 };
    expect(computeWorkerKpis(c)).toEqual({ verifyOnTimeRate: 0.75, averageVerifyHours: 1.5 });
    expect(computeWorkerKpis({ ...zeroWorkerMeasures(), reported: 3 })).toEqual({ verifyOnTimeRate: null, averageVerifyHours: null });
    expect([workerValue(c, 'reported'), workerValue(c, 'selfResolved'), workerValue(c, 'verified'), workerValue(c, 'averageVerifyHours')]).toEqual([7, 2, 4, 1.5]);
  });
});
