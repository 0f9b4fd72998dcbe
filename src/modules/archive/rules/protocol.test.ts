import { describe, expect, it } from 'vitest';
import { archiveCutoff, deletable, isDue, settleLeftovers } from './protocol.js';

describe('archive protocol rules', () => {
  it('the cutoff is that many days before now, and refuses a negative age', () => {
    expect(archiveCutoff(10 * 86_400_000, 3)).toBe(7 * 86_400_000);
    expect(archiveCutoff(5, 0)).toBe(5);
    expect(() => archiveCutoff(0, -1)).toThrow();
    expect(() => archiveCutoff(0, Number.NaN)).toThrow();
  });

  it('closed, rejected and merged cases last changed before the cutoff are due; open or recent ones are not', () => {
    expect(isDue({ status: 'closed', updated_at: 99 }, 100)).toBe(true);
    expect(isDue({ status: 'rejected', updated_at: 1 }, 100)).toBe(true);
    expect(isDue({ status: 'merged', updated_at: 1 }, 100)).toBe(true);
    expect(isDue({ status: 'closed', updated_at: 100 }, 100)).toBe(false);
    expect(isDue({ status: 'deferred', updated_at: 1 }, 100)).toBe(false);
    expect(isDue({ status: 'handling', updated_at: 1 }, 100)).toBe(false);
  });

  it('only copies still present, final and at the copied version may be deleted', () => {
    const copied = [{ id: 1, version: 3 }, { id: 2, version: 5 }, { id: 3, version: 1 }, { id: 4, version: 2 }];
    const current = [
      { id: 1, version: 3, status: 'closed' },
      // changed since the copy
      { id: 2, version: 6, status: 'closed' },
      // id 3 is gone already (a run deleted it)
      { id: 4, version: 2, status: 'handling' },
    ];
    expect(deletable(copied, current)).toEqual([1]);
  });

  it('leftover copies are confirmed when the business row is gone and dropped when it is still there', () => {
    expect(settleLeftovers([5, 6, 7], new Set([6]))).toEqual({ confirm: [5, 7], drop: [6] });
    expect(settleLeftovers([], new Set())).toEqual({ confirm: [], drop: [] });
  });
});
