/**
 * Who is told of a timeline event (the work portal's bell, docs/work-portal.md).
 * Pure: an event and what is known of its case in, the recipients out.
 *
 * - dispatch: the handlers of every department given a part (lead, co-handlers);
 * - escalate (吹哨): the handlers of the departments called;
 * - urge: whoever holds the open parts: the assignee of a part, or, for a part
 *   not assigned, its department's handlers (an urge must reach the department);
 * - assign: the new assignee;
 * - return: the user who dispatched the case (it is back on the centre's desk);
 * - verify-fail with rework: the assignees or handlers of the parts reopened.
 * Overdue cases are found by a sweep, not by an event (rules `overdueRecipients`).
 * The actor is never told of their own action.
 */
export type NotificationKind = 'dispatched' | 'escalated' | 'urged' | 'assigned' | 'returned' | 'rework' | 'overdue' | 'field_task';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['dispatched', 'escalated', 'urged', 'assigned', 'returned', 'rework', 'overdue', 'field_task'];

export interface PartFacts {
  departmentCode: string;
  status: 'open' | 'replied';
  assigneeUserId: number | null;
}

export interface EventFacts {
  action: string;
  actorUserId: number | null;
  data: Record<string, unknown>;
}

export interface CaseFacts {
  /** The case's department parts now. */
  parts: readonly PartFacts[];
  /** Who dispatched it last (from the timeline), for a return. */
  lastDispatcherUserId: number | null;
}

export interface Recipients {
  kind: NotificationKind;
  /** Told through each handler of these departments. */
  departments: string[];
  users: number[];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** Parts still open: the assignee if any, else the department. */
function holders(parts: readonly PartFacts[]): { departments: string[]; users: number[] } {
  const departments: string[] = [];
  const users: number[] = [];
  for (const p of parts) {
    if (p.status !== 'open') continue;
    if (p.assigneeUserId !== null) users.push(p.assigneeUserId);
    else departments.push(p.departmentCode);
  }
  return { departments, users };
}

export function recipientsOf(event: EventFacts, facts: CaseFacts): Recipients | null {
  const d = event.data;
  switch (event.action) {
    case 'dispatch': {
      const lead = typeof d.leadDepartmentCode === 'string' ? [d.leadDepartmentCode] : [];
      return { kind: 'dispatched', departments: [...lead, ...strings(d.coHandlerDepartmentCodes)], users: [] };
    }
    case 'escalate':
      return { kind: 'escalated', departments: strings(d.departmentCodes), users: [] };
    case 'urge': {
      const h = holders(facts.parts);
      return { kind: 'urged', ...h };
    }
    case 'assign': {
      const to = Number(d.assigneeUserId);
      return Number.isInteger(to) && to > 0 ? { kind: 'assigned', departments: [], users: [to] } : null;
    }
    case 'return':
      return facts.lastDispatcherUserId === null ? null : { kind: 'returned', departments: [], users: [facts.lastDispatcherUserId] };
    case 'verify-fail':
      // After a rework the open parts are exactly the ones sent back (the lead, and the co-handlers reopened).
      return d.rework === true ? { kind: 'rework', ...holders(facts.parts) } : null;
    default:
      return null;
  }
}

/** An overdue case tells the holders of its open parts, or, before dispatch, nobody by department (the centre sees its red list). */
export function overdueRecipients(parts: readonly PartFacts[]): Recipients | null {
  const h = holders(parts);
  return h.departments.length + h.users.length === 0 ? null : { kind: 'overdue', ...h };
}

/** Expands departments to their handlers and drops the actor; each user once. */
export function resolveUsers(r: Recipients, handlersOf: (departmentCode: string) => readonly number[], actorUserId: number | null): number[] {
  const out = new Set<number>(r.users);
  for (const code of r.departments) for (const u of handlersOf(code)) out.add(u);
  if (actorUserId !== null) out.delete(actorUserId);
  return [...out].sort((a, b) => a - b);
}
