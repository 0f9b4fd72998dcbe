import { describe, expect, it } from 'vitest';
import { shanghaiDay, tallyOpen } from './overview.js';

describe('shanghaiDay', () => {
  it('starts the day at 00:00 UTC+8, also when UTC is still on the previous date', () => {
    // 2026-12-03 17:30 UTC is 2026-12-04 01:30 in Shanghai.
    const d = shanghaiDay(Date.UTC(2026, 11, 3, 17, 30));
    expect(d.today).toBe('2026-12-04');
    expect(d.start).toBe(Date.UTC(2026, 11, 3, 16, 0));
    expect(d.monthStart).toBe('2026-12-01');
  });
  it('keeps the previous day until 16:00 UTC, and turns the month at the local midnight', () => {
    expect(shanghaiDay(Date.UTC(2026, 10, 30, 15, 59, 59, 999)).today).toBe('2026-11-30');
    const d = shanghaiDay(Date.UTC(2026, 10, 30, 16, 0));
    expect(d).toEqual({ start: Date.UTC(2026, 10, 30, 16, 0), today: '2026-12-01', monthStart: '2026-12-01' });
  });
});

describe('tallyOpen', () => {
  const groups = [
    { status: 'dispatched', majorCode: '01', streetCode: '320114001', count: 3 },
    { status: 'reported', majorCode: null, streetCode: '320114002', count: 2 },
    { status: 'dispatched', majorCode: '02', streetCode: '320114002', count: 4 },
    { status: 'handling', majorCode: '01', streetCode: '320114001', count: 1 },
  ];
  it('sums each breakdown from the same groups', () => {
    const t = tallyOpen(groups, ['reported', 'registered', 'dispatched', 'handling']);
    expect(t.total).toBe(10);
    expect(t.byStatus).toEqual([{ key: 'reported', count: 2 }, { key: 'dispatched', count: 7 }, { key: 'handling', count: 1 }]);
    expect(t.byCategory).toEqual([{ key: '01', count: 4 }, { key: '02', count: 4 }, { key: null, count: 2 }]);
    expect(t.byStreet).toEqual([{ key: '320114002', count: 6 }, { key: '320114001', count: 4 }]);
  });
  it('is empty for no open cases', () => {
    expect(tallyOpen([], ['reported'])).toEqual({ total: 0, byStatus: [], byCategory: [], byStreet: [] });
  });
});
