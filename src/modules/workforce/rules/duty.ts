/**
 * Who is on duty now (在岗): what the command centre's nearest-worker list
 * and the big screen's worker layer ask. Pure.
 *
 * On duty: the rota gives the worker a shift today (rules/rota.ts, with the
 * team's and the member's exceptions and the calendar), now lies within it,
 * the day is not approved leave, and the worker is at work: the last clock
 * record of the day so far is a clock-in, or a patrol is running. Being on
 * the rota alone is not enough (a worker who has not come is absent, not on
 * duty), and neither is a clock-in outside the shift (a forgotten clock-out
 * is not overtime), as attendance (rules/attendance.ts) judges the same day.
 */
import type { ClockEntry } from './attendance.js';
import type { Shift } from './rota.js';

const MINUTE = 60_000;

export interface DutyInput {
  /** Local midnight that starts today, epoch ms. */
  dayStart: number;
  /** Today's shift, or null for a day off (or no rota: not a team member). */
  shift: Shift | null;
  leave: 'approved' | 'pending' | null;
  /** Today's clock records. */
  clocks: readonly ClockEntry[];
  /** A patrol of the worker is running. */
  patrolling: boolean;
  now: number;
}

export function onDutyNow(input: DutyInput): boolean {
  const { shift, now } = input;
  if (!shift || input.leave === 'approved') return false;
  if (now < input.dayStart + shift.start * MINUTE || now >= input.dayStart + shift.end * MINUTE) return false;
  if (input.patrolling) return true;
  let last: ClockEntry | null = null;
  for (const c of input.clocks) {
    if (c.at > now) continue;
    // On a tie the clock-out wins: in and out in the same millisecond leave the worker out.
    if (!last || c.at > last.at || (c.at === last.at && c.kind === 'out')) last = c;
  }
  return last?.kind === 'in';
}
