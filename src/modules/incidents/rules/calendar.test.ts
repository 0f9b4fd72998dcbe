import { describe, expect, it } from 'vitest';
import { CN_HOLIDAYS_2025, CN_HOLIDAYS_2026, CN_PUBLISHED_HOLIDAY_YEARS } from '../data/holidays.js';
import {
  DEFAULT_WORKING_PERIODS,
  SHANGHAI_UTC_OFFSET_MINUTES,
  addWorkingTime,
  calendarYearFromPublished,
  createDefaultWorkCalendar,
  createWorkCalendar,
  dayNumberFromYmd,
  fractionUsed,
  isWorkingDay,
  isWorkingInstant,
  limitToWorkingMs,
  localYmd,
  nextWorkingInstant,
  weekdayOfDayNumber,
  workingMsBetween,
  ymdFromDayNumber,
  type TimeLimit,
} from './calendar.js';

const cal = createDefaultWorkCalendar();
const H = 3_600_000;
const M = 60_000;
const DAY = 7 * H;

/** Shanghai wall-clock time 'YYYY-MM-DD HH:MM[:SS.mmm]' → UTC ms. */
function at(local: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{3}))?)?$/.exec(local);
  if (!m) throw new Error(`bad test time ${local}`);
  const [, y, mo, d, h, mi, s, ms] = m;
  return (
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), Number(ms ?? 0)) -
    8 * H
  );
}

/** UTC ms → Shanghai wall clock 'YYYY-MM-DD HH:MM' (seconds when not zero). */
function show(ms: number): string {
  const iso = new Date(ms + 8 * H).toISOString();
  const seconds = iso.slice(16, 23);
  return iso.slice(0, 10) + ' ' + iso.slice(11, 16) + (seconds === ':00.000' ? '' : seconds);
}

const hours = (amount: number): TimeLimit => ({ amount, unit: 'hours' });
const days = (amount: number): TimeLimit => ({ amount, unit: 'days' });

