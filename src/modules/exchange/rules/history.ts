/**
 * What a closed case imported from another system becomes (docs/exchange.md,
 * "Importing cases"): a closed case of ours whose timeline holds the steps the
 * record tells, at the record's own times, so that the KPIs and the statistics
 * store (which read the timeline alone) count it in the cohort of the day it
 * was reported. Pure.
 *
 * The record carries step times but no deadlines, no staff and no photos: the
 * events have no actor (as the system's own do), and the stage deadlines are
 * those our category limits and working calendar give from the record's times,
 * which is what decides "closed on time" here.
 */
import { addWorkingTime, type WorkCalendar } from '../../incidents/rules/calendar.js';
import { openIncident, type CategoryRule, type IncidentEventDraft, type IncidentState } from '../../incidents/rules/state-machine.js';
import type { IncidentChannel } from '../../incidents/tables.js';

export interface HistoricCase {
  gridCode: string;
  channel: IncidentChannel;
  description: string;
  reportedAt: number;
  registeredAt: number;
  /** Null: no department handled it (fixed at once, 自处置 / 即办). */
  dispatchedAt: number | null;
  repliedAt: number | null;
  /** Null: closed without a verification step. */
  verifiedAt: number | null;
  closedAt: number;
  leadDepartmentCode: string | null;
  /** Where it came from, kept on the report event. */
  source: { system: string; code: string };
}

function event(action: IncidentEventDraft['action'], from: IncidentState['status'] | null, to: IncidentState['status'], at: number, data: Record<string, unknown>, note: string | null = null): IncidentEventDraft {
  return { action, fromStatus: from, toStatus: to, actorUserId: null, actorRole: null, note, attachments: [], at, data };
}

/** The closed state and its timeline (report first, close last), in time order. */
export function historyOf(c: HistoricCase, category: CategoryRule, cal: WorkCalendar): { state: IncidentState; events: IncidentEventDraft[] } {
  const opened = openIncident(
    { id: '', gridCode: c.gridCode, reportedAt: c.reportedAt, reporterUserId: null, note: c.description, data: { channel: c.channel, imported: c.source } },
    { calendar: cal, category: () => undefined },
  );
  if (!opened.ok) throw new Error(`history of ${c.source.code}: ${opened.refusal.message}`);
  const events: IncidentEventDraft[] = [...opened.events];
  const limits = category.limits;
  const classified = { categoryCode: category.code, categoryType: category.type, caseType: category.caseType, limits };
  let s: IncidentState = { ...opened.next, acceptedAt: c.registeredAt, ...classified, registeredAt: c.registeredAt };
  let status: IncidentState['status'] = 'reported';
  const step = (next: IncidentState['status']) => {
    const from = status;
    status = next;
    return from;
  };
  if (c.dispatchedAt === null) {
    // Fixed at once by whoever found it: registered and replied in one step.
    const verifyBy = c.verifiedAt === null ? null : addWorkingTime(cal, c.registeredAt, limits.verify);
    events.push(event('self-resolve', step(c.verifiedAt === null ? 'verified' : 'replied'), status, c.registeredAt, {
      categoryCode: category.code, caseType: category.caseType, ...(verifyBy === null ? {} : { verifyBy }),
    }));
    s = { ...s, repliedAt: c.registeredAt, deadlines: { registerBy: s.deadlines.registerBy, dispatchBy: null, handleBy: null, verifyBy } };
  } else {
    const dispatchBy = addWorkingTime(cal, c.registeredAt, limits.dispatch);
    events.push(event('register', step('registered'), status, c.registeredAt, { categoryCode: category.code, dispatchBy }));
    const handleBy = addWorkingTime(cal, c.dispatchedAt, limits.handle);
    events.push(event('dispatch', step('dispatched'), status, c.dispatchedAt, {
      leadDepartmentCode: c.leadDepartmentCode, coHandlerDepartmentCodes: [], handleBy, coHandleBy: {},
    }));
    const repliedAt = c.repliedAt ?? c.dispatchedAt;
    const verifyBy = c.verifiedAt === null ? null : addWorkingTime(cal, repliedAt, limits.verify);
    events.push(event('reply', step(c.verifiedAt === null ? 'verified' : 'replied'), status, repliedAt, {
      departmentCode: c.leadDepartmentCode, part: 'lead', ...(verifyBy === null ? { verification: 'skipped' } : { verifyBy }),
    }));
    s = {
      ...s, leadDepartmentCode: c.leadDepartmentCode, dispatchedAt: c.dispatchedAt, repliedAt,
      deadlines: { registerBy: s.deadlines.registerBy, dispatchBy, handleBy, verifyBy },
    };
  }
  if (c.verifiedAt !== null) events.push(event('verify-pass', step('verified'), status, c.verifiedAt, {}));
  events.push(event('close', step('closed'), status, c.closedAt, {}));
  const state: IncidentState = {
    ...s,
    version: events.length,
    status: 'closed',
    verifiedAt: c.verifiedAt ?? s.repliedAt,
    closedAt: c.closedAt,
    stageStartedAt: null,
    warning: 'none',
  };
  return { state, events };
}
