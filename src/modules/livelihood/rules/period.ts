/**
 * Calendar periods in Asia/Shanghai (UTC+8, no daylight saving) as epoch
 * ranges, for the 民生实事 and 联点走访 figures.
 */
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

/** Epoch ms of midnight in Shanghai at the start of `date` ('YYYY-MM-DD'). */
export function shanghaiMidnight(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS;
}

/** [from, to) in epoch ms for the days `from`..`to` inclusive. */
export function dayRange(from: string, to: string): { start: number; end: number } {
  return { start: shanghaiMidnight(from), end: shanghaiMidnight(to) + 86_400_000 };
}

/** [start, end) of a month 'YYYY-MM'. */
export function monthRange(month: string): { start: number; end: number } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return { start: shanghaiMidnight(`${month}-01`), end: shanghaiMidnight(`${next}-01`) };
}

/** The Shanghai month 'YYYY-MM' of an instant. */
export function shanghaiMonth(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 7);
}

/** The Shanghai date 'YYYY-MM-DD' of an instant. */
export function shanghaiDate(ms: number): string {
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}
