/**
 * Working-time calendar and deadline arithmetic. Pure: no clock, no I/O.
 *
 * Every instant is UTC epoch milliseconds. Days and working periods are
 * local wall-clock values in a fixed UTC offset (mainland China has no DST,
 * so Asia/Shanghai is always UTC+8 and a fixed offset is exact).
 *
 * Working periods are half-open: [08:30, 12:00) contains 08:30 but not
 * 12:00, so an instant at a period's end is outside working time and a
 * deadline that uses up a period exactly falls on its end (12:00, not 14:30).
 */
import { CN_PUBLISHED_HOLIDAY_YEARS, type PublishedHolidayYear } from '../data/holidays.js';

export const SHANGHAI_UTC_OFFSET_MINUTES = 8 * 60;

const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
const MINUTES_PER_DAY = 1440;
/** A calendar with no working day in ten years is broken; stop scanning rather than loop forever. */
const MAX_SCAN_DAYS = 3660;

/** [start, end) in minutes after local midnight, e.g. [510, 720] is 08:30–12:00. */
export type WorkingPeriod = readonly [start: number, end: number];

export const DEFAULT_WORKING_PERIODS: readonly WorkingPeriod[] = [
  [8 * 60 + 30, 12 * 60],
  [14 * 60 + 30, 18 * 60],
];

/** Day of week as Date#getUTCDay numbers it: 0 Sunday … 6 Saturday. */
export const DEFAULT_WEEKEND_DAYS: readonly number[] = [0, 6];

export type TimeUnit = 'hours' | 'days';

/** A time limit in working time. */
export interface TimeLimit {
  amount: number;
  unit: TimeUnit;
}

/** One year's statutory days off and swapped working days, as 'YYYY-MM-DD' local dates. */
export interface CalendarYear {
  year: number;
  holidays: readonly string[];
  workingWeekends: readonly string[];
}

export interface WorkCalendarOptions {
  periods?: readonly WorkingPeriod[];
  weekendDays?: readonly number[];
  years?: readonly CalendarYear[];
  utcOffsetMinutes?: number;
}

/**
 * An immutable working-time calendar. Build it with createWorkCalendar,
 * which validates; day numbers count local days since 1970-01-01.
 */
export interface WorkCalendar {
  readonly utcOffsetMinutes: number;
  readonly periods: readonly WorkingPeriod[];
  readonly weekendDays: ReadonlySet<number>;
  readonly holidayDays: ReadonlySet<number>;
  readonly workingWeekendDays: ReadonlySet<number>;
  /** Years for which a holiday arrangement was given; other years use plain weekends. */
  readonly years: ReadonlySet<number>;
  /** Working milliseconds in one working day (7 hours with the defaults). */
  readonly dailyWorkingMs: number;
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' → local day number; throws RangeError on a malformed or impossible date. */
export function dayNumberFromYmd(ymd: string): number {
  const m = YMD.exec(ymd);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${ymd}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`no such date: ${ymd}`);
  }
  return ms / MS_PER_DAY;
}

