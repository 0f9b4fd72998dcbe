import { describe, expect, it } from 'vitest';
import { addVerdict, channelOf, emptyFigures, periodBounds } from './satisfaction.js';

describe('satisfaction rate', () => {
  it('counts satisfied and basically satisfied over the rated', () => {
    let f = emptyFigures();
    expect(f.rate).toBeNull();
    f = addVerdict(f, 'satisfied', 3);
    f = addVerdict(f, 'basically_satisfied', 1);
    f = addVerdict(f, 'unsatisfied', 1);
    expect(f).toEqual({ rated: 5, satisfied: 3, basicallySatisfied: 1, unsatisfied: 1, rate: 0.8 });
  });

  it('splits channels and bounds days in Beijing time', () => {
    expect(channelOf('hotline_12345')).toBe('hotline');
    expect(channelOf('citizen')).toBe('citizen');
    expect(channelOf('grid_worker')).toBe('other');
    const { start, end } = periodBounds('2026-12-01', '2026-12-01');
    expect(new Date(start).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(end - start).toBe(86_400_000);
  });
});
