import { describe, expect, it } from 'vitest';
import { addTotals, attendanceDay, emptyTotals, finishTotals, monthTotals, type DayInput } from './attendance.js';

const H = 3_600_000;
const M = 60_000;
/** 2026-01-05 00:00 Asia/Shanghai. */
const DAY0 = Date.UTC(2026, 0, 5) - 8 * H;
const shift = { start: 8 * 60 + 30, end: 17 * 60 + 30 };
const rules = { lateGraceMinutes: 5, earlyLeaveGraceMinutes: 5 };
const at = (h: number, m = 0) => DAY0 + h * H + m * M;
const base: DayInput = { dayStart: DAY0, shift, leave: null, clocks: [], patrols: [], casesReported: 0, now: DAY0 + 48 * H };

describe('attendanceDay', () => {
  it('is on time within the grace, and late past it by whole minutes', () => {
    expect(attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8, 35) }, { kind: 'out', at: at(17, 30) }] }, rules).status).toBe('on_time');
    const late = attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8, 35) + 1000 }, { kind: 'out', at: at(17, 31) }] }, rules);
    expect(late).toMatchObject({ status: 'late', lateMinutes: 6, earlyLeaveMinutes: 0 });
  });

  it('counts early leave from the last clock-out, unless a clock-in follows it', () => {
    const early = attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8) }, { kind: 'out', at: at(16) }] }, rules);
    expect(early).toMatchObject({ status: 'early_leave', earlyLeaveMinutes: 90, missingOut: false });
    const back = attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8) }, { kind: 'out', at: at(12) }, { kind: 'in', at: at(14) }, { kind: 'out', at: at(17, 40) }] }, rules);
    expect(back).toMatchObject({ status: 'on_time', firstIn: at(8), lastOut: at(17, 40) });
    const lateAndEarly = attendanceDay({ ...base, clocks: [{ kind: 'out', at: at(16) }, { kind: 'in', at: at(9) }] }, rules);
    expect(lateAndEarly).toMatchObject({ status: 'late', lateMinutes: 30, earlyLeaveMinutes: 90 });
  });

  it('flags a missing clock-out once the shift is over', () => {
    expect(attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8) }] }, rules)).toMatchObject({ status: 'on_time', missingOut: true, lastOut: null });
    expect(attendanceDay({ ...base, now: at(12), clocks: [{ kind: 'in', at: at(8) }] }, rules).missingOut).toBe(false);
    // An out before the last in does not end the day.
    expect(attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8) }, { kind: 'out', at: at(12) }, { kind: 'in', at: at(13) }] }, rules).missingOut).toBe(true);
  });

  it('is absent with no clock-in once the shift is over, pending before that, upcoming ahead', () => {
    expect(attendanceDay(base, rules).status).toBe('absent');
    expect(attendanceDay({ ...base, now: at(10) }, rules).status).toBe('pending');
    expect(attendanceDay({ ...base, now: DAY0 - H }, rules).status).toBe('upcoming');
  });

  it('is leave with approved leave, but pending leave does not excuse', () => {
    expect(attendanceDay({ ...base, leave: 'approved' }, rules).status).toBe('leave');
    expect(attendanceDay({ ...base, leave: 'pending' }, rules)).toMatchObject({ status: 'absent', leave: 'pending' });
  });

  it('is rest without a shift, whatever was clocked', () => {
    expect(attendanceDay({ ...base, shift: null, clocks: [{ kind: 'in', at: at(9) }] }, rules).status).toBe('rest');
  });

  it('adds patrol time (open ones to their last point) and distance, and carries the cases', () => {
    const d = attendanceDay({
      ...base,
      clocks: [{ kind: 'in', at: at(8, 20) }, { kind: 'out', at: at(17, 35) }],
      patrols: [
        { startedAt: at(9), endedAt: at(11, 30), lastPointAt: at(11, 29), distanceM: 4200.4 },
        { startedAt: at(14), endedAt: null, lastPointAt: at(15), distanceM: 0 },
        { startedAt: at(16), endedAt: null, lastPointAt: null, distanceM: 0 },
      ],
      casesReported: 3,
    }, rules);
    expect(d).toMatchObject({ patrolCount: 3, patrolSeconds: 3.5 * 3600, distanceM: 4200, casesReported: 3 });
  });
});

describe('month totals', () => {
  it('counts days by status and rates attendance over the days that were due', () => {
    const days = [
      attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8) }, { kind: 'out', at: at(18) }] }, rules),
      attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(9) }, { kind: 'out', at: at(18) }] }, rules),
      attendanceDay(base, rules),
      attendanceDay({ ...base, leave: 'approved' }, rules),
      attendanceDay({ ...base, shift: null }, rules),
      attendanceDay({ ...base, now: at(10) }, rules),
    ];
    const t = monthTotals(days);
    expect(t).toMatchObject({ rosteredDays: 5, onTimeDays: 1, lateDays: 1, lateMinutes: 30, absentDays: 1, leaveDays: 1, pendingDays: 1 });
    // Due: 5 rostered − 1 leave − 1 pending = 3; attended 2.
    expect(t.attendanceRate).toBe(0.667);
  });

  it('adds workers into a group', () => {
    const a = monthTotals([attendanceDay({ ...base, clocks: [{ kind: 'in', at: at(8) }, { kind: 'out', at: at(18) }] }, rules)]);
    const b = monthTotals([attendanceDay(base, rules)]);
    const g = emptyTotals();
    addTotals(g, a);
    addTotals(g, b);
    expect(finishTotals(g)).toMatchObject({ rosteredDays: 2, onTimeDays: 1, absentDays: 1, attendanceRate: 0.5 });
    expect(finishTotals(emptyTotals()).attendanceRate).toBeNull();
  });
});
