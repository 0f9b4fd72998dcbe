/**
 * Local days and months (Asia/Shanghai through the working calendar's fixed
 * offset) as the workforce module counts them. Pure.
 */
import { dayNumberFromYmd, localYmd, ymdFromDayNumber, type WorkCalendar } from '../../incidents/rules/calendar.js';

export const DAY_MS = 86_400_000;

/** Local midnight starting a date, epoch ms. */
export function dayStart(cal: WorkCalendar, ymd: string): number {
  return dayNumberFromYmd(ymd) * DAY_MS - cal.utcOffsetMinutes * 60_000;
}

export function todayYmd(cal: WorkCalendar, now: number): string {
  return localYmd(cal, now);
}

/** Every date of a month 'YYYY-MM', in order. */
export function daysOfMonth(month: string): string[] {
  const first = dayNumberFromYmd(`${month}-01`);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const next = Math.floor(Date.UTC(y, m, 1) / DAY_MS);
  const out: string[] = [];
  for (let d = first; d < next; d++) out.push(ymdFromDayNumber(d));
  return out;
}

/** Whether a date lies in [from, to] (inclusive 'YYYY-MM-DD' strings compare as dates). */
export function dateWithin(ymd: string, from: string, to: string | null): boolean {
  return ymd >= from && (to === null || ymd <= to);
}

/** Days from `from` to `to` inclusive. */
export function daysBetween(from: string, to: string): number {
  return dayNumberFromYmd(to) - dayNumberFromYmd(from) + 1;
}

export function isValidYmd(ymd: string): boolean {
  try {
    dayNumberFromYmd(ymd);
    return true;
  } catch {
    return false;
  }
}

export function isValidMonth(month: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(month);
}
