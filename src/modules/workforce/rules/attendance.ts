/**
 * Attendance (考勤) of one worker on one day, and its sums over a month or a
 * group. Pure: the service gathers the day's shift, leave, clock records,
 * patrols and reported cases and asks these functions what they mean.
 *
 * - No shift that day (rota): rest, whatever was clocked.
 * - Approved leave covering the day: leave. Pending leave is not leave yet:
 *   the day is judged as any other, with the pending request shown beside it.
 * - A shift and no clock-in: absent once the shift is over; before that
 *   (today) pending; a day still to come is upcoming.
 * - The first clock-in later than the shift start plus `lateGraceMinutes`:
 *   late, by the whole minutes past the start.
 * - The last clock-out earlier than the shift end minus
 *   `earlyLeaveGraceMinutes` (and no clock-in after it): early leave.
 * - Clocked in but never out after the last clock-in, once the shift is
 *   over: missing clock-out (a flag; the day still counts as attended).
 * - Status, when several apply: leave, absent, late, early leave, on time.
 * - Patrol time and distance count on the day a patrol started; a patrol
 *   never stopped ends at its last point.
 */
import type { Shift } from './rota.js';

export type DayStatus = 'upcoming' | 'pending' | 'rest' | 'leave' | 'absent' | 'late' | 'early_leave' | 'on_time';
export const DAY_STATUSES: readonly DayStatus[] = ['upcoming', 'pending', 'rest', 'leave', 'absent', 'late', 'early_leave', 'on_time'];

export interface AttendanceRules {
  lateGraceMinutes: number;
  earlyLeaveGraceMinutes: number;
}

export interface ClockEntry {
  kind: 'in' | 'out';
  at: number;
}

export interface PatrolEntry {
  startedAt: number;
  endedAt: number | null;
  lastPointAt: number | null;
  distanceM: number;
}

export interface DayInput {
  /** Local midnight that starts the day, epoch ms. */
  dayStart: number;
  shift: Shift | null;
  leave: 'approved' | 'pending' | null;
  clocks: readonly ClockEntry[];
  patrols: readonly PatrolEntry[];
  casesReported: number;
  now: number;
}

