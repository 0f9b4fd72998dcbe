import { describe, expect, it } from 'vitest';
import { lastEndedPeriod, parsePeriodKey, periodContaining, periodLabel, previousReportPeriod, shanghaiDay, shanghaiDayStart } from './periods.js';

const at = (s: string) => Date.parse(s);

describe('report periods in Asia/Shanghai', () => {
  it('takes the Shanghai calendar day of an instant, not the UTC one', () => {
    expect(shanghaiDay(at('2026-11-30T15:59:59.999Z'))).toBe('2026-11-30');
    expect(shanghaiDay(at('2026-11-30T16:00:00Z'))).toBe('2026-12-01');
    expect(shanghaiDayStart('2026-12-01')).toBe(at('2026-11-30T16:00:00Z'));
  });

  it('weeks run Monday to Sunday and are numbered as ISO 8601 weeks', () => {
    expect(periodContaining('weekly', '2026-12-03')).toEqual({ key: '2026-W49', from: '2026-11-30', to: '2026-12-06' });
    expect(periodContaining('weekly', '2026-12-06')).toEqual({ key: '2026-W49', from: '2026-11-30', to: '2026-12-06' });
    // 1 January 2027 is a Friday: its week is the last of 2026.
    expect(periodContaining('weekly', '2027-01-01')).toEqual({ key: '2026-W53', from: '2026-12-28', to: '2027-01-03' });
    // 29 December 2025 (Monday) opens week 1 of 2026.
    expect(periodContaining('weekly', '2025-12-31').key).toBe('2026-W01');
  });

  it('months and quarters are calendar ones, leap February included', () => {
    expect(periodContaining('monthly', '2028-02-10')).toEqual({ key: '2028-02', from: '2028-02-01', to: '2028-02-29' });
    expect(periodContaining('monthly', '2026-02-28')).toEqual({ key: '2026-02', from: '2026-02-01', to: '2026-02-28' });
    expect(periodContaining('quarterly', '2026-08-15')).toEqual({ key: '2026-Q3', from: '2026-07-01', to: '2026-09-30' });
    expect(periodContaining('quarterly', '2026-12-31')).toEqual({ key: '2026-Q4', from: '2026-10-01', to: '2026-12-31' });
  });

  it('the previous period is the previous calendar one, across a year', () => {
    expect(previousReportPeriod('monthly', periodContaining('monthly', '2026-03-31'))).toEqual({ key: '2026-02', from: '2026-02-01', to: '2026-02-28' });
    expect(previousReportPeriod('quarterly', periodContaining('quarterly', '2026-01-05')).key).toBe('2025-Q4');
    expect(previousReportPeriod('weekly', periodContaining('weekly', '2026-01-01'))).toEqual({ key: '2025-W52', from: '2025-12-22', to: '2025-12-28' });
  });

  it('the schedule takes the period that ended last, by the Shanghai clock', () => {
    // 23:59 on Sunday 6 December in Shanghai: the week is not over yet.
    expect(lastEndedPeriod('weekly', at('2026-12-06T15:59:00Z')).key).toBe('2026-W48');
    // 00:00 on Monday 7 December in Shanghai (still Sunday in UTC): week 49 has ended.
    expect(lastEndedPeriod('weekly', at('2026-12-06T16:00:00Z')).key).toBe('2026-W49');
    expect(lastEndedPeriod('monthly', at('2026-11-30T16:00:00Z')).key).toBe('2026-11');
    expect(lastEndedPeriod('monthly', at('2026-11-30T15:59:59Z')).key).toBe('2026-10');
    expect(lastEndedPeriod('quarterly', at('2026-12-31T16:00:00Z')).key).toBe('2026-Q4');
    expect(lastEndedPeriod('quarterly', at('2026-12-31T15:00:00Z')).key).toBe('2026-Q3');
  });

  it('parses period keys and refuses those that name no period', () => {
    expect(parsePeriodKey('weekly', '2026-W53')).toEqual({ key: '2026-W53', from: '2026-12-28', to: '2027-01-03' });
    expect(parsePeriodKey('weekly', '2026-W01')?.from).toBe('2025-12-29');
    expect(parsePeriodKey('weekly', '2025-W53')).toBeNull();
    expect(parsePeriodKey('weekly', '2026-W00')).toBeNull();
    expect(parsePeriodKey('monthly', '2026-13')).toBeNull();
    expect(parsePeriodKey('monthly', '2026-11')).toEqual({ key: '2026-11', from: '2026-11-01', to: '2026-11-30' });
    expect(parsePeriodKey('quarterly', '2026-Q5')).toBeNull();
    expect(parsePeriodKey('quarterly', '2026-Q2')).toEqual({ key: '2026-Q2', from: '2026-04-01', to: '2026-06-30' });
    expect(parsePeriodKey('monthly', '2026-Q2')).toBeNull();
  });

  it('names periods as a report title does', () => {
    expect(periodLabel('weekly', periodContaining('weekly', '2026-12-03'))).toBe('2026年第49周（11月30日—12月6日）');
    expect(periodLabel('monthly', periodContaining('monthly', '2026-11-03'))).toBe('2026年11月');
    expect(periodLabel('quarterly', periodContaining('quarterly', '2026-11-03'))).toBe('2026年第四季度');
    expect(periodLabel('quarterly', periodContaining('quarterly', '2026-11-03'), 'en')).toBe('2026 Q4');
  });
});