/** Deterministic pseudo-random numbers (mulberry32) so property checks are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('constants and dates', () => {
  it('fixes Shanghai at UTC+8 and ships the default periods', () => {
    expect(SHANGHAI_UTC_OFFSET_MINUTES).toBe(480);
    expect(DEFAULT_WORKING_PERIODS).toEqual([
      [510, 720],
      [870, 1080],
    ]);
    expect(cal.dailyWorkingMs).toBe(7 * H);
  });

  it('round-trips day numbers and weekdays', () => {
    expect(dayNumberFromYmd('1970-01-01')).toBe(0);
    expect(weekdayOfDayNumber(0)).toBe(4);
    expect(weekdayOfDayNumber(-1)).toBe(3);
    expect(weekdayOfDayNumber(dayNumberFromYmd('2025-01-26'))).toBe(0);
    expect(ymdFromDayNumber(dayNumberFromYmd('2024-02-29'))).toBe('2024-02-29');
    expect(() => dayNumberFromYmd('2025-02-29')).toThrow(RangeError);
    expect(() => dayNumberFromYmd('2025-1-2')).toThrow(RangeError);
  });

  it('takes the local (Shanghai) date of an instant', () => {
    expect(localYmd(cal, Date.UTC(2025, 0, 1, 15, 59))).toBe('2025-01-01');
    expect(localYmd(cal, Date.UTC(2025, 0, 1, 16, 0))).toBe('2025-01-02');
  });
});

describe('isWorkingDay', () => {
  const cases: [string, boolean, string][] = [
    ['2025-01-01', false, 'New Year (Wed)'],
    ['2025-01-02', true, 'ordinary Thursday'],
    ['2025-01-04', false, 'ordinary Saturday'],
    ['2025-01-05', false, 'ordinary Sunday'],
    ['2025-01-26', true, 'Sunday worked before Spring Festival'],
    ['2025-01-27', true, 'Monday before Spring Festival'],
    ['2025-01-28', false, 'Spring Festival first day'],
    ['2025-01-31', false, 'Spring Festival (Fri)'],
    ['2025-02-04', false, 'Spring Festival last day'],
    ['2025-02-05', true, 'back to work'],
    ['2025-02-08', true, 'Saturday worked after Spring Festival'],
    ['2025-02-09', false, 'ordinary Sunday after'],
    ['2025-04-04', false, 'Qingming'],
    ['2025-04-07', true, 'Monday after Qingming'],
    ['2025-04-27', true, 'Sunday worked before Labour Day'],
    ['2025-05-05', false, 'Labour Day last day (Mon)'],
    ['2025-05-06', true, 'after Labour Day'],
    ['2025-06-02', false, 'Dragon Boat (Mon)'],
    ['2025-09-28', true, 'Sunday worked before National Day'],
    ['2025-10-08', false, 'National Day last day'],
    ['2025-10-09', true, 'after National Day'],
    ['2025-10-11', true, 'Saturday worked after National Day'],
    ['2025-12-31', true, 'New Year eve 2025 (Wed)'],
    ['2026-01-01', false, 'New Year 2026'],
    ['2026-01-03', false, 'New Year 2026 (Sat)'],
    ['2026-01-04', true, 'Sunday worked after New Year 2026'],
    ['2026-02-13', true, 'Friday before Spring Festival 2026'],
    ['2026-02-14', true, 'Saturday worked before Spring Festival 2026'],
    ['2026-02-16', false, 'Spring Festival 2026'],
    ['2026-02-23', false, 'Spring Festival 2026 last day (Mon)'],
    ['2026-02-24', true, 'after Spring Festival 2026'],
    ['2026-02-28', true, 'Saturday worked after Spring Festival 2026'],
    ['2026-05-05', false, 'Labour Day 2026 last day'],
    ['2026-05-09', true, 'Saturday worked after Labour Day 2026'],
    ['2026-06-19', false, 'Dragon Boat 2026 (Fri)'],
    ['2026-09-20', true, 'Sunday worked before National Day 2026'],
    ['2026-09-25', false, 'Mid-Autumn 2026 (Fri)'],
    ['2026-10-07', false, 'National Day 2026 last day'],
    ['2026-10-08', true, 'after National Day 2026'],
    ['2026-10-10', true, 'Saturday worked after National Day 2026'],
    ['2027-01-01', true, 'a year not shipped: plain weekday rule (Fri)'],
    ['2027-01-02', false, 'a year not shipped: plain weekend'],
  ];
  it.each(cases)('%s is working: %s (%s)', (ymd, expected) => {
    expect(isWorkingDay(cal, ymd)).toBe(expected);
  });

  it('ships exactly the published swapped working days', () => {
    expect(calendarYearFromPublished(CN_HOLIDAYS_2025).workingWeekends).toEqual([
      '2025-01-26',
      '2025-02-08',
      '2025-04-27',
      '2025-09-28',
      '2025-10-11',
    ]);
    expect(calendarYearFromPublished(CN_HOLIDAYS_2026).workingWeekends).toEqual([
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
  });

  it('counts the published days off and working days of each year', () => {
    const count = (year: number) => {
      let working = 0;
      for (let d = dayNumberFromYmd(`${year}-01-01`); d < dayNumberFromYmd(`${year + 1}-01-01`); d++) {
        if (isWorkingDay(cal, ymdFromDayNumber(d))) working++;
      }
      return working;
    };
    expect(calendarYearFromPublished(CN_HOLIDAYS_2025).holidays).toHaveLength(28);
    expect(calendarYearFromPublished(CN_HOLIDAYS_2025).workingWeekends).toHaveLength(5);
    expect(calendarYearFromPublished(CN_HOLIDAYS_2026).holidays).toHaveLength(33);
    expect(calendarYearFromPublished(CN_HOLIDAYS_2026).workingWeekends).toHaveLength(6);
    // 261 weekdays − weekday holidays (18 in 2025, 19 in 2026) + swapped weekends (5, 6).
    expect(count(2025)).toBe(248);
    expect(count(2026)).toBe(248);
    expect(cal.years).toEqual(new Set(CN_PUBLISHED_HOLIDAY_YEARS.map((y) => y.year)));
  });
});

describe('isWorkingInstant and nextWorkingInstant (half-open periods)', () => {
  it.each([
    ['2025-03-03 08:29:59.999', false],
    ['2025-03-03 08:30', true],
    ['2025-03-03 11:59:59.999', true],
    ['2025-03-03 12:00', false],
    ['2025-03-03 14:29', false],
    ['2025-03-03 14:30', true],
    ['2025-03-03 17:59', true],
    ['2025-03-03 18:00', false],
    ['2025-03-01 10:00', false],
    ['2025-01-26 10:00', true],
  ])('%s inside working time: %s', (t, expected) => {
    expect(isWorkingInstant(cal, at(t))).toBe(expected);
  });

  it.each([
    ['2025-03-03 07:00', '2025-03-03 08:30'],
    ['2025-03-03 08:30', '2025-03-03 08:30'],
    ['2025-03-03 10:15', '2025-03-03 10:15'],
    ['2025-03-03 12:00', '2025-03-03 14:30'],
    ['2025-03-03 18:00', '2025-03-04 08:30'],
    ['2025-03-07 18:30', '2025-03-10 08:30'],
    ['2025-01-27 18:00', '2025-02-05 08:30'],
    ['2025-01-25 09:00', '2025-01-26 08:30'],
  ])('from %s the next working instant is %s', (t, expected) => {
    expect(show(nextWorkingInstant(cal, at(t)))).toBe(expected);
  });
});

describe('addWorkingTime in hours', () => {
  it.each([
    ['inside the morning', '2025-03-03 09:00', 1, '2025-03-03 10:00'],
    ['across lunch', '2025-03-03 11:30', 1, '2025-03-03 15:00'],
    ['used up exactly at noon stays at noon', '2025-03-03 11:00', 1, '2025-03-03 12:00'],
    ['the whole morning', '2025-03-03 08:30', 3.5, '2025-03-03 12:00'],
    ['the whole day ends at 18:00', '2025-03-03 08:30', 7, '2025-03-03 18:00'],
    ['start at noon (outside)', '2025-03-03 12:00', 1, '2025-03-03 15:30'],
    ['start in the lunch gap', '2025-03-03 13:00', 0.5, '2025-03-03 15:00'],
    ['start before work', '2025-03-03 07:00', 1, '2025-03-03 09:30'],
    ['start at the morning edge', '2025-03-03 08:30', 0.25, '2025-03-03 08:45'],
    ['start at 18:00 exactly', '2025-03-03 18:00', 1, '2025-03-04 09:30'],
    ['start after work', '2025-03-03 19:00', 1, '2025-03-04 09:30'],
    ['last minute of the day', '2025-03-03 17:59', 1, '2025-03-04 09:29'],
    ['across a weekend', '2025-03-07 17:30', 1, '2025-03-10 09:00'],
    ['start on Saturday', '2025-03-08 10:00', 1, '2025-03-10 09:30'],
    ['start on a swapped working Sunday', '2025-01-26 17:00', 2, '2025-01-27 09:30'],
    ['Saturday before a swapped Sunday', '2025-01-25 10:00', 1, '2025-01-26 09:30'],
    ['across Spring Festival 2025', '2025-01-27 17:00', 2, '2025-02-05 09:30'],
    ['start on a holiday', '2025-10-03 10:00', 1, '2025-10-09 09:30'],
    ['start on Labour Day', '2025-05-01 09:00', 4, '2025-05-06 15:00'],
    ['year boundary into a holiday', '2024-12-31 17:00', 2, '2025-01-02 09:30'],
    ['year boundary into a swapped Sunday', '2025-12-31 17:30', 1, '2026-01-04 09:00'],
    ['two working days in hours', '2025-03-03 10:00', 14, '2025-03-05 10:00'],
    ['four hours urgent limit at 16:00', '2025-03-03 16:00', 4, '2025-03-04 10:30'],
    ['one second across lunch', '2025-03-03 11:59:59.999', 1 / 3600, '2025-03-03 14:30:00.999'],
  ])('%s: %s + %s h = %s', (_label, start, amount, expected) => {
    expect(show(addWorkingTime(cal, at(start), hours(amount)))).toBe(expected);
  });

  it('refuses a non-positive or non-finite limit and an unknown unit', () => {
    expect(() => addWorkingTime(cal, at('2025-03-03 09:00'), hours(0))).toThrow(RangeError);
    expect(() => addWorkingTime(cal, at('2025-03-03 09:00'), hours(-1))).toThrow(RangeError);
    expect(() => addWorkingTime(cal, at('2025-03-03 09:00'), hours(Number.NaN))).toThrow(RangeError);
    expect(() => addWorkingTime(cal, at('2025-03-03 09:00'), { amount: 1, unit: 'weeks' as 'days' })).toThrow(
      RangeError,
    );
  });
});

describe('addWorkingTime in days', () => {
  it.each([
    ['same position next day', '2025-03-03 10:00', 1, '2025-03-04 10:00'],
    ['afternoon position', '2025-03-03 16:45', 1, '2025-03-04 16:45'],
    ['Friday to Monday', '2025-03-07 10:00', 1, '2025-03-10 10:00'],
    ['start at noon counts from 14:30', '2025-03-07 12:00', 1, '2025-03-10 14:30'],
    ['start at 18:00 counts from next morning', '2025-03-03 18:00', 1, '2025-03-05 08:30'],
    ['start in the evening', '2025-03-07 19:00', 1, '2025-03-11 08:30'],
    ['start before work', '2025-03-03 06:00', 1, '2025-03-04 08:30'],
    ['start on Sunday', '2025-03-09 10:00', 2, '2025-03-12 08:30'],
    ['five days is one week', '2025-03-03 09:00', 5, '2025-03-10 09:00'],
    ['into a swapped Sunday', '2025-01-24 10:00', 1, '2025-01-26 10:00'],
    ['across Spring Festival 2025', '2025-01-24 10:00', 3, '2025-02-05 10:00'],
    ['ten days across Spring Festival 2025', '2025-01-20 09:00', 10, '2025-02-08 09:00'],
    ['start on a holiday', '2025-05-02 10:00', 1, '2025-05-07 08:30'],
    ['across National Day 2025', '2025-09-30 15:00', 2, '2025-10-10 15:00'],
    ['year boundary', '2025-12-31 11:00', 1, '2026-01-04 11:00'],
    ['across Spring Festival 2026', '2026-02-13 16:00', 2, '2026-02-24 16:00'],
    ['half a day from the morning start', '2025-03-03 08:30', 0.5, '2025-03-03 12:00'],
    ['one and a half days', '2025-03-03 08:30', 1.5, '2025-03-04 12:00'],
  ])('%s: %s + %s d = %s', (_label, start, amount, expected) => {
    expect(show(addWorkingTime(cal, at(start), days(amount)))).toBe(expected);
  });
});

describe('workingMsBetween', () => {
  it.each([
    ['inside one period', '2025-03-03 09:00', '2025-03-03 10:00', 1 * H],
    ['across lunch', '2025-03-03 11:00', '2025-03-03 15:00', 1.5 * H],
    ['a whole working day', '2025-03-03 00:00', '2025-03-04 00:00', 7 * H],
    ['a whole week', '2025-03-03 00:00', '2025-03-10 00:00', 35 * H],
    ['only non-working time', '2025-03-03 12:00', '2025-03-03 14:30', 0],
    ['a weekend', '2025-03-08 00:00', '2025-03-10 00:00', 0],
    ['Spring Festival 2025 week', '2025-01-27 00:00', '2025-02-05 00:00', 7 * H],
    ['a swapped Sunday', '2025-01-26 00:00', '2025-01-27 00:00', 7 * H],
    ['exact period edges', '2025-03-03 08:30', '2025-03-03 12:00', 3.5 * H],
    ['year boundary', '2025-12-31 17:00', '2026-01-04 09:00', 1.5 * H],
    ['a single millisecond', '2025-03-03 17:59:59.999', '2025-03-03 18:00', 1],
  ])('%s', (_label, from, to, expected) => {
    expect(workingMsBetween(cal, at(from), at(to))).toBe(expected);
  });

  it('is zero for an empty or reversed range', () => {
    expect(workingMsBetween(cal, at('2025-03-03 10:00'), at('2025-03-03 10:00'))).toBe(0);
    expect(workingMsBetween(cal, at('2025-03-03 11:00'), at('2025-03-03 10:00'))).toBe(0);
  });

  it('sums the whole of 2025 and 2026 to 248 working days each', () => {
    expect(workingMsBetween(cal, at('2025-01-01 00:00'), at('2026-01-01 00:00'))).toBe(248 * DAY);
    expect(workingMsBetween(cal, at('2026-01-01 00:00'), at('2027-01-01 00:00'))).toBe(248 * DAY);
  });

  it('agrees with a minute-by-minute count that uses only Date and the published data', () => {
    const off = new Set(CN_PUBLISHED_HOLIDAY_YEARS.flatMap((y) => calendarYearFromPublished(y).holidays));
    const on = new Set(CN_PUBLISHED_HOLIDAY_YEARS.flatMap((y) => calendarYearFromPublished(y).workingWeekends));
    const minuteIsWorking = (ms: number) => {
      const local = new Date(ms + 8 * H);
      const ymd = local.toISOString().slice(0, 10);
      const dayOff = off.has(ymd) || (!on.has(ymd) && (local.getUTCDay() === 0 || local.getUTCDay() === 6));
      const minute = local.getUTCHours() * 60 + local.getUTCMinutes();
      return !dayOff && ((minute >= 510 && minute < 720) || (minute >= 870 && minute < 1080));
    };
    const random = seeded(20250128);
    const base = at('2025-01-20 00:00');
    for (let i = 0; i < 60; i++) {
      const from = base + Math.floor(random() * 400 * 24 * 60) * M;
      const to = from + Math.floor(random() * 6 * 24 * 60) * M;
      let expected = 0;
      for (let t = from; t < to; t += M) if (minuteIsWorking(t)) expected += M;
      expect(workingMsBetween(cal, from, to)).toBe(expected);
    }
  });
});

describe('fractionUsed', () => {
  const start = at('2025-03-03 09:00');
  const deadline = addWorkingTime(cal, start, hours(4));

  it('measures working time only', () => {
    expect(show(deadline)).toBe('2025-03-03 15:30');
    expect(fractionUsed(cal, start, deadline, start)).toBe(0);
    expect(fractionUsed(cal, start, deadline, at('2025-03-03 08:00'))).toBe(0);
    expect(fractionUsed(cal, start, deadline, at('2025-03-03 12:00'))).toBe(0.75);
    expect(fractionUsed(cal, start, deadline, at('2025-03-03 13:30'))).toBe(0.75);
    expect(fractionUsed(cal, start, deadline, at('2025-03-03 14:42'))).toBeCloseTo(0.8, 12);
    expect(fractionUsed(cal, start, deadline, deadline)).toBe(1);
    expect(fractionUsed(cal, start, deadline, at('2025-03-03 16:00'))).toBe(1.125);
    expect(fractionUsed(cal, start, deadline, at('2025-03-03 20:00'))).toBe(1.625);
  });

  it('handles a stage with no working time', () => {
    const sat = at('2025-03-08 10:00');
    expect(fractionUsed(cal, sat, at('2025-03-08 11:00'), at('2025-03-08 10:30'))).toBe(0);
    expect(fractionUsed(cal, sat, at('2025-03-08 11:00'), at('2025-03-08 11:00'))).toBe(1);
  });
});

describe('properties over random starts (seeded)', () => {
  const random = seeded(42);
  const from = at('2024-12-01 00:00');
  const span = at('2026-12-31 00:00') - from;
  const randomStart = () => from + Math.floor(random() * span);

  it('workingMsBetween(start, start + h hours) is h hours, and the deadline ends working time', () => {
    for (let i = 0; i < 2000; i++) {
      const start = randomStart();
      const amount = Math.ceil(random() * 320) / 4;
      const deadline = addWorkingTime(cal, start, hours(amount));
      expect(workingMsBetween(cal, start, deadline)).toBe(amount * H);
      expect(deadline).toBeGreaterThan(start);
      expect(isWorkingInstant(cal, deadline - 1)).toBe(true);
    }
  });

  it('workingMsBetween(start, start + n days) is n working days, landing on a working day', () => {
    for (let i = 0; i < 2000; i++) {
      const start = randomStart();
      const n = 1 + Math.floor(random() * 15);
      const deadline = addWorkingTime(cal, start, days(n));
      expect(workingMsBetween(cal, start, deadline)).toBe(n * DAY);
      expect(isWorkingDay(cal, localYmd(cal, deadline))).toBe(true);
      expect(isWorkingInstant(cal, deadline)).toBe(true);
      expect(limitToWorkingMs(cal, days(n))).toBe(n * DAY);
    }
  });

  it('holds at exact period edges too (starts on half-hour boundaries)', () => {
    const firstDay = dayNumberFromYmd('2024-12-20');
    for (let i = 0; i < 3000; i++) {
      const day = firstDay + Math.floor(random() * 420);
      const start = at(`${ymdFromDayNumber(day)} 00:00`) + Math.floor(random() * 48) * 30 * M;
      const amount = Math.ceil(random() * 28) / 2;
      const deadline = addWorkingTime(cal, start, hours(amount));
      expect(workingMsBetween(cal, start, deadline)).toBe(amount * H);
      expect(fractionUsed(cal, start, deadline, deadline)).toBe(1);
      expect(fractionUsed(cal, start, deadline, start)).toBe(0);
      const n = 1 + Math.floor(random() * 5);
      expect(workingMsBetween(cal, start, addWorkingTime(cal, start, days(n)))).toBe(n * DAY);
    }
  });

  it('hours are additive and monotonic', () => {
    for (let i = 0; i < 1000; i++) {
      const start = randomStart();
      const a = Math.ceil(random() * 40) / 2;
      const b = Math.ceil(random() * 40) / 2;
      expect(addWorkingTime(cal, addWorkingTime(cal, start, hours(a)), hours(b))).toBe(
        addWorkingTime(cal, start, hours(a + b)),
      );
      const later = start + Math.floor(random() * 3 * 24) * H;
      expect(addWorkingTime(cal, later, hours(a))).toBeGreaterThanOrEqual(addWorkingTime(cal, start, hours(a)));
    }
  });
});

describe('configurable calendars', () => {
  it('supports other periods and a six-day week', () => {
    const six = createWorkCalendar({ periods: [[9 * 60, 17 * 60]], weekendDays: [0] });
    expect(six.dailyWorkingMs).toBe(8 * H);
    expect(isWorkingDay(six, '2025-03-08')).toBe(true);
    expect(show(addWorkingTime(six, at('2025-03-08 16:00'), hours(2)))).toBe('2025-03-10 10:00');
    expect(show(addWorkingTime(six, at('2025-03-08 16:00'), days(1)))).toBe('2025-03-10 16:00');
  });

  it('supports another fixed offset', () => {
    const utc = createWorkCalendar({ utcOffsetMinutes: 0, periods: [[0, 60]] });
    expect(new Date(addWorkingTime(utc, Date.UTC(2025, 2, 3, 0, 30), hours(1))).toISOString()).toBe(
      '2025-03-04T00:30:00.000Z',
    );
  });

  it('rejects inconsistent configuration', () => {
    expect(() => createWorkCalendar({ periods: [] })).toThrow(RangeError);
    expect(() => createWorkCalendar({ periods: [[600, 540]] })).toThrow(RangeError);
    expect(() => createWorkCalendar({ periods: [[0, 1441]] })).toThrow(RangeError);
    expect(() =>
      createWorkCalendar({
        periods: [
          [500, 700],
          [600, 800],
        ],
      }),
    ).toThrow(RangeError);
    expect(() => createWorkCalendar({ weekendDays: [7] })).toThrow(RangeError);
    expect(() => createWorkCalendar({ utcOffsetMinutes: 8.5 })).toThrow(RangeError);
    expect(() => createWorkCalendar({ years: [{ year: 2025, holidays: ['2024-12-31'], workingWeekends: [] }] })).toThrow(
      RangeError,
    );
    expect(() => createWorkCalendar({ years: [{ year: 2025, holidays: [], workingWeekends: ['2025-03-03'] }] })).toThrow(
      /not a weekend/,
    );
    expect(() =>
      createWorkCalendar({ years: [{ year: 2025, holidays: ['2025-03-08'], workingWeekends: ['2025-03-08'] }] }),
    ).toThrow(/both/);
    const y = { year: 2025, holidays: [], workingWeekends: [] };
    expect(() => createWorkCalendar({ years: [y, y] })).toThrow(/twice/);
  });

  it('gives up instead of looping forever on a calendar without working days', () => {
    const never = createWorkCalendar({ weekendDays: [0, 1, 2, 3, 4, 5, 6] });
    expect(() => addWorkingTime(never, at('2025-03-03 09:00'), hours(1))).toThrow(RangeError);
    expect(() => addWorkingTime(never, at('2025-03-03 09:00'), days(1))).toThrow(RangeError);
  });
});
