/**
 * The cascade's changes to a case (docs/cascade.md), pure like the state
 * machine: (case, what happened, now) → the new case and the timeline event,
 * or a refusal. Sending a case to the other platform stops its clock here and
 * holds every action until the other side returns it or closes it.
 */
import { addWorkingTime, type WorkCalendar } from '../../incidents/rules/calendar.js';
import { FINAL_STATUSES, type IncidentEventDraft, type IncidentState, type IncidentStatus } from '../../incidents/rules/state-machine.js';

/** Where a case may be reported up or sent down: the centre has it and cannot (or should not) handle it itself. */
export const SENDABLE_STATUSES: readonly IncidentStatus[] = ['registered', 'dispatched', 'handling'];

export type CascadeRefusal = { code: 'CASCADE_NOT_SENDABLE' | 'CASCADE_ALREADY_SENT'; message: string };

export interface Transition {
  next: IncidentState;
  events: IncidentEventDraft[];
}

function event(s: IncidentState, next: IncidentState, action: IncidentEventDraft['action'], now: number, actorUserId: string | null, note: string | null, data: Record<string, unknown>): IncidentEventDraft {
  return { action, fromStatus: s.status, toStatus: next.status, actorUserId, actorRole: null, note, attachments: [], at: now, data };
}

/**
 * Whether a case may go to the other platform: registered (a returned case is
 * registered again) or at a department that cannot solve it (a street's
 * escalation included), and not already sent.
 */
export function sendRefusal(s: IncidentState): CascadeRefusal | null {
  if (s.cascadedAt != null) return { code: 'CASCADE_ALREADY_SENT', message: 'the case is already with the other platform' };
  if (!SENDABLE_STATUSES.includes(s.status)) return { code: 'CASCADE_NOT_SENDABLE', message: `a ${s.status} case cannot be sent` };
  return null;
}

/** Sent up or down: the clock stops and warnings clear; the departments' parts end (the other platform handles it now). */
export function sendOut(s: IncidentState, now: number, actorUserId: string, peer: { id: number; name: string; role: 'parent' | 'child' }, note: string | null): Transition | CascadeRefusal {
  const refused = sendRefusal(s);
  if (refused) return refused;
  const next: IncidentState = {
    ...s, version: s.version + 1, cascadedAt: now, stageStartedAt: null, warning: 'none', extensionPending: null, deferPending: null,
  };
  return { next, events: [event(s, next, 'cascade-send', now, actorUserId, note, { peerId: peer.id, peerName: peer.name, direction: peer.role === 'parent' ? 'up' : 'down' })] };
}

/** The other platform's status of its case changed: a timeline entry here, no change of status. */
export function peerProgress(s: IncidentState, now: number, peer: { code: string; status: string; note: string | null }): Transition {
  const next: IncidentState = { ...s, version: s.version + 1 };
  return { next, events: [event(s, next, 'cascade-update', now, null, peer.note, { peerCode: peer.code, peerStatus: peer.status })] };
}

/** The other platform closed its case: its result closes this one. A case already final here only records it. */
export function closeByPeer(s: IncidentState, now: number, peer: { code: string; result: string }): Transition {
  const final = FINAL_STATUSES.includes(s.status);
  const next: IncidentState = final
    ? { ...s, version: s.version + 1, cascadedAt: null }
    : { ...s, version: s.version + 1, status: 'closed', closedAt: now, stageStartedAt: null, warning: 'none', cascadedAt: null };
  return { next, events: [event(s, next, 'cascade-close', now, null, peer.result, { peerCode: peer.code, result: peer.result })] };
}

/**
 * The other platform refused the case (not for it): it comes back to this
 * centre, registered for dispatch again with a fresh dispatch clock, its
 * departments' parts cleared as on a return.
 */
export function returnedByPeer(s: IncidentState, now: number, calendar: WorkCalendar, peer: { code: string | null; reason: string }): Transition {
  if (FINAL_STATUSES.includes(s.status)) {
    const next: IncidentState = { ...s, version: s.version + 1, cascadedAt: null };
    return { next, events: [event(s, next, 'cascade-return', now, null, peer.reason, { peerCode: peer.code })] };
  }
  const dispatchBy = s.limits ? addWorkingTime(calendar, now, s.limits.dispatch) : null;
  const next: IncidentState = {
    ...s, version: s.version + 1, status: 'registered', cascadedAt: null, leadDepartmentCode: null, coHandlerDepartmentCodes: [], coHandlerReplies: [], tasks: [],
    stageStartedAt: dispatchBy === null ? null : now, deadlines: { ...s.deadlines, dispatchBy, handleBy: null },
  };
  return { next, events: [event(s, next, 'cascade-return', now, null, peer.reason, { peerCode: peer.code, dispatchBy })] };
}

export function isRefusal(x: Transition | CascadeRefusal): x is CascadeRefusal {
  return 'code' in x;
}
