import { describe, expect, it } from 'vitest';
import { compareDue, visitDue, visitIntervalDays } from './visit-due.js';

const DAY = 86_400_000;

describe('routine household visits', () => {
  it('takes the shortest interval among the tags that need visits', () => {
    expect(visitIntervalDays(['low_income', 'elderly_alone'])).toBe(7);
    expect(visitIntervalDays(['disabled'])).toBe(30);
    expect(visitIntervalDays(['left_behind_child', 'elderly'])).toBe(14);
    expect(visitIntervalDays(['veteran', 'party_member'])).toBeNull();
    expect(visitIntervalDays([])).toBeNull();
  });

  it('falls due an interval after the last visit, and at once when never visited', () => {
    const now = Date.UTC(2026, 2, 10);
    expect(visitDue(null, 7, now)).toEqual({ dueAt: null, overdue: true });
    expect(visitDue(now - 8 * DAY, 7, now)).toEqual({ dueAt: now - DAY, overdue: true });
    expect(visitDue(now - 7 * DAY, 7, now)).toEqual({ dueAt: now, overdue: true });
    expect(visitDue(now - 6 * DAY, 7, now)).toEqual({ dueAt: now + DAY, overdue: false });
  });

  it('lists never-visited households first, then the earliest due, ties by id', () => {
    const rows = [
      { householdId: 3, dueAt: 200 },
      { householdId: 5, dueAt: null },
      { householdId: 1, dueAt: 200 },
      { householdId: 2, dueAt: 100 },
      { householdId: 4, dueAt: null },
    ];
    expect([...rows].sort(compareDue).map((r) => r.householdId)).toEqual([4, 5, 2, 1, 3]);
  });
});
