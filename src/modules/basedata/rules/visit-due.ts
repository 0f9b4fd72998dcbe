/**
 * How often a grid worker calls on a household, by the special groups
 * (特殊人群) living in it. A household with several tagged members is due at
 * the shortest interval among them; tags not listed here (veteran, party
 * member, volunteer) need no routine visit.
 */
export const VISIT_INTERVAL_DAYS: Readonly<Record<string, number>> = {
  elderly_alone: 7,
  extreme_poverty: 7,
  left_behind_child: 14,
  disabled: 30,
  low_income: 30,
  elderly: 30,
};

/** Tags that make a household due for routine visits. */
export const VISITED_TAGS: readonly string[] = Object.keys(VISIT_INTERVAL_DAYS);

const DAY_MS = 86_400_000;

/** The shortest routine interval of the tags, or null when none needs routine visits. */
export function visitIntervalDays(tags: Iterable<string>): number | null {
  let best: number | null = null;
  for (const tag of tags) {
    const days = VISIT_INTERVAL_DAYS[tag];
    if (days !== undefined && (best === null || days < best)) best = days;
  }
  return best;
}

export interface VisitDue {
  /** When the next visit falls due; null when the household was never visited (due at once). */
  dueAt: number | null;
  overdue: boolean;
}

/** The next routine visit after the last one (epoch ms), or at once when there was none. */
export function visitDue(lastVisitedAt: number | null, intervalDays: number, now: number): VisitDue {
  if (lastVisitedAt === null) return { dueAt: null, overdue: true };
  const dueAt = lastVisitedAt + intervalDays * DAY_MS;
  return { dueAt, overdue: dueAt <= now };
}

/**
 * Order of a due list: never-visited households first, then by due time,
 * then by household id so that pages are stable.
 */
export function compareDue(a: { dueAt: number | null; householdId: number }, b: { dueAt: number | null; householdId: number }): number {
  const da = a.dueAt ?? -Infinity;
  const db = b.dueAt ?? -Infinity;
  if (da !== db) return da < db ? -1 : 1;
  return a.householdId - b.householdId;
}
