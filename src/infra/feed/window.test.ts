import { describe, expect, it } from 'vitest';
import { FeedWindow } from './window.js';

const rows = (...ids: number[]) => ids.map((id) => ({ id }));
const ids = (r: { rows: { id: number }[] }) => r.rows.map((x) => x.id);

describe('feed window', () => {
  it('serves the rows after a position it covers, in id order, with a late gap fill in its place', () => {
    const w = new FeedWindow<{ id: number }>(10);
    expect(w.covers(9)).toBe(false);
    expect(w.covers(10)).toBe(true);
    w.keep(rows(11, 12, 14));
    w.keep(rows(9, 13, 15));
    w.keep(rows(13));
    expect(ids(w.after(10, 100))).toEqual([11, 12, 13, 14, 15]);
    expect(ids(w.after(12, 2))).toEqual([13, 14]);
    expect(w.after(12, 2).full).toBe(true);
    expect(w.after(13, 2).full).toBe(false);
    expect(ids(w.after(15, 10))).toEqual([]);
  });

  it('covers nothing without a start', () => {
    const w = new FeedWindow<{ id: number }>(null);
    w.keep(rows(1, 2));
    expect(w.covers(0)).toBe(false);
  });

  it('drops the oldest rows past its size and then covers only what it still holds', () => {
    const w = new FeedWindow<{ id: number }>(0, 5);
    w.keep(rows(...Array.from({ length: 11 }, (_, i) => i + 1)));
    expect(w.covers(5)).toBe(false);
    expect(w.covers(6)).toBe(true);
    expect(ids(w.after(6, 100))).toEqual([7, 8, 9, 10, 11]);
    // A late row below the covered range is not taken (a reader there reads the database).
    w.keep(rows(3));
    expect(ids(w.after(6, 100))).toEqual([7, 8, 9, 10, 11]);
  });

  it('drops rows older than its age, so a quiet feed does not keep the day', () => {
    let now = 1_000;
    const w = new FeedWindow<{ id: number }>(0, 100, 30_000, () => now);
    w.keep(rows(1, 2));
    now += 20_000;
    w.keep(rows(3));
    expect(ids(w.after(0, 10))).toEqual([1, 2, 3]);
    now += 15_000;
    w.keep(rows(4));
    expect(w.covers(1)).toBe(false);
    expect(w.covers(2)).toBe(true);
    expect(ids(w.after(2, 10))).toEqual([3, 4]);
  });
});
