import { describe, expect, it } from 'vitest';
import { admit, decodeCursor, encodeCursor, expireGaps, MAX_CURSOR_GAPS, type LiveCursor } from './tail.js';

describe('live cursor', () => {
  it('admits new ids once, holds the ids skipped over as gaps and admits them when they come', () => {
    const c: LiveCursor = { high: 10, gaps: [] };
    expect(admit(c, 11, 0, 100)).toBe(true);
    expect(admit(c, 14, 0, 100)).toBe(true);
    expect(c).toEqual({ high: 14, gaps: [{ id: 12, holdUntil: 100 }, { id: 13, holdUntil: 100 }] });
    expect(admit(c, 11, 0, 100)).toBe(false);
    expect(admit(c, 13, 0, 100)).toBe(true);
    expect(admit(c, 13, 0, 100)).toBe(false);
    expect(c.gaps.map((g) => g.id)).toEqual([12]);
    expect(encodeCursor(c)).toBe('14.12');
  });

  it('gives a gap up after its hold', () => {
    const c: LiveCursor = { high: 5, gaps: [{ id: 3, holdUntil: 50 }, { id: 4, holdUntil: 80 }] };
    expect(expireGaps(c, 60)).toBe(1);
    expect(c.gaps).toEqual([{ id: 4, holdUntil: 80 }]);
  });

  it('reads back what it wrote, with fresh holds, and nothing else', () => {
    expect(decodeCursor('14.12.13', 1000, 500)).toEqual({ high: 14, gaps: [{ id: 12, holdUntil: 1500 }, { id: 13, holdUntil: 1500 }] });
    expect(decodeCursor('0', 0, 1)).toEqual({ high: 0, gaps: [] });
    for (const bad of ['', 'x', '1.', '.1', '5.6', '5.5', '-1', '1e3', '1 2']) expect(decodeCursor(bad, 0, 1), bad).toBeNull();
  });

  it('carries at most the newest gaps in an id', () => {
    const gaps = Array.from({ length: MAX_CURSOR_GAPS + 10 }, (_, i) => ({ id: i + 1, holdUntil: 0 }));
    const text = encodeCursor({ high: 1000, gaps });
    expect(text.split('.')).toHaveLength(MAX_CURSOR_GAPS + 1);
    expect(decodeCursor(text, 0, 1)!.gaps[0]!.id).toBe(11);
  });
});
