import { describe, expect, it } from 'vitest';
import { currentPeriod, daysOf, previousOf, todayInShanghai } from '../../web/src/modules/evaluation/periods.js';
import { previousPeriod } from '../../src/modules/evaluation/rules/kpis.js';

describe('the dashboard periods (Asia/Shanghai days)', () => {
  it('takes today in Beijing time, whatever the clock zone', () => {
    expect(todayInShanghai(Date.parse('2026-03-31T16:00:00Z'))).toBe('2026-04-01');
    expect(todayInShanghai(Date.parse('2026-03-31T15:59:59Z'))).toBe('2026-03-31');
  });

  it('starts a week on Monday, a month on its first, a quarter on its first month', () => {
    expect(currentPeriod('week', '2026-12-03')).toEqual({ from: '2026-11-30', to: '2026-12-03' });
    expect(currentPeriod('week', '2026-12-06')).toEqual({ from: '2026-11-30', to: '2026-12-06' });
    expect(currentPeriod('week', '2026-11-30')).toEqual({ from: '2026-11-30', to: '2026-11-30' });
    expect(currentPeriod('month', '2026-12-03')).toEqual({ from: '2026-12-01', to: '2026-12-03' });
    expect(currentPeriod('quarter', '2026-12-03')).toEqual({ from: '2026-10-01', to: '2026-12-03' });
    expect(currentPeriod('quarter', '2026-03-31')).toEqual({ from: '2026-01-01', to: '2026-03-31' });
  });

  it('puts the previous period where the server ranks it, and lists every day', () => {
    for (const p of [{ from: '2026-03-01', to: '2026-03-31' }, { from: '2026-12-01', to: '2026-12-03' }, { from: '2024-02-28', to: '2024-03-01' }]) {
      expect(previousOf(p)).toEqual(previousPeriod(p.from, p.to));
    }
    expect(daysOf({ from: '2024-02-27', to: '2024-03-01' })).toEqual(['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01']);
  });
});
