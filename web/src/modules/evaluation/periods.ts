/** Statistic periods as Asia/Shanghai calendar days ('YYYY-MM-DD', both ends included): pure, tested in test/evaluation/periods.test.ts. */
export interface Period {
  from: string;
  to: string;
}

/** Today in Asia/Shanghai, 'YYYY-MM-DD'. */
export function todayInShanghai(now = Date.now()): string {
  return new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ms = (day: string) => Date.parse(`${day}T00:00:00Z`);
export const addDays = (day: string, n: number) => iso(ms(day) + n * DAY);

export type PeriodKind = 'week' | 'month' | 'quarter';

/** This week (from Monday), month or quarter, up to today. */
export function currentPeriod(kind: PeriodKind, today = todayInShanghai()): Period {
  const d = new Date(ms(today));
  if (kind === 'week') return { from: addDays(today, -((d.getUTCDay() + 6) % 7)), to: today };
  const month = kind === 'month' ? d.getUTCMonth() : d.getUTCMonth() - (d.getUTCMonth() % 3);
  return { from: iso(Date.UTC(d.getUTCFullYear(), month, 1)), to: today };
}

/** The period of equal length just before (as the rankings' previous period, docs/kpis.md). */
export function previousOf(p: Period): Period {
  const length = Math.round((ms(p.to) - ms(p.from)) / DAY) + 1;
  return { from: addDays(p.from, -length), to: addDays(p.from, -1) };
}

/** Every day of a period, for a trend with no gaps. */
export function daysOf(p: Period): string[] {
  const out: string[] = [];
  for (let d = p.from; d <= p.to && out.length < 1100; d = addDays(d, 1)) out.push(d);
  return out;
}

