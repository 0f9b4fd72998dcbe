/**
 * The duty rota (排班): who is on duty on a day, and from when to when. Pure.
 *
 * A rota is a weekly pattern (a shift or a day off for each weekday) that
 * may follow the working-time calendar: then statutory holidays are days off
 * even when the pattern has a shift, and the swapped working weekends
 * (调休上班) are on duty with the pattern's usual weekday shift. Exceptions
 * for one date override the pattern: for one member first, then for the
 * whole team. Shifts lie within one local day (end after start).
 */
import { dayNumberFromYmd, weekdayOfDayNumber, type WorkCalendar } from '../../incidents/rules/calendar.js';

/** Minutes after local midnight: [start, end). */
export interface Shift {
  start: number;
  end: number;
}

/** Index 0 is Sunday … 6 Saturday (as Date#getUTCDay). */
export type WeeklyPattern = readonly (Shift | null)[];

export interface Rota {
  weekly: WeeklyPattern;
  followCalendar: boolean;
}

export interface RotaException {
  date: string;
  /** null: the whole team. */
  memberId: number | null;
  /** null: a day off. */
  shift: Shift | null;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** 'HH:MM' → minutes after midnight; null for a malformed value. */
export function parseHhmm(text: string): number | null {
  const m = HHMM.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export function formatHhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** Monday to Friday with one shift; the pattern a new team starts from. */
export function weekdaysPattern(shift: Shift): WeeklyPattern {
  return [null, shift, shift, shift, shift, shift, null];
}

/** The shift of the pattern's usual working weekday (the first of Monday…Friday with one). */
function usualShift(weekly: WeeklyPattern): Shift | null {
  for (const d of [1, 2, 3, 4, 5]) {
    const s = weekly[d];
    if (s) return s;
  }
  return null;
}

/** The shift of a member on a local date ('YYYY-MM-DD'), or null for a day off. */
export function shiftOn(
  ymd: string,
  rota: Rota,
  exceptions: readonly RotaException[],
  calendar: WorkCalendar,
  memberId: number | null = null,
): Shift | null {
  const own = memberId === null ? undefined : exceptions.find((e) => e.date === ymd && e.memberId === memberId);
  if (own) return own.shift;
  const team = exceptions.find((e) => e.date === ymd && e.memberId === null);
  if (team) return team.shift;
  const day = dayNumberFromYmd(ymd);
  const planned = rota.weekly[weekdayOfDayNumber(day)] ?? null;
  if (!rota.followCalendar) return planned;
  if (calendar.holidayDays.has(day)) return null;
  if (calendar.workingWeekendDays.has(day)) return planned ?? usualShift(rota.weekly);
  return planned;
}

/** Checks a weekly pattern: seven entries, each null or a shift with 0 ≤ start < end ≤ 24:00. */
export function patternProblem(weekly: readonly (Shift | null)[]): string | null {
  if (weekly.length !== 7) return 'the weekly pattern needs seven days';
  for (const s of weekly) {
    if (s === null) continue;
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > 1440 || s.start >= s.end) return 'a shift must end after it starts, within one day';
  }
  return null;
}