export function ymdFromDayNumber(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** 0 Sunday … 6 Saturday; 1970-01-01 (day 0) was a Thursday. */
export function weekdayOfDayNumber(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

/** The local calendar date of an instant, 'YYYY-MM-DD'. */
export function localYmd(cal: WorkCalendar, ms: number): string {
  return ymdFromDayNumber(localDayNumber(cal, ms));
}

function localDayNumber(cal: WorkCalendar, ms: number): number {
  return Math.floor((ms + cal.utcOffsetMinutes * MS_PER_MINUTE) / MS_PER_DAY);
}

/** Expands a published arrangement (ranges of days off) into a CalendarYear. */
export function calendarYearFromPublished(published: PublishedHolidayYear): CalendarYear {
  const holidays: string[] = [];
  const workingWeekends: string[] = [];
  for (const a of published.arrangements) {
    const first = dayNumberFromYmd(a.daysOff[0]);
    const last = dayNumberFromYmd(a.daysOff[1]);
    if (last < first) throw new RangeError(`${a.nameEn}: days off end before they start`);
    for (let d = first; d <= last; d++) holidays.push(ymdFromDayNumber(d));
    workingWeekends.push(...a.workingDays);
  }
  return { year: published.year, holidays, workingWeekends };
}

export function createWorkCalendar(options: WorkCalendarOptions = {}): WorkCalendar {
  const periods = options.periods ?? DEFAULT_WORKING_PERIODS;
  const weekendDays = options.weekendDays ?? DEFAULT_WEEKEND_DAYS;
  const utcOffsetMinutes = options.utcOffsetMinutes ?? SHANGHAI_UTC_OFFSET_MINUTES;

  if (!Number.isInteger(utcOffsetMinutes) || Math.abs(utcOffsetMinutes) > 14 * 60) {
    throw new RangeError(`bad UTC offset: ${utcOffsetMinutes}`);
  }
  if (periods.length === 0) throw new RangeError('a calendar needs at least one working period');
  let previousEnd = 0;
  let dailyMinutes = 0;
  for (const [start, end] of periods) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > MINUTES_PER_DAY || start >= end) {
      throw new RangeError(`bad working period [${start}, ${end}]`);
    }
    if (start < previousEnd) throw new RangeError('working periods must be sorted and must not overlap');
    previousEnd = end;
    dailyMinutes += end - start;
  }
  for (const w of weekendDays) {
    if (!Number.isInteger(w) || w < 0 || w > 6) throw new RangeError(`bad weekend day: ${w}`);
  }
  const weekend = new Set(weekendDays);

  const holidayDays = new Set<number>();
  const workingWeekendDays = new Set<number>();
  const years = new Set<number>();
  for (const y of options.years ?? []) {
    if (years.has(y.year)) throw new RangeError(`year ${y.year} given twice`);
    years.add(y.year);
    for (const ymd of y.holidays) {
      if (!ymd.startsWith(`${y.year}-`)) throw new RangeError(`${ymd} is not in ${y.year}`);
      holidayDays.add(dayNumberFromYmd(ymd));
    }
    for (const ymd of y.workingWeekends) {
      const day = dayNumberFromYmd(ymd);
      // A swapped working day is by definition a weekend day; anything else is a typo in the data.
      if (!weekend.has(weekdayOfDayNumber(day))) throw new RangeError(`${ymd} is not a weekend day`);
      if (holidayDays.has(day)) throw new RangeError(`${ymd} is both a holiday and a working day`);
      workingWeekendDays.add(day);
    }
  }

  return {
    utcOffsetMinutes,
    periods: periods.map(([s, e]) => [s, e] as const),
    weekendDays: weekend,
    holidayDays,
    workingWeekendDays,
    years,
    dailyWorkingMs: dailyMinutes * MS_PER_MINUTE,
  };
}

/** The default calendar: Shanghai time, 08:30–12:00 and 14:30–18:00, with the shipped State Council years. */
export function createDefaultWorkCalendar(): WorkCalendar {
  return createWorkCalendar({ years: CN_PUBLISHED_HOLIDAY_YEARS.map(calendarYearFromPublished) });
}

function isWorkingDayNumber(cal: WorkCalendar, day: number): boolean {
  if (cal.holidayDays.has(day)) return false;
  if (cal.workingWeekendDays.has(day)) return true;
  return !cal.weekendDays.has(weekdayOfDayNumber(day));
}

/** Whether a local date ('YYYY-MM-DD') is a working day: holidays off, swapped weekends on. */
export function isWorkingDay(cal: WorkCalendar, dateYmd: string): boolean {
  return isWorkingDayNumber(cal, dayNumberFromYmd(dateYmd));
}

/** Whether the instant lies inside a working period of a working day. */
export function isWorkingInstant(cal: WorkCalendar, ms: number): boolean {
  const day = localDayNumber(cal, ms);
  if (!isWorkingDayNumber(cal, day)) return false;
  const minute = (ms + cal.utcOffsetMinutes * MS_PER_MINUTE - day * MS_PER_DAY) / MS_PER_MINUTE;
  return cal.periods.some(([s, e]) => minute >= s && minute < e);
}

/**
 * Moves forward by `workMs` of working time. With workMs = 0 this is the
 * first working instant at or after startMs.
 */
function advanceWorkingMs(cal: WorkCalendar, startMs: number, workMs: number): number {
  const offset = cal.utcOffsetMinutes * MS_PER_MINUTE;
  const local = startMs + offset;
  let day = Math.floor(local / MS_PER_DAY);
  let remaining = workMs;
  for (let scanned = 0; scanned < MAX_SCAN_DAYS; scanned++, day++) {
    if (!isWorkingDayNumber(cal, day)) continue;
    const base = day * MS_PER_DAY;
    for (const [s, e] of cal.periods) {
      const periodEnd = base + e * MS_PER_MINUTE;
      if (local >= periodEnd) continue;
      const from = Math.max(local, base + s * MS_PER_MINUTE);
      const available = periodEnd - from;
      if (remaining <= available) return from + remaining - offset;
      remaining -= available;
    }
  }
  throw new RangeError(`no working time found within ${MAX_SCAN_DAYS} days`);
}

/** The first instant at or after ms that is inside working time. */
export function nextWorkingInstant(cal: WorkCalendar, ms: number): number {
  return advanceWorkingMs(cal, ms, 0);
}

/** Working ms elapsed in its day before a working instant (its "working-clock position"). */
function positionInDay(cal: WorkCalendar, workingMs: number): { day: number; position: number } {
  const local = workingMs + cal.utcOffsetMinutes * MS_PER_MINUTE;
  const day = Math.floor(local / MS_PER_DAY);
  const minuteMs = local - day * MS_PER_DAY;
  let position = 0;
  for (const [s, e] of cal.periods) {
    const ps = s * MS_PER_MINUTE;
    const pe = e * MS_PER_MINUTE;
    if (minuteMs < pe) return { day, position: position + Math.max(0, minuteMs - ps) };
    position += pe - ps;
  }
  throw new Error('positionInDay needs a working instant');
}

