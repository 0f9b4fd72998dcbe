import { describe, expect, it } from 'vitest';
import { createWorkCalendar } from '../../incidents/rules/calendar.js';
import { formatHhmm, parseHhmm, patternProblem, shiftOn, weekdaysPattern, type Rota } from './rota.js';

// 2026: 1–3 January off (Thursday–Saturday); Sunday 4 January worked in exchange.
const cal = createWorkCalendar({ years: [{ year: 2026, holidays: ['2026-01-01', '2026-01-02', '2026-01-03'], workingWeekends: ['2026-01-04'] }] });
const day = { start: 8 * 60 + 30, end: 17 * 60 + 30 };
const saturday = { start: 9 * 60, end: 12 * 60 };
const rota: Rota = { weekly: [null, day, day, day, day, day, saturday], followCalendar: true };

describe('shiftOn', () => {
  it('follows the weekly pattern on ordinary days', () => {
    expect(shiftOn('2026-01-05', rota, [], cal)).toEqual(day); // Monday
    expect(shiftOn('2026-01-10', rota, [], cal)).toEqual(saturday);
    expect(shiftOn('2026-01-11', rota, [], cal)).toBeNull(); // Sunday
  });

  it('keeps holidays off and works swapped weekends with the usual weekday shift', () => {
    expect(shiftOn('2026-01-01', rota, [], cal)).toBeNull(); // Thursday, New Year
    expect(shiftOn('2026-01-03', rota, [], cal)).toBeNull(); // a Saturday shift, but a holiday
    expect(shiftOn('2026-01-04', rota, [], cal)).toEqual(day); // Sunday worked in exchange
  });

  it('ignores the calendar when the rota does not follow it', () => {
    const plain = { ...rota, followCalendar: false };
    expect(shiftOn('2026-01-01', plain, [], cal)).toEqual(day);
    expect(shiftOn('2026-01-04', plain, [], cal)).toBeNull();
  });

  it('lets a member exception win over a team exception, and a team exception over the pattern', () => {
    const late = { start: 13 * 60, end: 21 * 60 };
    const exceptions = [
      { date: '2026-01-06', memberId: null, shift: late },
      { date: '2026-01-06', memberId: 7, shift: null },
      { date: '2026-01-11', memberId: null, shift: day },
    ];
    expect(shiftOn('2026-01-06', rota, exceptions, cal, 7)).toBeNull();
    expect(shiftOn('2026-01-06', rota, exceptions, cal, 8)).toEqual(late);
    expect(shiftOn('2026-01-06', rota, exceptions, cal)).toEqual(late);
    expect(shiftOn('2026-01-11', rota, exceptions, cal, 7)).toEqual(day);
  });
});

describe('rota helpers', () => {
  it('parses and formats HH:MM', () => {
    expect(parseHhmm('08:30')).toBe(510);
    expect(parseHhmm('23:59')).toBe(1439);
    expect(parseHhmm('24:00')).toBeNull();
    expect(parseHhmm('8:30')).toBeNull();
    expect(formatHhmm(510)).toBe('08:30');
  });

  it('checks a pattern', () => {
    expect(patternProblem(weekdaysPattern(day))).toBeNull();
    expect(patternProblem([null, null])).not.toBeNull();
    expect(patternProblem([null, { start: 600, end: 500 }, null, null, null, null, null])).not.toBeNull();
    expect(patternProblem([null, { start: 0, end: 1441 }, null, null, null, null, null])).not.toBeNull();
  });
});
