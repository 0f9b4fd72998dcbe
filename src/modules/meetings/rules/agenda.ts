/**
 * Pure rules of the joint meetings: the three levels, where an unresolved
 * item rises, which hard cases are offered as agenda candidates, and when a
 * decision counts as overdue.
 */
import { GRID_CODE_LENGTH } from '../../grid/rules/codes.js';
import type { MeetingLevel } from '../tables.js';

export const MEETING_LEVELS: readonly MeetingLevel[] = ['community', 'street', 'district'];

/** The meeting level of a grid node by its code length; a unit grid holds no meeting. */
export function levelOfCode(code: string): MeetingLevel | null {
  if (!/^\d+$/.test(code)) return null;
  if (code.length === GRID_CODE_LENGTH.community) return 'community';
  if (code.length === GRID_CODE_LENGTH.street) return 'street';
  if (code.length === GRID_CODE_LENGTH.district) return 'district';
  return null;
}

/** Where an item unresolved at this node goes: the parent node one level up; nothing above the district. */
export function nextLevel(level: MeetingLevel, code: string): { level: MeetingLevel; code: string } | null {
  if (level === 'community') return { level: 'street', code: code.slice(0, GRID_CODE_LENGTH.street) };
  if (level === 'street') return { level: 'district', code: code.slice(0, GRID_CODE_LENGTH.district) };
  return null;
}

/** The facts of an incident that make it a hard case. */
export interface HardCaseFacts {
  open: boolean;
  /** Departments called by a street escalation (吹哨). */
  escalated: boolean;
  dueAt: number | null;
  returnCount: number;
}

export type HardCaseReason = 'escalated' | 'overdue' | 'returned';

/** A department returning a case twice or more means nobody owns it: a matter for the meeting. */
export const RETURNED_AT_LEAST = 2;

/** Why an incident belongs on a joint meeting's agenda (any number of reasons; none: not a candidate). */
export function hardCaseReasons(f: HardCaseFacts, now: number): HardCaseReason[] {
  if (!f.open) return [];
  const reasons: HardCaseReason[] = [];
  if (f.escalated) reasons.push('escalated');
  if (f.dueAt !== null && f.dueAt < now) reasons.push('overdue');
  if (f.returnCount >= RETURNED_AT_LEAST) reasons.push('returned');
  return reasons;
}

/**
 * The need statuses that settle a need decision: done, and rejected too, since
 * the meeting's question got its answer (the need shows the reason); a need
 * still collected, accepted, approved or in progress keeps the decision open.
 */
export const NEED_SETTLED_STATUSES = ['done', 'rejected'] as const;

export function needSettlesDecision(status: string): boolean {
  return (NEED_SETTLED_STATUSES as readonly string[]).includes(status);
}

/** A decision is overdue when its deadline passed and it is not done; an incident decision is done once its incident is closed. */
export function decisionOverdue(d: { status: 'open' | 'done'; deadlineAt: number }, now: number): boolean {
  return d.status === 'open' && d.deadlineAt < now;
}