export interface DayAttendance {
  status: DayStatus;
  shift: Shift | null;
  leave: 'approved' | 'pending' | null;
  firstIn: number | null;
  lastOut: number | null;
  lateMinutes: number;
  earlyLeaveMinutes: number;
  missingOut: boolean;
  patrolCount: number;
  patrolSeconds: number;
  distanceM: number;
  casesReported: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;

export function attendanceDay(input: DayInput, rules: AttendanceRules): DayAttendance {
  const clocks = [...input.clocks].sort((a, b) => a.at - b.at);
  const ins = clocks.filter((c) => c.kind === 'in');
  const firstIn = ins[0]?.at ?? null;
  const lastInAt = ins[ins.length - 1]?.at ?? null;
  const outs = clocks.filter((c) => c.kind === 'out' && (firstIn === null || c.at >= firstIn));
  const lastOutEntry = outs[outs.length - 1] ?? null;
  // An out only ends the day when no clock-in follows it.
  const lastOut = lastOutEntry && lastInAt !== null && lastOutEntry.at >= lastInAt ? lastOutEntry.at : null;
  const shift = input.shift;
  const shiftStart = shift ? input.dayStart + shift.start * MINUTE : null;
  const shiftEnd = shift ? input.dayStart + shift.end * MINUTE : input.dayStart + DAY;

  let patrolSeconds = 0;
  let distanceM = 0;
  for (const p of input.patrols) {
    const end = p.endedAt ?? p.lastPointAt ?? p.startedAt;
    patrolSeconds += Math.max(0, Math.round((end - p.startedAt) / 1000));
    distanceM += p.distanceM;
  }

  let lateMinutes = 0;
  let earlyLeaveMinutes = 0;
  if (shiftStart !== null && firstIn !== null && firstIn > shiftStart + rules.lateGraceMinutes * MINUTE) {
    lateMinutes = Math.ceil((firstIn - shiftStart) / MINUTE);
  }
  if (shift && lastOut !== null && lastOut < shiftEnd - rules.earlyLeaveGraceMinutes * MINUTE) {
    earlyLeaveMinutes = Math.ceil((shiftEnd - lastOut) / MINUTE);
  }
  const missingOut = firstIn !== null && lastOut === null && input.now >= shiftEnd;

  let status: DayStatus;
  if (input.now < input.dayStart && firstIn === null) status = 'upcoming';
  else if (!shift) status = 'rest';
  else if (input.leave === 'approved') status = 'leave';
  else if (firstIn === null) status = input.now < shiftEnd ? 'pending' : 'absent';
  else if (lateMinutes > 0) status = 'late';
  else if (earlyLeaveMinutes > 0) status = 'early_leave';
  else status = 'on_time';

  return {
    status, shift, leave: input.leave, firstIn, lastOut, lateMinutes, earlyLeaveMinutes, missingOut,
    patrolCount: input.patrols.length, patrolSeconds, distanceM: Math.round(distanceM), casesReported: input.casesReported,
  };
}

export interface AttendanceTotals {
  /** Days with a shift (leave and absence included). */
  rosteredDays: number;
  onTimeDays: number;
  lateDays: number;
  earlyLeaveDays: number;
  absentDays: number;
  leaveDays: number;
  /** Rostered days not judged yet (today before the shift ends, days to come). */
  pendingDays: number;
  missingOutDays: number;
  lateMinutes: number;
  patrolCount: number;
  patrolSeconds: number;
  distanceM: number;
  casesReported: number;
  /** Attended / (rostered − leave − pending), 0..1; null when nothing was due. */
  attendanceRate: number | null;
}

export function emptyTotals(): AttendanceTotals {
  return {
    rosteredDays: 0, onTimeDays: 0, lateDays: 0, earlyLeaveDays: 0, absentDays: 0, leaveDays: 0, pendingDays: 0, missingOutDays: 0,
    lateMinutes: 0, patrolCount: 0, patrolSeconds: 0, distanceM: 0, casesReported: 0, attendanceRate: null,
  };
}

/** Adds one day to running totals (attendanceRate is settled by finishTotals). */
export function addDay(totals: AttendanceTotals, day: DayAttendance): void {
  if (day.shift) totals.rosteredDays++;
  if (day.status === 'on_time') totals.onTimeDays++;
  if (day.lateMinutes > 0 && day.status !== 'leave' && day.shift) totals.lateDays++;
  if (day.earlyLeaveMinutes > 0 && day.status !== 'leave') totals.earlyLeaveDays++;
  if (day.status === 'absent') totals.absentDays++;
  if (day.status === 'leave') totals.leaveDays++;
  if (day.shift && (day.status === 'pending' || day.status === 'upcoming')) totals.pendingDays++;
  if (day.missingOut) totals.missingOutDays++;
  if (day.status !== 'leave') totals.lateMinutes += day.lateMinutes;
  totals.patrolCount += day.patrolCount;
  totals.patrolSeconds += day.patrolSeconds;
  totals.distanceM += day.distanceM;
  totals.casesReported += day.casesReported;
}

/** Adds one worker's (or group's) totals to a group's. */
export function addTotals(into: AttendanceTotals, from: AttendanceTotals): void {
  for (const key of Object.keys(into) as (keyof AttendanceTotals)[]) {
    if (key === 'attendanceRate') continue;
    into[key] += from[key];
  }
}

export function finishTotals(totals: AttendanceTotals): AttendanceTotals {
  const due = totals.rosteredDays - totals.leaveDays - totals.pendingDays;
  const attended = due - totals.absentDays;
  return { ...totals, attendanceRate: due > 0 ? Math.round((attended / due) * 1000) / 1000 : null };
}

export function monthTotals(days: readonly DayAttendance[]): AttendanceTotals {
  const t = emptyTotals();
  for (const d of days) addDay(t, d);
  return finishTotals(t);
}
