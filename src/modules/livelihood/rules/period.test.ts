import { describe, expect, it } from 'vitest';
import { dayRange, monthRange, shanghaiDate, shanghaiMonth } from './period.js';

describe('Shanghai periods', () => {
  it('starts a month at Shanghai midnight and rolls over the year', () => {
    const dec = monthRange('2026-12');
    expect(new Date(dec.start).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(new Date(dec.end).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(shanghaiMonth(dec.start)).toBe('2026-12');
    expect(shanghaiMonth(dec.start - 1)).toBe('2026-11');
  });

  it('covers whole days inclusive', () => {
    const r = dayRange('2026-01-01', '2026-01-31');
    expect(r.end - r.start).toBe(31 * 86_400_000);
    expect(shanghaiDate(r.end - 1)).toBe('2026-01-31');
    expect(shanghaiDate(r.end)).toBe('2026-02-01');
  });
});
