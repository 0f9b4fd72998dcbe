import { describe, expect, it } from 'vitest';
import { createDefaultWorkCalendar, createWorkCalendar } from '../../incidents/rules/calendar.js';
import { applyEvent, caseFacts, contribution, contributions, DRILL_MEASURES, drillBit, keyOf, RollupDelta, WorkerDelta, workerContributions, type CaseTrack, type TimelineEvent } from './rollup.js';

// Weekdays 08:30–12:00 and 14:30–18:00 Shanghai, no holidays.
const cal = createWorkCalendar();
const H = 3_600_000;
// 2026-06-01 is a Monday; 09:00 Shanghai is 01:00 UTC.
const MON9 = Date.parse('2026-06-01T01:00:00Z');

function fold(events: Omit<TimelineEvent, 'incidentId' | 'seq' | 'gridCode'>[], calendar = cal): CaseTrack {
  let t: CaseTrack | null = null;
  events.forEach((e, i) => { t = applyEvent(t, { ...e, incidentId: 7, seq: i + 1, gridCode: '430111001001001' }, calendar); });
  return t!;
}

const report = (at: number, data: Record<string, unknown> = {}) => ({ action: 'report', toStatus: 'reported', data: { channel: 'citizen', categoryCode: null, ...data }, at });

describe('a case folded from its timeline', () => {
  it('counts in the Shanghai day it was reported, under the department of its last dispatch', () => {
    // 16:30 UTC is 00:30 the next day in Shanghai.
    const t = fold([
      report(Date.parse('2026-05-31T16:30:00Z')),
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: MON9 + 4 * H }, at: MON9 },
      { action: 'return', toStatus: 'registered', data: {}, at: MON9 + H },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D02', handleBy: MON9 + 5 * H }, at: MON9 + H },
    ]);
    expect(keyOf(t)).toEqual({ day: '2026-06-01', grid_code: '430111001001001', category_code: '0101', department_code: 'D02', channel: 'citizen' });
    expect(contribution(t)).toMatchObject({ reported: 1, registered: 1, due: 1, dispatched: 1, returned: 1, closed: 0 });
  });

  it('is on time when its lead replied by the deadline in force after an approved extension, and overdue otherwise', () => {
    const base = [
      report(MON9),
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: MON9 + 2 * H }, at: MON9 },
    ];
    const tail = (replyAt: number) => [
      { action: 'reply', toStatus: 'handling', data: { part: 'co-handler' }, at: MON9 + 5 * H },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead' }, at: replyAt },
      { action: 'verify-pass', toStatus: 'verified', data: {}, at: replyAt + H },
      { action: 'close', toStatus: 'closed', data: {}, at: replyAt + 2 * H },
    ];
    const extended = fold([...base, { action: 'approve-extension', toStatus: 'handling', data: { handleBy: MON9 + 6 * H }, at: MON9 + H }, ...tail(MON9 + 5 * H)]);
    expect(contribution(extended)).toMatchObject({ closed: 1, closed_on_time: 1, overdue: 0, handled: 1, handling_ms: 3 * H });
    // 09:00 to 14:00 Shanghai holds three working hours (the lunch break does not count).
    const late = fold([...base, ...tail(MON9 + 5 * H)]);
    expect(contribution(late)).toMatchObject({ closed: 1, closed_on_time: 0, overdue: 1 });
  });

  it('keeps the cohort key and one flag per drillable measure, exactly those its contribution counts', () => {
    const base = [
      report(MON9),
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: MON9 + 2 * H }, at: MON9 },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead' }, at: MON9 + 5 * H },
      { action: 'verify-pass', toStatus: 'verified', data: {}, at: MON9 + 6 * H },
      { action: 'close', toStatus: 'closed', data: {}, at: MON9 + 7 * H },
    ];
    const late = fold(base);
    const facts = caseFacts(late);
    expect(facts).toMatchObject({ day: '2026-06-01', grid_code: '430111001001001', department_code: 'D01' });
    const flagged = DRILL_MEASURES.filter((m) => (facts.flags & drillBit(m)) !== 0);
    expect(flagged).toEqual(DRILL_MEASURES.filter((m) => contribution(late)[m] > 0));
    expect(flagged).toEqual(expect.arrayContaining(['closed', 'overdue', 'handled']));
    expect(flagged).not.toContain('closed_on_time');
    expect(new Set(DRILL_MEASURES.map(drillBit)).size).toBe(DRILL_MEASURES.length);
  });

  it("counts each co-handler's part for its own department, never as a case, on its own deadline", () => {
    const t = fold([
      report(MON9),
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 },
      {
        action: 'dispatch', toStatus: 'dispatched',
        data: { leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02', 'D05'], handleBy: MON9 + 6 * H, coHandleBy: { D02: MON9 + H, D05: MON9 + 6 * H } },
        at: MON9,
      },
      { action: 'reply', toStatus: 'dispatched', data: { part: 'co-handler', departmentCode: 'D02' }, at: MON9 + 2 * H },
      { action: 'reply', toStatus: 'dispatched', data: { part: 'co-handler', departmentCode: 'D05', late: false }, at: MON9 + 3 * H },
    ]);
    const rows = contributions(t);
    expect(rows.map((r) => r.key.department_code)).toEqual(['D01', 'D02', 'D05']);
    expect(rows[0]!.measures).toMatchObject({ reported: 1, dispatched: 1, parts: 0 });
    // D02 replied past its own one-hour limit, though within the case's.
    expect(rows[1]!.measures).toMatchObject({ reported: 0, due: 0, dispatched: 0, parts: 1, parts_replied: 1, parts_on_time: 0, parts_overdue: 1 });
    expect(rows[2]!.measures).toMatchObject({ reported: 0, parts: 1, parts_replied: 1, parts_on_time: 1, parts_overdue: 0 });
    // A rework naming D05 reopens its part; a return drops the parts.
    const reopened = applyEvent(t, { action: 'verify-fail', toStatus: 'handling', data: { rework: true, handleBy: MON9 + 30 * H, reopenDepartmentCodes: ['D05'] }, at: MON9 + 5 * H, incidentId: 7, seq: 6, gridCode: '430111001001001' }, cal);
    expect(contributions(reopened)[2]!.measures).toMatchObject({ parts: 1, parts_replied: 0 });
    expect(contributions(reopened)[1]!.measures).toMatchObject({ parts_replied: 1 });
    const returned = applyEvent(t, { action: 'return', toStatus: 'registered', data: {}, at: MON9 + 5 * H, incidentId: 7, seq: 6, gridCode: '430111001001001' }, cal);
    expect(contributions(returned)).toHaveLength(1);
    // Moving a case moves its parts too: nothing is left behind.
    const delta = new RollupDelta();
    delta.move(null, t);
    delta.move(t, returned);
    expect(delta.changes().filter((c) => c.key.department_code !== 'D01')).toEqual([]);
  });

  it('counts a rework once, with the fresh deadline the failed check set', () => {
    const t = fold([
      report(MON9),
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: MON9 + 2 * H }, at: MON9 },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead' }, at: MON9 + H },
      { action: 'verify-fail', toStatus: 'handling', data: { rework: true, handleBy: MON9 + 8 * H }, at: MON9 + 2 * H },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead' }, at: MON9 + 3 * H },
      { action: 'verify-fail', toStatus: 'handling', data: { rework: true, handleBy: MON9 + 8 * H }, at: MON9 + 4 * H },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead' }, at: MON9 + 7 * H },
    ]);
    expect(contribution(t)).toMatchObject({ reworked: 1, overdue: 0 });
  });

  it('leaves the denominator while deferred and comes back when dispatched again; rejected and merged are not due', () => {
    const deferred = [
      report(MON9),
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: MON9 + 2 * H }, at: MON9 },
      { action: 'approve-defer', toStatus: 'deferred', data: {}, at: MON9 + H },
    ];
    expect(contribution(fold(deferred))).toMatchObject({ due: 1, deferred: 1 });
    const again = fold([...deferred, { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: MON9 + 9 * H }, at: MON9 + 2 * H }]);
    expect(contribution(again)).toMatchObject({ due: 1, deferred: 0 });
    const merged = fold([report(MON9), { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 }, { action: 'merge', toStatus: 'merged', data: {}, at: MON9 + H }]);
    expect(contribution(merged)).toMatchObject({ registered: 1, due: 0 });
    expect(contribution(fold([report(MON9), { action: 'reject', toStatus: 'rejected', data: {}, at: MON9 }]))).toMatchObject({ registered: 0, due: 0 });
  });

  it('measures handling in working time, so a holiday in between does not count', () => {
    // The published 2026 National Day holiday (October 1–7).
    const withHolidays = createDefaultWorkCalendar();
    const dispatchAt = Date.parse('2026-09-30T08:00:00Z'); // 16:00 Shanghai, Wednesday
    const replyAt = Date.parse('2026-10-08T02:00:00Z'); // 10:00 Shanghai, the first working day after
    const events = [
      report(dispatchAt),
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: dispatchAt },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: replyAt + H }, at: dispatchAt },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead' }, at: replyAt },
      { action: 'verify-pass', toStatus: 'verified', data: {}, at: replyAt },
      { action: 'close', toStatus: 'closed', data: {}, at: replyAt },
    ];
    const plain = contribution(fold(events)).handling_ms;
    const holiday = contribution(fold(events, withHolidays)).handling_ms;
    // 16:00–18:00 on the 30th and 08:30–10:00 on the 8th; without the holiday, five more working days between.
    expect(holiday).toBe(3.5 * H);
    expect(plain).toBe(3.5 * H + 5 * 7 * H);
  });

  it('ignores an event it has already applied (delivered twice)', () => {
    const once = fold([report(MON9), { action: 'urge', toStatus: 'reported', data: {}, at: MON9 }]);
    const twice = applyEvent(once, { action: 'urge', toStatus: 'reported', data: {}, at: MON9, incidentId: 7, seq: 2, gridCode: '430111001001001' }, cal);
    expect(twice).toBe(once);
  });

  it('moves a case between rollup keys by subtracting where it was', () => {
    const before = fold([report(MON9), { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 }]);
    const after = applyEvent(before, { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D03', handleBy: MON9 + H }, at: MON9, incidentId: 7, seq: 3, gridCode: '430111001001001' }, cal);
    const d = new RollupDelta();
    d.move(before, after);
    const changes = d.changes();
    expect(changes.map((c) => [c.key.department_code, c.measures.reported, c.measures.dispatched])).toEqual([['', -1, 0], ['D03', 1, 1]]);
  });
});