function instantAtPosition(cal: WorkCalendar, day: number, position: number): number {
  let cumulative = 0;
  for (const [s, e] of cal.periods) {
    const length = (e - s) * MS_PER_MINUTE;
    if (position < cumulative + length) {
      return day * MS_PER_DAY + s * MS_PER_MINUTE + (position - cumulative) - cal.utcOffsetMinutes * MS_PER_MINUTE;
    }
    cumulative += length;
  }
  throw new Error('position beyond the working day');
}

function assertLimit(limit: TimeLimit): void {
  if (!Number.isFinite(limit.amount) || limit.amount <= 0) {
    throw new RangeError(`a time limit must be a positive number, got ${limit.amount}`);
  }
  if (limit.unit !== 'hours' && limit.unit !== 'days') throw new RangeError(`bad time unit: ${String(limit.unit)}`);
}

/**
 * The deadline that is `limit` of working time after startMs.
 *
 * - hours: only time inside working periods of working days counts. The
 *   deadline is the instant at which that much working time has elapsed; if
 *   it is used up exactly at a period's end, the deadline is that end.
 * - days: the start is first moved to the next working instant (unchanged if
 *   already inside a working period; otherwise the start of the next working
 *   period). The deadline is the same working-clock position (working time
 *   elapsed since the day's first period start) N working days later. So
 *   Mon 10:00 + 1 day = Tue 10:00; Fri 12:00 (between periods) + 1 day =
 *   Mon 14:30; a start on a holiday counts from the next working morning.
 *   A fraction of a day is added after the whole days as that fraction of
 *   one working day's hours.
 *
 * Either way workingMsBetween(start, deadline) equals the limit in working ms
 * (a day being cal.dailyWorkingMs).
 */
export function addWorkingTime(cal: WorkCalendar, startMs: number, limit: TimeLimit): number {
  assertLimit(limit);
  if (limit.unit === 'hours') return advanceWorkingMs(cal, startMs, Math.round(limit.amount * MS_PER_HOUR));
  const wholeDays = Math.floor(limit.amount);
  const fraction = limit.amount - wholeDays;
  const { day: startDay, position } = positionInDay(cal, nextWorkingInstant(cal, startMs));
  let day = startDay;
  let left = wholeDays;
  for (let scanned = 0; left > 0; scanned++) {
    if (scanned >= MAX_SCAN_DAYS) throw new RangeError(`no working day found within ${MAX_SCAN_DAYS} days`);
    day++;
    if (isWorkingDayNumber(cal, day)) left--;
  }
  const whole = instantAtPosition(cal, day, position);
  return fraction > 0 ? advanceWorkingMs(cal, whole, Math.round(fraction * cal.dailyWorkingMs)) : whole;
}

/** Working time in [fromMs, toMs), in ms; 0 when toMs <= fromMs. */
export function workingMsBetween(cal: WorkCalendar, fromMs: number, toMs: number): number {
  if (!(toMs > fromMs)) return 0;
  const offset = cal.utcOffsetMinutes * MS_PER_MINUTE;
  const from = fromMs + offset;
  const to = toMs + offset;
  const lastDay = Math.floor(to / MS_PER_DAY);
  let total = 0;
  for (let day = Math.floor(from / MS_PER_DAY); day <= lastDay; day++) {
    if (!isWorkingDayNumber(cal, day)) continue;
    const base = day * MS_PER_DAY;
    for (const [s, e] of cal.periods) {
      const overlap = Math.min(to, base + e * MS_PER_MINUTE) - Math.max(from, base + s * MS_PER_MINUTE);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

/**
 * Share of a stage's working time used by nowMs: working time from start to
 * now over working time from start to deadline. Not clamped: above 1 means
 * past the deadline in working time. Being overdue is decided by wall clock
 * (now > deadline), not by this fraction, which stays at 1 through an
 * evening after an 18:00 deadline.
 */
export function fractionUsed(cal: WorkCalendar, startMs: number, deadlineMs: number, nowMs: number): number {
  const total = workingMsBetween(cal, startMs, deadlineMs);
  if (total <= 0) return nowMs >= deadlineMs ? 1 : 0;
  return workingMsBetween(cal, startMs, nowMs) / total;
}

/** A time limit in working milliseconds (days count cal.dailyWorkingMs each). */
export function limitToWorkingMs(cal: WorkCalendar, limit: TimeLimit): number {
  assertLimit(limit);
  return Math.round(limit.amount * (limit.unit === 'hours' ? MS_PER_HOUR : cal.dailyWorkingMs));
}
