/**
 * Pure pieces of the command overview (docs/command-screen.md): the
 * command centre's day, and the open-case tallies from one grouped read.
 */

const DAY_MS = 86_400_000;
/** Asia/Shanghai has kept UTC+8 without daylight saving since 1991. */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

export interface ShanghaiDay {
  /** Epoch ms of today's 00:00 in Asia/Shanghai. */
  start: number;
  /** 'YYYY-MM-DD' of today there. */
  today: string;
  /** 'YYYY-MM-01' of this month there. */
  monthStart: string;
}

export function shanghaiDay(now: number): ShanghaiDay {
  const local = now + SHANGHAI_OFFSET_MS;
  const start = Math.floor(local / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
  const today = new Date(local).toISOString().slice(0, 10);
  return { start, today, monthStart: `${today.slice(0, 8)}01` };
}

/** One group of the open-case read: how many open cases share a status, major category and street. */
export interface OpenGroup {
  status: string;
  /** null: not classified yet (reported, not registered). */
  majorCode: string | null;
  streetCode: string;
  count: number;
}

export interface Tally {
  key: string | null;
  count: number;
}

export interface OpenTallies {
  total: number;
  byStatus: Tally[];
  byCategory: Tally[];
  byStreet: Tally[];
}

function sum(groups: readonly OpenGroup[], keyOf: (g: OpenGroup) => string | null, order?: readonly string[]): Tally[] {
  const counts = new Map<string | null, number>();
  for (const g of groups) counts.set(keyOf(g), (counts.get(keyOf(g)) ?? 0) + g.count);
  const items = [...counts.entries()].map(([key, count]) => ({ key, count }));
  if (order) return items.sort((a, b) => order.indexOf(a.key ?? '') - order.indexOf(b.key ?? ''));
  // Most first; equal counts by code, so the screen does not reshuffle between refreshes.
  return items.sort((a, b) => b.count - a.count || String(a.key ?? '~').localeCompare(String(b.key ?? '~')));
}

/** The three breakdowns of open cases; statuses in the loop's order. */
export function tallyOpen(groups: readonly OpenGroup[], statusOrder: readonly string[]): OpenTallies {
  return {
    total: groups.reduce((n, g) => n + g.count, 0),
    byStatus: sum(groups, (g) => g.status, statusOrder),
    byCategory: sum(groups, (g) => g.majorCode),
    byStreet: sum(groups, (g) => g.streetCode),
  };
}