describe("a case's part in its grid workers' figures", () => {
  const worker = (at: number, actorId: number) => ({ action: 'report', toStatus: 'reported', data: { channel: 'grid_worker', categoryCode: null }, at, actorId });
  const dispatched = [
    { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: MON9 },
    { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: 'D01', handleBy: MON9 + 4 * H }, at: MON9 },
  ];
  const byWorker = (t: CaseTrack) => Object.fromEntries(workerContributions(t).map((c) => [c.key.user_id, c.measures]));

  it('credits the report to the worker who made it through the worker channel, and no one for other channels', () => {
    expect(byWorker(fold([worker(MON9, 11)]))).toEqual({ 11: { reported: 1, self_resolved: 0, verified: 0, verified_on_time: 0, verify_ms: 0 } });
    expect(byWorker(fold([{ ...report(MON9), actorId: 12 }]))).toEqual({});
  });

  it('counts each verification for its worker, on time by the deadline the last lead reply set, in working time', () => {
    const t = fold([
      worker(MON9, 11),
      ...dispatched,
      { action: 'reply', toStatus: 'replied', data: { part: 'lead', verifyBy: MON9 + 2 * H }, at: MON9 + H },
      // 10:00 to 15:00 Shanghai: 2 working hours before lunch, half an hour after; past the deadline.
      { action: 'verify-fail', toStatus: 'handling', data: { rework: true, handleBy: MON9 + 30 * H }, at: MON9 + 6 * H, actorId: 12 },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead', verifyBy: MON9 + 28 * H }, at: MON9 + 24 * H },
      { action: 'verify-pass', toStatus: 'verified', data: {}, at: MON9 + 25 * H, actorId: 12 },
      { action: 'close', toStatus: 'closed', data: {}, at: MON9 + 26 * H },
    ]);
    expect(byWorker(t)).toEqual({
      11: { reported: 1, self_resolved: 0, verified: 0, verified_on_time: 0, verify_ms: 0 },
      12: { reported: 0, self_resolved: 0, verified: 2, verified_on_time: 1, verify_ms: 2.5 * H + H },
    });
    expect(workerContributions(t).every((c) => c.key.day === '2026-06-01' && c.key.grid_code === '430111001001001')).toBe(true);
  });

  it('credits a self-resolve to its worker and its check to the checking worker', () => {
    const t = fold([
      worker(MON9, 11),
      { action: 'self-resolve', toStatus: 'replied', data: { categoryCode: '0101', caseType: 'committed', verifyBy: MON9 + 4 * H }, at: MON9, actorId: 11 },
      { action: 'verify-pass', toStatus: 'verified', data: {}, at: MON9 + H, actorId: 13 },
    ]);
    expect(byWorker(t)).toEqual({
      11: { reported: 1, self_resolved: 1, verified: 0, verified_on_time: 0, verify_ms: 0 },
      13: { reported: 0, self_resolved: 0, verified: 1, verified_on_time: 1, verify_ms: H },
    });
  });

  it('moves nothing for a track folded before the worker rollup existed (no reporter, no verifications)', () => {
    const old = fold([report(MON9)]);
    const { reporterId: _r, verifications: _v, selfResolverId: _s, ...legacy } = old;
    const after = applyEvent(legacy, { action: 'urge', toStatus: 'reported', data: {}, at: MON9, incidentId: 7, seq: 2, gridCode: '430111001001001', actorId: 5 }, cal);
    const d = new WorkerDelta();
    d.move(legacy, after);
    expect(d.changes()).toEqual([]);
  });
});
