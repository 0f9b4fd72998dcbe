/**
 * Report periods in Asia/Shanghai calendar days ('YYYY-MM-DD', both ends
 * included, as the evaluation service counts them): the ISO week (Monday to
 * Sunday) of the weekly dispatch review, the calendar month of the monthly
 * bulletin, the calendar quarter of the quarterly appraisal. Shanghai has no
 * daylight saving, so a fixed +8 h offset is exact.
 */
export const REPORT_KINDS = ['weekly', 'monthly', 'quarterly'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportPeriod {
  /** '2026-W48', '2026-11' or '2026-Q4'. */
  key: string;
  from: string;
  to: string;
}

const DAY = 86_400_000;
const SHANGHAI_OFFSET = 8 * 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const msOf = (day: string) => Date.parse(`${day}T00:00:00Z`);
const addDays = (day: string, n: number) => iso(msOf(day) + n * DAY);
const pad = (n: number) => String(n).padStart(2, '0');

/** The Asia/Shanghai calendar day of an instant. */
export function shanghaiDay(instant: number): string {
  return iso(instant + SHANGHAI_OFFSET);
}

/** The instant an Asia/Shanghai day starts. */
export function shanghaiDayStart(day: string): number {
  return msOf(day) - SHANGHAI_OFFSET;
}

/** ISO 8601 week-numbering year and week of a day (the week belongs to the year of its Thursday). */
function isoWeek(day: string): { year: number; week: number; monday: string } {
  const weekday = (new Date(msOf(day)).getUTCDay() + 6) % 7;
  const monday = addDays(day, -weekday);
  const thursday = addDays(monday, 3);
  const year = Number(thursday.slice(0, 4));
  const week = Math.floor((msOf(thursday) - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return { year, week, monday };
}

/** The period of a kind that contains a day. */
export function periodContaining(kind: ReportKind, day: string): ReportPeriod {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  if (kind === 'weekly') {
    const w = isoWeek(day);
    return { key: `${w.year}-W${pad(w.week)}`, from: w.monday, to: addDays(w.monday, 6) };
  }
  const first = kind === 'monthly' ? month : month - ((month - 1) % 3);
  const months = kind === 'monthly' ? 1 : 3;
  const from = `${year}-${pad(first)}-01`;
  const to = iso(Date.UTC(year, first - 1 + months, 1) - DAY);
  return { key: kind === 'monthly' ? `${year}-${pad(month)}` : `${year}-Q${(first - 1) / 3 + 1}`, from, to };
}

/** The period just before (a calendar month before a month, not a period of equal length). */
export function previousReportPeriod(kind: ReportKind, p: ReportPeriod): ReportPeriod {
  return periodContaining(kind, addDays(p.from, -1));
}

/** The last period of a kind that has ended by an instant (the one a schedule generates). */
export function lastEndedPeriod(kind: ReportKind, now: number): ReportPeriod {
  return previousReportPeriod(kind, periodContaining(kind, shanghaiDay(now)));
}

const KEY_PATTERNS: Record<ReportKind, RegExp> = {
  weekly: /^(\d{4})-W(\d{2})$/,
  monthly: /^(\d{4})-(\d{2})$/,
  quarterly: /^(\d{4})-Q([1-4])$/,
};

/** Parses '2026-W48', '2026-11' or '2026-Q4' for its kind; null when it names no such period. */
export function parsePeriodKey(kind: ReportKind, key: string): ReportPeriod | null {
  const m = KEY_PATTERNS[kind].exec(key);
  if (!m) return null;
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (year < 2000 || year > 2999) return null;
  if (kind === 'monthly') return n >= 1 && n <= 12 ? periodContaining(kind, `${year}-${pad(n)}-01`) : null;
  if (kind === 'quarterly') return periodContaining(kind, `${year}-${pad((n - 1) * 3 + 1)}-01`);
  if (n < 1) return null;
  // Week 1 holds 4 January; week n starts 7(n-1) days after its Monday.
  const p = periodContaining('weekly', addDays(periodContaining('weekly', `${year}-01-04`).from, (n - 1) * 7));
  return p.key === key ? p : null;
}

const QUARTER_ZH = ['一', '二', '三', '四'];

/** The period as a report title names it: '2026年第48周（11月23日—11月29日）', '2026年11月', '2026年第四季度'. */
export function periodLabel(kind: ReportKind, p: ReportPeriod, locale: 'zh-CN' | 'en' = 'zh-CN'): string {
  const year = p.from.slice(0, 4);
  const md = (day: string) => (locale === 'zh-CN' ? `${Number(day.slice(5, 7))}月${Number(day.slice(8, 10))}日` : day.slice(5));
  if (kind === 'weekly') {
    const week = Number(p.key.slice(6));
    return locale === 'zh-CN' ? `${p.key.slice(0, 4)}年第${week}周（${md(p.from)}—${md(p.to)}）` : `${p.key.slice(0, 4)} week ${week} (${md(p.from)} to ${md(p.to)})`;
  }
  if (kind === 'monthly') return locale === 'zh-CN' ? `${year}年${Number(p.from.slice(5, 7))}月` : p.key;
  const q = Number(p.key.slice(6));
  return locale === 'zh-CN' ? `${year}年第${QUARTER_ZH[q - 1]}季度` : `${year} Q${q}`;
}
