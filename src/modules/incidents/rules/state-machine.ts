/**
 * The incident state machine: the one place that decides every status change.
 * Pure: (incident, action, actor, now, ctx) → next state and event drafts, or
 * a typed refusal. Routes, jobs and the UI all ask it; nobody else changes a
 * status. Who may take an action is the ACTION_POLICY table, not code paths.
 */
import type { CaseType, CategoryType, MinorCategory, StageLimits } from '../data/categories.js';
import { addWorkingTime, fractionUsed, type TimeLimit, type WorkCalendar } from './calendar.js';
import { DEFAULT_WORKFLOWS, workflowOf, type Workflow, type Workflows } from './workflow.js';

export const INCIDENT_STATUSES = [
  'reported',
  'registered',
  'dispatched',
  'handling',
  'replied',
  'verifying',
  'verified',
  'closed',
  'rejected',
  'deferred',
  'merged',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** Statuses that end the loop for good (a deferred case may still be dispatched again). */
export const FINAL_STATUSES: readonly IncidentStatus[] = ['closed', 'rejected', 'merged'];

export const ROLE_NAMES = [
  'admin',
  'intake_operator',
  'dispatcher',
  'shift_supervisor',
  'handler',
  'grid_worker',
  'leader',
  'auditor',
  'street_operator',
] as const;
export type RoleName = (typeof ROLE_NAMES)[number];

/** A grid-tree node (district, street, community or unit grid code) or a department. */
export type Scope = { kind: 'grid'; code: string } | { kind: 'department'; code: string };

export interface RoleAssignment {
  role: RoleName;
  scope: Scope;
}

export interface Actor {
  userId: string;
  roles: readonly RoleAssignment[];
}

export const ACTION_TYPES = [
  'accept',
  'register',
  'reject',
  'dispatch',
  'return',
  'start-handling',
  'reply',
  'start-verify',
  'verify-pass',
  'verify-fail',
  'close',
  'request-extension',
  'approve-extension',
  'refuse-extension',
  'request-defer',
  'approve-defer',
  'refuse-defer',
  'urge',
  'self-resolve',
  'escalate',
  'respond',
  'merge',
  'assign',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** Attachments are stored-file ids (content hashes); the machine only carries them to the event. */
export type Action =
  | { type: 'accept'; note?: string }
  | { type: 'register'; categoryCode: string; note?: string }
  | { type: 'reject'; reason: string }
  | {
      type: 'dispatch';
      leadDepartmentCode: string;
      coHandlerDepartmentCodes?: readonly string[];
      /** Per co-handler department handling limit (joint handling); a department not named gets the case's handle limit. */
      taskLimits?: Readonly<Record<string, TimeLimit>>;
      note?: string;
    }
  | { type: 'return'; reason: string }
  | { type: 'start-handling'; note?: string }
  | { type: 'reply'; result: string; photos: readonly string[] }
  | { type: 'start-verify'; note?: string }
  | { type: 'verify-pass'; note?: string; photos?: readonly string[] }
  | { type: 'verify-fail'; reason: string; photos?: readonly string[]; reopenDepartmentCodes?: readonly string[] }
  | { type: 'close'; note?: string }
  | { type: 'request-extension'; extension: TimeLimit; reason: string }
  | { type: 'approve-extension'; extension?: TimeLimit; note?: string }
  | { type: 'refuse-extension'; reason: string }
  | { type: 'request-defer'; reason: string }
  | { type: 'approve-defer'; note?: string }
  | { type: 'refuse-defer'; reason: string }
  | { type: 'urge'; note?: string }
  | {
      type: 'self-resolve';
      categoryCode?: string;
      beforePhotos: readonly string[];
      afterPhotos: readonly string[];
      note?: string;
    }
  | { type: 'escalate'; departmentCodes: readonly string[]; responseLimit?: TimeLimit; note?: string }
  | { type: 'respond'; note?: string }
  | { type: 'merge'; intoIncidentId: string; note?: string }
  | { type: 'assign'; assigneeUserId: string; departmentCode?: string; note?: string };

export type WarningLevel = 'none' | 'amber' | 'red';

export interface StageDeadlines {
  registerBy: number | null;
  dispatchBy: number | null;
  handleBy: number | null;
  verifyBy: number | null;
}

export interface ExtensionRequest {
  requestedBy: string;
  requestedAt: number;
  extension: TimeLimit;
  reason: string;
}

export interface DeferRequest {
  requestedBy: string;
  requestedAt: number;
  reason: string;
}

export interface CoHandlerReply {
  departmentCode: string;
  userId: string;
  at: number;
  result: string;
}

export type TaskRole = 'lead' | 'co';
export type TaskStatus = 'open' | 'replied';

/**
 * One department's part of a dispatched case (联动处置): its own deadline,
 * its own reply and the person of that department it is assigned to.
 */
export interface DepartmentTask {
  departmentCode: string;
  role: TaskRole;
  handleBy: number | null;
  status: TaskStatus;
  result: string | null;
  photos: readonly string[];
  repliedBy: string | null;
  repliedAt: number | null;
  assigneeUserId: string | null;
  assignedBy: string | null;
  assignedAt: number | null;
}

/** One department called by a street escalation (吹哨) and its report (报到). */
export interface EscalationCall {
  departmentCode: string;
  calledBy: string;
  calledAt: number;
  respondBy: number;
  respondedBy: string | null;
  respondedAt: number | null;
}

/** What the state machine needs of an incident; the data layer stores it with the rest of the row. */
export interface IncidentState {
  id: string;
  /** Optimistic-lock version: every accepted action yields version + 1. */
  version: number;
  status: IncidentStatus;
  gridCode: string;
  reporterUserId: string | null;
  /** Set when the reporting user was a grid worker of the grid (a workflow may have them verify); absent otherwise. */
  reporterIsGridWorker?: boolean;
  reportedAt: number;
  acceptedAt: number | null;
  acceptedBy: string | null;
  categoryCode: string | null;
  categoryType: CategoryType | null;
  caseType: CaseType | null;
  /** The category's limits copied at registration, so later edits to the category do not move running clocks. */
  limits: StageLimits | null;
  registeredAt: number | null;
  leadDepartmentCode: string | null;
  coHandlerDepartmentCodes: readonly string[];
  coHandlerReplies: readonly CoHandlerReply[];
  /** The departments' parts since the last dispatch: the lead's first, then the co-handlers' (empty when not at a department). */
  tasks: readonly DepartmentTask[];
  dispatchedAt: number | null;
  repliedAt: number | null;
  verifiedAt: number | null;
  closedAt: number | null;
  /** When the clock of the current stage started (reportedAt, registration, dispatch, reply or rework). */
  stageStartedAt: number | null;
  deadlines: StageDeadlines;
  warning: WarningLevel;
  urgeCount: number;
  lastUrgedAt: number | null;
  reworkCount: number;
  returnCount: number;
  extensionCount: number;
  extensionPending: ExtensionRequest | null;
  deferPending: DeferRequest | null;
  deferredAt: number | null;
  selfResolvedBy: string | null;
  verifyingBy: string | null;
  escalation: readonly EscalationCall[];
  mergedInto: string | null;
  rejectReason: string | null;
  /** Set while the case is with another platform (cascade, modules/cascade): no action here until it comes back or closes. */
  cascadedAt?: number | null;
}

/** Event actions: every action, plus 'report' (creation), 'warn' (the sweep) and the cascade's (modules/cascade/rules). */
export type IncidentEventAction = ActionType | 'report' | 'warn' | 'cascade-send' | 'cascade-update' | 'cascade-close' | 'cascade-return';

export interface IncidentEventDraft {
  action: IncidentEventAction;
  fromStatus: IncidentStatus | null;
  toStatus: IncidentStatus;
  /** null for the system (warning sweep) and for anonymous reports. */
  actorUserId: string | null;
  actorRole: RoleName | null;
  note: string | null;
  attachments: readonly string[];
  at: number;
  data: Record<string, unknown>;
}

export type RefusalCode =
  | 'forbidden'
  | 'out_of_scope'
  | 'invalid_status'
  | 'invalid_action'
  | 'reason_required'
  | 'result_required'
  | 'photos_required'
  | 'unknown_category'
  | 'category_required'
  | 'unknown_department'
  | 'department_outside_street'
  | 'already_accepted'
  | 'already_replied'
  | 'extension_pending'
  | 'no_pending_extension'
  | 'defer_pending'
  | 'no_pending_defer'
  | 'deadline_passed'
  | 'own_fix'
  | 'already_called'
  | 'already_responded'
  | 'tasks_open'
  | 'not_department_handler'
  | 'already_assigned'
  // Workflow steps (rules/workflow.ts): each says which step or role the case type's workflow asks for.
  | 'verify_by_grid_worker'
  | 'verify_by_reporter'
  | 'verify_by_centre'
  | 'close_by_supervisor'
  | 'self_resolve_not_allowed'
  | 'coordination_required';

export interface Refusal {
  code: RefusalCode;
  message: string;
  messageZh: string;
}

export type Decision =
  | { ok: true; next: IncidentState; events: IncidentEventDraft[] }
  | { ok: false; refusal: Refusal };

export type CategoryRule = Pick<MinorCategory, 'code' | 'type' | 'caseType' | 'limits'>;

export interface DecideContext {
  calendar: WorkCalendar;
  /** The category in force, for register and self-resolve; undefined when there is none. */
  category: (code: string) => CategoryRule | undefined;
  isDepartment: (code: string) => boolean;
  /** The street (grid code) a street's own handling unit belongs to; null or absent for a district department. */
  departmentStreet?: (code: string) => string | null;
  /** How long a called department has to respond (报到); default DEFAULT_ESCALATION_RESPONSE_LIMIT. */
  escalationResponseLimit?: TimeLimit;
  /** Lets a grid worker verify their own self-resolved fix, for a grid with a single worker. */
  allowOwnFixVerification?: boolean;
  /** Share of a stage's working time after which the warning turns amber; default DEFAULT_AMBER_FRACTION. */
  amberFraction?: number;
  /** The user ids holding the handler role in a department, for assign; none known when absent. */
  departmentHandlers?: (departmentCode: string) => readonly string[];
  /** The workflow of each case type in force; default DEFAULT_WORKFLOWS (the standard loop). */
  workflows?: Workflows;
}

/** Register limit for a report whose category is not known yet. */
export const DEFAULT_REGISTER_LIMIT: TimeLimit = { amount: 1, unit: 'hours' };
/** A called department reports within two working hours unless configured otherwise. */
export const DEFAULT_ESCALATION_RESPONSE_LIMIT: TimeLimit = { amount: 2, unit: 'hours' };
export const DEFAULT_AMBER_FRACTION = 0.8;

// ---------------------------------------------------------------------------
// Policy

/**
 * How an assignment's scope must relate to the incident:
 * - grid: the assignment's grid code is a prefix of the incident's grid code
 *   (a district code covers every grid, a street code its communities…);
 * - lead-department / co-department: the assignment's department is the
 *   incident's lead / one of its co-handlers;
 * - called-department: the department was called by a street escalation.
 */
export type ScopeRule = 'grid' | 'lead-department' | 'co-department' | 'called-department';

export interface Grant {
  role: RoleName;
  scope: ScopeRule;
}

export interface ActionPolicy {
  from: readonly IncidentStatus[];
  grants: readonly Grant[];
}

const grid = (...roles: RoleName[]): Grant[] => roles.map((role) => ({ role, scope: 'grid' }));

const OPEN: readonly IncidentStatus[] = [
  'reported',
  'registered',
  'dispatched',
  'handling',
  'replied',
  'verifying',
  'verified',
];
const AT_DEPARTMENT: readonly IncidentStatus[] = ['dispatched', 'handling'];
const DESK = grid('intake_operator', 'dispatcher', 'shift_supervisor', 'street_operator');

/**
 * Who may take each action, in which scope, from which statuses. admin,
 * leader and auditor take no action on incidents: administration and
 * oversight are kept apart from running the loop. Grants are tried in order;
 * the first that matches is the role recorded on the event.
 */
export const ACTION_POLICY: Readonly<Record<ActionType, ActionPolicy>> = {
  accept: { from: ['reported'], grants: grid('intake_operator', 'shift_supervisor', 'street_operator') },
  register: { from: ['reported'], grants: grid('intake_operator', 'shift_supervisor', 'street_operator') },
  // 不予立案 is the answer to a report: once registered, a case is ended by merge or close, never rejected.
  reject: { from: ['reported'], grants: DESK },
  dispatch: { from: ['registered', 'deferred'], grants: grid('dispatcher', 'shift_supervisor', 'street_operator') },
  return: { from: AT_DEPARTMENT, grants: [{ role: 'handler', scope: 'lead-department' }] },
  'start-handling': { from: ['dispatched'], grants: [{ role: 'handler', scope: 'lead-department' }] },
  reply: {
    from: ['handling'],
    grants: [
      { role: 'handler', scope: 'lead-department' },
      { role: 'handler', scope: 'co-department' },
    ],
  },
  // The shift supervisor verifies only where the case type's workflow has the centre verify (workflowRoles).
  'start-verify': { from: ['replied'], grants: grid('grid_worker', 'shift_supervisor') },
  'verify-pass': { from: ['replied', 'verifying'], grants: grid('grid_worker', 'shift_supervisor') },
  'verify-fail': { from: ['replied', 'verifying'], grants: grid('grid_worker', 'shift_supervisor') },
  close: { from: ['verified'], grants: DESK },
  'request-extension': { from: AT_DEPARTMENT, grants: [{ role: 'handler', scope: 'lead-department' }] },
  'approve-extension': { from: AT_DEPARTMENT, grants: grid('shift_supervisor') },
  'refuse-extension': { from: AT_DEPARTMENT, grants: grid('shift_supervisor') },
  'request-defer': { from: AT_DEPARTMENT, grants: [{ role: 'handler', scope: 'lead-department' }] },
  'approve-defer': { from: AT_DEPARTMENT, grants: grid('shift_supervisor') },
  'refuse-defer': { from: AT_DEPARTMENT, grants: grid('shift_supervisor') },
  urge: { from: OPEN, grants: grid('shift_supervisor') },
  'self-resolve': { from: ['reported', 'registered'], grants: grid('grid_worker') },
  escalate: { from: ['registered', 'dispatched', 'handling'], grants: grid('street_operator') },
  respond: {
    from: OPEN.filter((s) => s !== 'reported'),
    grants: [{ role: 'handler', scope: 'called-department' }],
  },
  merge: { from: ['reported', 'registered'], grants: DESK },
  // A department's handler desk hands its part to a named colleague (or to itself); see docs/joint-handling.md.
  assign: {
    from: AT_DEPARTMENT,
    grants: [
      { role: 'handler', scope: 'lead-department' },
      { role: 'handler', scope: 'co-department' },
    ],
  },
};

function scopeMatches(rule: ScopeRule, scope: Scope, incident: IncidentState): boolean {
  // An empty grid code would be a prefix of everything; it is a broken assignment, not a district.
  if (rule === 'grid') return scope.kind === 'grid' && scope.code !== '' && incident.gridCode.startsWith(scope.code);
  if (scope.kind !== 'department') return false;
  switch (rule) {
    case 'lead-department':
      return scope.code === incident.leadDepartmentCode;
    case 'co-department':
      return incident.coHandlerDepartmentCodes.includes(scope.code);
    case 'called-department':
      return incident.escalation.some((c) => c.departmentCode === scope.code);
  }
}

interface Match {
  grant: Grant;
  assignment: RoleAssignment;
}

/** The roles the case type's workflow lets take this action (a subset of the policy's), with the refusal for the others. */
function workflowRoles(type: ActionType, wf: Workflow): { roles: readonly RoleName[]; refusal: Refusal } | null {
  switch (type) {
    case 'start-verify':
    case 'verify-pass':
    case 'verify-fail':
      return wf.verifier === 'centre'
        ? { roles: ['shift_supervisor'], refusal: refusal('verify_by_centre', `${type}: this case type is verified by the command centre`) }
        : { roles: ['grid_worker'], refusal: refusal(wf.verifier === 'reporter' ? 'verify_by_reporter' : 'verify_by_grid_worker', `${type}: this case type is verified by a grid worker`) };
    case 'close':
      return wf.closer === 'supervisor'
        ? { roles: ['shift_supervisor'], refusal: refusal('close_by_supervisor', 'close: this case type is closed by the shift supervisor') }
        : null;
    default:
      return null;
  }
}

function findGrant(incident: IncidentState, type: ActionType, actor: Actor, wf: Workflow): Match | Refusal {
  const policy = ACTION_POLICY[type];
  const limited = workflowRoles(type, wf);
  let hasRole = false;
  let hasPolicyRole = false;
  for (const grant of policy.grants) {
    const inWorkflow = !limited || limited.roles.includes(grant.role);
    for (const assignment of actor.roles) {
      if (assignment.role !== grant.role) continue;
      hasPolicyRole = true;
      if (!inWorkflow) continue;
      hasRole = true;
      if (scopeMatches(grant.scope, assignment.scope, incident)) return { grant, assignment };
    }
  }
  if (hasRole) return refusal('out_of_scope', `${type}: the incident is outside the actor's scope`);
  if (hasPolicyRole && limited) return limited.refusal;
  return refusal('forbidden', `${type}: none of the actor's roles may do this`);
}

/** A street's own handling unit (community, street office) takes only its street's cases, whoever dispatches or calls it. */
function outsideItsStreet(ctx: DecideContext, departmentCode: string, gridCode: string): boolean {
  const street = ctx.departmentStreet?.(departmentCode) ?? null;
  return street !== null && !gridCode.startsWith(street);
}

// ---------------------------------------------------------------------------
// Refusals

const MESSAGES_ZH: Record<RefusalCode, string> = {
  forbidden: '无权执行此操作',
  out_of_scope: '该事件不在您的管辖范围内',
  invalid_status: '事件当前状态不允许此操作',
  invalid_action: '操作参数无效',
  reason_required: '请填写原因',
  result_required: '请填写处置结果',
  photos_required: '请上传照片',
  unknown_category: '事件分类不存在',
  category_required: '请先选择事件分类',
  unknown_department: '部门不存在',
  department_outside_street: '该部门是其他街道的处置单位，只办理本街道的事件',
  already_accepted: '事件已受理',
  already_replied: '本部门已反馈',
  extension_pending: '已有待审批的延期申请',
  no_pending_extension: '没有待审批的延期申请',
  defer_pending: '已有待审批的缓办申请',
  no_pending_defer: '没有待审批的缓办申请',
  deadline_passed: '处置时限已过，不能申请延期',
  own_fix: '不能核查本人自处置的事件',
  already_called: '所选部门均已被吹哨',
  already_responded: '本部门已报到',
  tasks_open: '协办部门尚未全部反馈，主办部门暂不能反馈',
  not_department_handler: '所选人员不是该部门的处置人员',
  already_assigned: '已指派给该人员',
  verify_by_grid_worker: '按本类事件的办理流程，核查由本网格的网格员进行',
  verify_by_reporter: '按本类事件的办理流程，核查由上报的网格员进行',
  verify_by_centre: '按本类事件的办理流程，核查由指挥中心（值班长）进行',
  close_by_supervisor: '按本类事件的办理流程，结案须由值班长审批',
  self_resolve_not_allowed: '按本类事件的办理流程，不允许自处置',
  coordination_required: '按本类事件的办理流程，派遣须指定协办部门或先吹哨',
};

function refusal(code: RefusalCode, message: string): Refusal {
  return { code, message, messageZh: MESSAGES_ZH[code] };
}

function isRefusal(x: unknown): x is Refusal {
  return typeof x === 'object' && x !== null && 'code' in x && 'messageZh' in x;
}

// ---------------------------------------------------------------------------
// State preconditions that do not depend on the action's payload (shared with allowedActions)

function statePrecondition(
  incident: IncidentState,
  type: ActionType,
  actor: Actor,
  match: Match,
  now: number | undefined,
  allowOwnFixVerification: boolean,
  wf: Workflow,
): Refusal | null {
  switch (type) {
    case 'accept':
      return incident.acceptedAt !== null ? refusal('already_accepted', 'the report is already accepted') : null;
    case 'reply':
      if (match.grant.scope === 'co-department') {
        const code = match.assignment.scope.code;
        const task = incident.tasks.find((t) => t.departmentCode === code);
        if (task?.status === 'replied' || incident.coHandlerReplies.some((r) => r.departmentCode === code)) {
          return refusal('already_replied', 'this co-handler department has already replied');
        }
        return null;
      }
      // The lead replies for the case once every co-handler has replied its part.
      return incident.tasks.some((t) => t.role === 'co' && t.status === 'open')
        ? refusal('tasks_open', 'co-handler departments have not all replied yet')
        : null;
    case 'assign': {
      const task = incident.tasks.find((t) => t.departmentCode === match.assignment.scope.code);
      return task?.status === 'replied' ? refusal('already_replied', "this department's part is already replied") : null;
    }
    case 'start-verify':
    case 'verify-pass':
    case 'verify-fail':
      if (!allowOwnFixVerification && incident.selfResolvedBy === actor.userId) {
        return refusal('own_fix', 'a grid worker does not verify their own fix');
      }
      // The reporting grid worker checks a department's fix; a case reported by anyone else (a citizen, an operator), or one
      // the reporter fixed themselves, falls to the grid's workers.
      if (
        wf.verifier === 'reporter' &&
        incident.reporterIsGridWorker === true &&
        incident.reporterUserId !== null &&
        incident.selfResolvedBy !== incident.reporterUserId &&
        actor.userId !== incident.reporterUserId
      ) {
        return refusal('verify_by_reporter', `${type}: this case type is verified by the grid worker who reported it`);
      }
      return null;
    case 'self-resolve':
      return wf.selfResolve === 'off' ? refusal('self_resolve_not_allowed', 'this case type may not be self-resolved') : null;
    case 'request-extension':
      if (incident.extensionPending) return refusal('extension_pending', 'an extension request is already pending');
      if (now !== undefined && incident.deadlines.handleBy !== null && now > incident.deadlines.handleBy) {
        return refusal('deadline_passed', 'an extension must be requested before the handling deadline');
      }
      return null;
    case 'approve-extension':
    case 'refuse-extension':
      return incident.extensionPending ? null : refusal('no_pending_extension', 'no extension request is pending');
    case 'request-defer':
      return incident.deferPending ? refusal('defer_pending', 'a defer request is already pending') : null;
    case 'approve-defer':
    case 'refuse-defer':
      return incident.deferPending ? null : refusal('no_pending_defer', 'no defer request is pending');
    case 'respond': {
      const call = incident.escalation.find((c) => c.departmentCode === match.assignment.scope.code);
      return call !== undefined && call.respondedAt !== null ? refusal('already_responded', 'this department has already responded') : null;
    }
    default:
      return null;
  }
}

function authorize(
  incident: IncidentState,
  type: ActionType,
  actor: Actor,
  now: number | undefined,
  allowOwnFixVerification: boolean,
  workflows: Workflows,
): Match | Refusal {
  const policy = ACTION_POLICY[type];
  if (!policy) return refusal('invalid_action', `unknown action ${String(type)}`);
  incident = withTasks(incident);
  const wf = workflowOf(incident.caseType, workflows);
  const match = findGrant(incident, type, actor, wf);
  if (isRefusal(match)) return match;
  if (incident.cascadedAt != null) return refusal('invalid_status', `${type} is not possible while the case is with the other platform (cascade)`);
  if (!policy.from.includes(incident.status)) {
    return refusal('invalid_status', `${type} is not possible while the incident is ${incident.status}`);
  }
  return statePrecondition(incident, type, actor, match, now, allowOwnFixVerification, wf) ?? match;
}

/**
 * The actions this actor may take on this incident now, for the UI. Payload
 * checks (reason text, photos, known category) are left to decide. Pass now
 * to hide an extension request past the deadline.
 */
export function allowedActions(
  incident: IncidentState,
  actor: Actor,
  now?: number,
  options: { allowOwnFixVerification?: boolean; workflows?: Workflows } = {},
): ActionType[] {
  const workflows = options.workflows ?? DEFAULT_WORKFLOWS;
  return ACTION_TYPES.filter(
    (type) => !isRefusal(authorize(incident, type, actor, now, options.allowOwnFixVerification ?? false, workflows)),
  );
}

// ---------------------------------------------------------------------------
// Clocks and warnings

export type Stage = 'register' | 'dispatch' | 'handle' | 'verify';

export interface CurrentStage {
  stage: Stage;
  startedAt: number;
  deadline: number;
}

const STAGE_OF_STATUS: Partial<Record<IncidentStatus, Stage>> = {
  reported: 'register',
  registered: 'dispatch',
  dispatched: 'handle',
  handling: 'handle',
  replied: 'verify',
  verifying: 'verify',
};

const DEADLINE_OF_STAGE: Record<Stage, keyof StageDeadlines> = {
  register: 'registerBy',
  dispatch: 'dispatchBy',
  handle: 'handleBy',
  verify: 'verifyBy',
};

/** The stage whose clock is running, or null (verified, final, deferred: no clock). */
export function currentStage(incident: IncidentState): CurrentStage | null {
  const stage = STAGE_OF_STATUS[incident.status];
  if (!stage) return null;
  const deadline = incident.deadlines[DEADLINE_OF_STAGE[stage]];
  if (deadline === null || incident.stageStartedAt === null) return null;
  return { stage, startedAt: incident.stageStartedAt, deadline };
}

/**
 * Warning for the current stage: red once now is past the stage deadline
 * (wall clock), amber once amberFraction of its working time is used.
 */
export function evaluateWarning(
  incident: IncidentState,
  calendar: WorkCalendar,
  now: number,
  amberFraction = DEFAULT_AMBER_FRACTION,
): WarningLevel {
  const stage = currentStage(incident);
  if (!stage) return 'none';
  if (now > stage.deadline) return 'red';
  return fractionUsed(calendar, stage.startedAt, stage.deadline, now) >= amberFraction ? 'amber' : 'none';
}

/**
 * For the scheduled sweep: the new state and a 'warn' event when the warning
 * level changed, else null. A system change: it needs no actor or policy.
 */
export function sweepWarning(
  incident: IncidentState,
  calendar: WorkCalendar,
  now: number,
  amberFraction = DEFAULT_AMBER_FRACTION,
): { next: IncidentState; events: IncidentEventDraft[] } | null {
  const level = evaluateWarning(incident, calendar, now, amberFraction);
  if (level === incident.warning) return null;
  const stage = currentStage(incident);
  return {
    next: { ...incident, warning: level, version: incident.version + 1 },
    events: [
      {
        action: 'warn',
        fromStatus: incident.status,
        toStatus: incident.status,
        actorUserId: null,
        actorRole: null,
        note: null,
        attachments: [],
        at: now,
        data: { from: incident.warning, warning: level, stage: stage?.stage ?? null, deadline: stage?.deadline ?? null },
      },
    ],
  };
}

export type EscalationState = 'none' | 'awaiting' | 'overdue' | 'responded';

/** Summary of the street escalation: overdue as soon as one called department is late to respond. */
export function escalationState(incident: IncidentState, now: number): EscalationState {
  if (incident.escalation.length === 0) return 'none';
  const open = incident.escalation.filter((c) => c.respondedAt === null);
  if (open.length === 0) return 'responded';
  return open.some((c) => now > c.respondBy) ? 'overdue' : 'awaiting';
}

/** Deferred (缓办), rejected and merged incidents leave the KPI denominator. */
export function countsInKpi(incident: IncidentState): boolean {
  return incident.status !== 'deferred' && incident.status !== 'rejected' && incident.status !== 'merged';
}

// ---------------------------------------------------------------------------
// Creation

export interface NewIncidentInput {
  id: string;
  gridCode: string;
  reportedAt: number;
  reporterUserId: string | null;
  /** Optional at intake; when given its register limit sets registerBy. */
  categoryCode?: string | null;
  note?: string;
  photos?: readonly string[];
  /** Anything the intake wants on the 'report' event (channel, hotline order number…). */
  data?: Record<string, unknown>;
  /** The reporter is a grid worker of the case's grid: their workflow may skip registration or have them verify. */
  reporterIsGridWorker?: boolean;
}

export interface OpenContext {
  calendar: WorkCalendar;
  category: (code: string) => CategoryRule | undefined;
  /** Register limit when no category is known; default DEFAULT_REGISTER_LIMIT. */
  defaultRegisterLimit?: TimeLimit;
  workflows?: Workflows;
}

/** The initial state (version 1, status reported, register clock running) and its 'report' event. */
export function openIncident(input: NewIncidentInput, ctx: OpenContext): Decision {
  if (input.gridCode === '') return { ok: false, refusal: refusal('invalid_action', 'a grid code is required') };
  let category: CategoryRule | undefined;
  if (input.categoryCode) {
    category = ctx.category(input.categoryCode);
    if (!category) {
      return { ok: false, refusal: refusal('unknown_category', `unknown category ${input.categoryCode}`) };
    }
  }
  const registerLimit = category?.limits.register ?? ctx.defaultRegisterLimit ?? DEFAULT_REGISTER_LIMIT;
  const opened: IncidentState = {
    id: input.id,
    version: 1,
    status: 'reported',
    gridCode: input.gridCode,
    reporterUserId: input.reporterUserId,
    ...(input.reporterIsGridWorker === true && input.reporterUserId !== null ? { reporterIsGridWorker: true } : {}),
    reportedAt: input.reportedAt,
    acceptedAt: null,
    acceptedBy: null,
    categoryCode: category?.code ?? null,
    categoryType: category?.type ?? null,
    caseType: category?.caseType ?? null,
    limits: null,
    registeredAt: null,
    leadDepartmentCode: null,
    coHandlerDepartmentCodes: [],
    coHandlerReplies: [],
    tasks: [],
    dispatchedAt: null,
    repliedAt: null,
    verifiedAt: null,
    closedAt: null,
    stageStartedAt: input.reportedAt,
    deadlines: {
      registerBy: addWorkingTime(ctx.calendar, input.reportedAt, registerLimit),
      dispatchBy: null,
      handleBy: null,
      verifyBy: null,
    },
    warning: 'none',
    urgeCount: 0,
    lastUrgedAt: null,
    reworkCount: 0,
    returnCount: 0,
    extensionCount: 0,
    extensionPending: null,
    deferPending: null,
    deferredAt: null,
    selfResolvedBy: null,
    verifyingBy: null,
    escalation: [],
    mergedInto: null,
    rejectReason: null,
  };
  // A grid worker's classified report needs no desk check when the workflow says so: it starts registered.
  const registeredAs =
    category !== undefined &&
    input.reporterIsGridWorker === true &&
    input.reporterUserId !== null &&
    workflowOf(category.caseType, ctx.workflows).skipRegisterForGridWorker
      ? category
      : undefined;
  const registered = registeredAs !== undefined;
  const next: IncidentState = registeredAs
    ? {
        ...opened,
        status: 'registered',
        acceptedAt: input.reportedAt,
        acceptedBy: input.reporterUserId,
        limits: registeredAs.limits,
        registeredAt: input.reportedAt,
        deadlines: { registerBy: null, dispatchBy: addWorkingTime(ctx.calendar, input.reportedAt, registeredAs.limits.dispatch), handleBy: null, verifyBy: null },
      }
    : opened;
  return {
    ok: true,
    next,
    events: [
      {
        action: 'report',
        fromStatus: null,
        toStatus: next.status,
        actorUserId: input.reporterUserId,
        actorRole: null,
        note: input.note ?? null,
        attachments: input.photos ?? [],
        at: input.reportedAt,
        data: {
          ...input.data,
          categoryCode: next.categoryCode,
          registerBy: next.deadlines.registerBy,
          ...(registered ? { registered: true, dispatchBy: next.deadlines.dispatchBy } : {}),
        },
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// Decide

interface Effect {
  next: IncidentState;
  note?: string | null;
  attachments?: readonly string[];
  data?: Record<string, unknown>;
}

const blank = (s: string | undefined): boolean => s === undefined || s.trim() === '';
const hasPhotos = (p: readonly string[] | undefined): boolean => p !== undefined && p.some((x) => x.trim() !== '');

function validLimit(limit: TimeLimit | undefined): boolean {
  return (
    limit !== undefined &&
    Number.isFinite(limit.amount) &&
    limit.amount > 0 &&
    (limit.unit === 'hours' || limit.unit === 'days')
  );
}

function fail(code: RefusalCode, message: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: refusal(code, message) };
}

/**
 * Decides one action. Refusals, in order of checking: forbidden (no role
 * may), out_of_scope, invalid_status, then state and payload preconditions.
 * On success next.version is incident.version + 1 and the warning level is
 * re-evaluated for the (possibly new) stage.
 */
export function decide(
  incident: IncidentState,
  action: Action,
  actor: Actor,
  now: number,
  ctx: DecideContext,
): Decision {
  incident = withTasks(incident);
  const auth = authorize(incident, action.type, actor, now, ctx.allowOwnFixVerification ?? false, ctx.workflows ?? DEFAULT_WORKFLOWS);
  if (isRefusal(auth)) return { ok: false, refusal: auth };
  const result = apply(incident, action, actor, now, ctx, auth);
  if ('ok' in result) return result;
  const base = result.next;
  const next: IncidentState = { ...base, version: incident.version + 1 };
  next.warning = evaluateWarning(next, ctx.calendar, now, ctx.amberFraction);
  const data = { ...result.data };
  if (next.warning !== incident.warning) data.warning = next.warning;
  return {
    ok: true,
    next,
    events: [
      {
        action: action.type,
        fromStatus: incident.status,
        toStatus: next.status,
        actorUserId: actor.userId,
        actorRole: auth.grant.role,
        note: result.note ?? ('note' in action ? (action.note ?? null) : null),
        attachments: result.attachments ?? [],
        at: now,
        data,
      },
    ],
  };
}

function apply(
  s: IncidentState,
  action: Action,
  actor: Actor,
  now: number,
  ctx: DecideContext,
  match: Match,
): Effect | { ok: false; refusal: Refusal } {
  const cal = ctx.calendar;
  const add = (limit: TimeLimit) => addWorkingTime(cal, now, limit);
  // Limits are set from registration on; the null checks below guard states built by hand.
  const l = s.limits;

  switch (action.type) {
    case 'accept':
      return { next: { ...s, acceptedAt: now, acceptedBy: actor.userId } };

    case 'register': {
      if (blank(action.categoryCode)) return fail('category_required', 'a category is required to register');
      const category = ctx.category(action.categoryCode);
      if (!category) return fail('unknown_category', `unknown category ${action.categoryCode}`);
      const dispatchBy = add(category.limits.dispatch);
      return {
        next: {
          ...s,
          status: 'registered',
          acceptedAt: s.acceptedAt ?? now,
          acceptedBy: s.acceptedBy ?? actor.userId,
          categoryCode: category.code,
          categoryType: category.type,
          caseType: category.caseType,
          limits: category.limits,
          registeredAt: now,
          stageStartedAt: now,
          deadlines: { ...s.deadlines, dispatchBy },
        },
        data: { categoryCode: category.code, dispatchBy },
      };
    }

    case 'reject':
      if (blank(action.reason)) return fail('reason_required', 'a reason is required to reject');
      return { next: { ...s, status: 'rejected', rejectReason: action.reason, stageStartedAt: null }, note: action.reason };

    case 'dispatch': {
      const co = action.coHandlerDepartmentCodes ?? [];
      for (const code of [action.leadDepartmentCode, ...co]) {
        if (!ctx.isDepartment(code)) return fail('unknown_department', `unknown department ${code}`);
        if (outsideItsStreet(ctx, code, s.gridCode)) return fail('department_outside_street', `${code} handles cases of its own street only`);
      }
      if (co.includes(action.leadDepartmentCode) || new Set(co).size !== co.length) {
        return fail('invalid_action', 'co-handlers must be distinct and differ from the lead');
      }
      if (!l) return fail('category_required', 'the incident has no category');
      if (workflowOf(s.caseType, ctx.workflows).coordinationRequired && co.length === 0 && s.escalation.length === 0) {
        return fail('coordination_required', 'this case type is dispatched with co-handler departments or after an escalation');
      }
      const handleBy = add(l.handle);
      const taskLimits = action.taskLimits ?? {};
      for (const [code, limit] of Object.entries(taskLimits)) {
        if (!co.includes(code)) return fail('invalid_action', `a task limit names ${code}, which is not a co-handler`);
        if (!validLimit(limit)) return fail('invalid_action', 'a task limit must be a positive time limit');
      }
      const coHandleBy = Object.fromEntries(co.map((code) => [code, taskLimits[code] ? add(taskLimits[code]) : handleBy]));
      const tasks = [
        newTask(action.leadDepartmentCode, 'lead', handleBy),
        ...co.map((code) => newTask(code, 'co', coHandleBy[code]!)),
      ];
      return {
        next: {
          ...s,
          status: 'dispatched',
          leadDepartmentCode: action.leadDepartmentCode,
          coHandlerDepartmentCodes: [...co],
          coHandlerReplies: [],
          tasks,
          dispatchedAt: now,
          stageStartedAt: now,
          deadlines: { ...s.deadlines, handleBy, verifyBy: null },
          extensionPending: null,
          deferPending: null,
          deferredAt: null,
        },
        data: {
          leadDepartmentCode: action.leadDepartmentCode, coHandlerDepartmentCodes: [...co], handleBy, coHandleBy,
          ...(action.taskLimits ? { taskLimits: { ...action.taskLimits } } : {}),
        },
      };
    }

    case 'return': {
      if (blank(action.reason)) return fail('reason_required', 'a reason is required to return');
      if (!l) return fail('category_required', 'the incident has no category');
      const dispatchBy = add(l.dispatch);
      return {
        next: {
          ...s,
          status: 'registered',
          leadDepartmentCode: null,
          coHandlerDepartmentCodes: [],
          coHandlerReplies: [],
          tasks: [],
          returnCount: s.returnCount + 1,
          stageStartedAt: now,
          deadlines: { ...s.deadlines, dispatchBy, handleBy: null },
          extensionPending: null,
          deferPending: null,
        },
        note: action.reason,
        data: { departmentCode: s.leadDepartmentCode, dispatchBy },
      };
    }

    case 'start-handling':
      return { next: { ...s, status: 'handling' } };

    case 'reply': {
      if (blank(action.result)) return fail('result_required', 'a reply needs the result');
      if (!hasPhotos(action.photos)) return fail('photos_required', 'a reply needs after-photos');
      const department = match.assignment.scope.code;
      const replied = (t: DepartmentTask): DepartmentTask => ({
        ...t, status: 'replied', result: action.result, photos: [...action.photos], repliedBy: actor.userId, repliedAt: now,
      });
      if (match.grant.scope === 'co-department') {
        // A co-handler records its part; only the lead's reply ends the handling stage.
        const task = s.tasks.find((t) => t.departmentCode === department);
        const late = task?.handleBy != null && now > task.handleBy;
        return {
          next: {
            ...s,
            coHandlerReplies: [...s.coHandlerReplies, { departmentCode: department, userId: actor.userId, at: now, result: action.result }],
            tasks: s.tasks.map((t) => (t.departmentCode === department ? replied(t) : t)),
          },
          note: action.result,
          attachments: action.photos,
          data: { departmentCode: department, part: 'co-handler', late },
        };
      }
      if (!l) return fail('category_required', 'the incident has no category');
      if (!workflowOf(s.caseType, ctx.workflows).verificationRequired) {
        // No verification in this workflow: the lead's reply is the check, and the case waits to be closed.
        return {
          next: { ...s, status: 'verified', repliedAt: now, verifiedAt: now, stageStartedAt: null, extensionPending: null, deferPending: null, verifyingBy: null },
          note: action.result,
          attachments: action.photos,
          data: { departmentCode: department, part: 'lead', verification: 'skipped' },
        };
      }
      const verifyBy = add(l.verify);
      return {
        next: {
          ...s,
          status: 'replied',
          repliedAt: now,
          stageStartedAt: now,
          deadlines: { ...s.deadlines, verifyBy },
          extensionPending: null,
          deferPending: null,
          verifyingBy: null,
          tasks: s.tasks.map((t) => (t.role === 'lead' ? replied(t) : t)),
        },
        note: action.result,
        attachments: action.photos,
        data: { departmentCode: department, part: 'lead', verifyBy },
      };
    }

    case 'start-verify':
      return { next: { ...s, status: 'verifying', verifyingBy: actor.userId } };

    case 'verify-pass':
      return {
        next: { ...s, status: 'verified', verifiedAt: now, stageStartedAt: null },
        attachments: action.photos ?? [],
      };

    case 'verify-fail': {
      if (blank(action.reason)) return fail('reason_required', 'a failed verification needs a reason');
      if (!l) return fail('category_required', 'the incident has no category');
      if (s.leadDepartmentCode === null) {
        // A self-resolved fix that did not hold has no department yet: it goes to the dispatcher.
        const dispatchBy = add(l.dispatch);
        return {
          next: {
            ...s,
            status: 'registered',
            stageStartedAt: now,
            verifyingBy: null,
            deadlines: { ...s.deadlines, dispatchBy, verifyBy: null },
          },
          note: action.reason,
          attachments: action.photos ?? [],
          data: { rework: false, dispatchBy },
        };
      }
      // Rework gets a fresh handling limit from the failed check.
      const handleBy = add(l.handle);
      // The lead redoes the case; a co-handler redoes its part only when the checker names it.
      const reopen = action.reopenDepartmentCodes ?? [];
      for (const code of reopen) {
        if (!s.tasks.some((t) => t.role === 'co' && t.departmentCode === code)) {
          return fail('invalid_action', `${code} is not a co-handler of this case`);
        }
      }
      const redo = (t: DepartmentTask): DepartmentTask => ({
        ...t, status: 'open', handleBy, result: null, photos: [], repliedBy: null, repliedAt: null,
      });
      return {
        next: {
          ...s,
          tasks: s.tasks.map((t) => (t.role === 'lead' || reopen.includes(t.departmentCode) ? redo(t) : t)),
          coHandlerReplies: s.coHandlerReplies.filter((r) => !reopen.includes(r.departmentCode)),
          status: 'handling',
          reworkCount: s.reworkCount + 1,
          stageStartedAt: now,
          verifyingBy: null,
          deadlines: { ...s.deadlines, handleBy, verifyBy: null },
        },
        note: action.reason,
        attachments: action.photos ?? [],
        data: { rework: true, reworkCount: s.reworkCount + 1, handleBy, ...(reopen.length > 0 ? { reopenDepartmentCodes: [...reopen] } : {}) },
      };
    }

    case 'close':
      return { next: { ...s, status: 'closed', closedAt: now, stageStartedAt: null } };

    case 'request-extension':
      if (blank(action.reason)) return fail('reason_required', 'an extension request needs a reason');
      if (!validLimit(action.extension)) return fail('invalid_action', 'the extension must be a positive time limit');
      return {
        next: {
          ...s,
          extensionPending: { requestedBy: actor.userId, requestedAt: now, extension: action.extension, reason: action.reason },
        },
        note: action.reason,
        data: { extension: action.extension },
      };

    case 'approve-extension': {
      const pending = s.extensionPending;
      if (!pending) return fail('no_pending_extension', 'no extension request is pending');
      const granted = action.extension ?? pending.extension;
      if (!validLimit(granted)) return fail('invalid_action', 'the extension must be a positive time limit');
      const previous = s.deadlines.handleBy ?? now;
      // Extends the deadline in force, not from now: an extension adds time, it does not reset the clock.
      const handleBy = addWorkingTime(cal, previous, granted);
      return {
        next: {
          ...s,
          extensionPending: null,
          extensionCount: s.extensionCount + 1,
          deadlines: { ...s.deadlines, handleBy },
          // The extension is the lead's; co-handlers keep the deadlines they were given.
          tasks: s.tasks.map((t) => (t.role === 'lead' ? { ...t, handleBy } : t)),
        },
        data: { requested: pending.extension, granted, previousHandleBy: s.deadlines.handleBy, handleBy },
      };
    }

    case 'refuse-extension':
      if (blank(action.reason)) return fail('reason_required', 'refusing needs a reason');
      return { next: { ...s, extensionPending: null }, note: action.reason };

    case 'request-defer':
      if (blank(action.reason)) return fail('reason_required', 'a defer request needs a reason');
      return {
        next: { ...s, deferPending: { requestedBy: actor.userId, requestedAt: now, reason: action.reason } },
        note: action.reason,
      };

    case 'approve-defer':
      return {
        next: { ...s, status: 'deferred', deferPending: null, extensionPending: null, deferredAt: now, stageStartedAt: null },
        data: { reason: s.deferPending?.reason ?? null },
      };

    case 'refuse-defer':
      if (blank(action.reason)) return fail('reason_required', 'refusing needs a reason');
      return { next: { ...s, deferPending: null }, note: action.reason };

    case 'urge':
      return { next: { ...s, urgeCount: s.urgeCount + 1, lastUrgedAt: now }, data: { urgeCount: s.urgeCount + 1 } };

    case 'self-resolve': {
      const code = action.categoryCode ?? s.categoryCode;
      if (!code) return fail('category_required', 'a category is required to self-resolve');
      const category = ctx.category(code);
      if (!category) return fail('unknown_category', `unknown category ${code}`);
      // The category named here may differ from the one the case had: its workflow decides.
      const wf = workflowOf(category.caseType, ctx.workflows);
      if (wf.selfResolve === 'off') return fail('self_resolve_not_allowed', 'this case type may not be self-resolved');
      if (!hasPhotos(action.beforePhotos) || !hasPhotos(action.afterPhotos)) {
        return fail('photos_required', 'self-resolving needs before and after photos');
      }
      const common: IncidentState = {
        ...s,
        acceptedAt: s.acceptedAt ?? now,
        acceptedBy: s.acceptedBy ?? actor.userId,
        categoryCode: category.code,
        categoryType: category.type,
        caseType: category.caseType,
        limits: category.limits,
        registeredAt: s.registeredAt ?? now,
        repliedAt: now,
        selfResolvedBy: actor.userId,
      };
      const attachments = [...action.beforePhotos, ...action.afterPhotos];
      if (wf.selfResolve === 'no-verify' || !wf.verificationRequired) {
        // 即办 by default: the before/after photos are the verification; an operator still closes it.
        return {
          next: { ...common, status: 'verified', verifiedAt: now, stageStartedAt: null },
          attachments,
          data: { categoryCode: category.code, caseType: category.caseType, beforePhotos: action.beforePhotos, afterPhotos: action.afterPhotos },
        };
      }
      // Otherwise checked on site, like a department's reply, by whom the workflow says.
      const verifyBy = add(category.limits.verify);
      return {
        next: { ...common, status: 'replied', stageStartedAt: now, deadlines: { ...s.deadlines, verifyBy } },
        attachments,
        data: {
          categoryCode: category.code,
          caseType: category.caseType,
          beforePhotos: action.beforePhotos,
          afterPhotos: action.afterPhotos,
          verifyBy,
        },
      };
    }

    case 'escalate': {
      if (action.departmentCodes.length === 0) return fail('invalid_action', 'call at least one department');
      if (new Set(action.departmentCodes).size !== action.departmentCodes.length) {
        return fail('invalid_action', 'a department is listed twice');
      }
      for (const code of action.departmentCodes) {
        if (!ctx.isDepartment(code)) return fail('unknown_department', `unknown department ${code}`);
        if (outsideItsStreet(ctx, code, s.gridCode)) return fail('department_outside_street', `${code} handles cases of its own street only`);
      }
      const fresh = action.departmentCodes.filter((code) => !s.escalation.some((c) => c.departmentCode === code));
      if (fresh.length === 0) return fail('already_called', 'every listed department has already been called');
      const limit = action.responseLimit ?? ctx.escalationResponseLimit ?? DEFAULT_ESCALATION_RESPONSE_LIMIT;
      if (!validLimit(limit)) return fail('invalid_action', 'the response limit must be a positive time limit');
      const respondBy = add(limit);
      const calls: EscalationCall[] = fresh.map((departmentCode) => ({
        departmentCode,
        calledBy: actor.userId,
        calledAt: now,
        respondBy,
        respondedBy: null,
        respondedAt: null,
      }));
      return {
        next: { ...s, escalation: [...s.escalation, ...calls] },
        data: { departmentCodes: fresh, respondBy },
      };
    }

    case 'respond': {
      const department = match.assignment.scope.code;
      const late = s.escalation.some((c) => c.departmentCode === department && now > c.respondBy);
      return {
        next: {
          ...s,
          escalation: s.escalation.map((c) =>
            c.departmentCode === department ? { ...c, respondedBy: actor.userId, respondedAt: now } : c,
          ),
        },
        data: { departmentCode: department, late },
      };
    }

    case 'assign': {
      const department = action.departmentCode ?? match.assignment.scope.code;
      // Only a handler of the department assigns its part, even one holding handler roles in several departments.
      const own = actor.roles.some((r) => r.role === 'handler' && r.scope.kind === 'department' && r.scope.code === department);
      const task = s.tasks.find((t) => t.departmentCode === department);
      if (!own || !task) return fail('out_of_scope', `${department} has no part of this case for this actor`);
      if (task.status === 'replied') return fail('already_replied', `${department} has already replied its part`);
      if (blank(action.assigneeUserId) || !(ctx.departmentHandlers?.(department) ?? []).includes(action.assigneeUserId)) {
        return fail('not_department_handler', `the assignee is not a handler of ${department}`);
      }
      if (task.assigneeUserId === action.assigneeUserId) return fail('already_assigned', 'the part is already assigned to this person');
      return {
        next: {
          ...s,
          tasks: s.tasks.map((t) =>
            t.departmentCode === department ? { ...t, assigneeUserId: action.assigneeUserId, assignedBy: actor.userId, assignedAt: now } : t,
          ),
        },
        data: { departmentCode: department, assigneeUserId: action.assigneeUserId, previousAssigneeUserId: task.assigneeUserId },
      };
    }

    case 'merge':
      if (blank(action.intoIncidentId) || action.intoIncidentId === s.id) {
        return fail('invalid_action', 'merge into another incident');
      }
      return {
        next: { ...s, status: 'merged', mergedInto: action.intoIncidentId, stageStartedAt: null },
        data: { intoIncidentId: action.intoIncidentId },
      };
  }
}

/**
 * Suggested dispatch (属地/专业网格派遣): the category's first default
 * department leads and the others assist, unless the point lies in the own
 * grid (专业网格) of one of those departments: then that department leads, as
 * the case is on its territory. A category without departments takes the
 * department whose grid covers the point. `covering` lists the departments
 * whose active grids contain the case's position (none without a position).
 */
export function suggestDispatch(category: Pick<MinorCategory, 'departmentCodes'>, covering: readonly string[] = []): {
  leadDepartmentCode: string | null;
  coHandlerDepartmentCodes: string[];
} {
  const listed = category.departmentCodes;
  const territorial = listed.find((d) => covering.includes(d)) ?? (listed.length === 0 ? covering[0] : undefined);
  const lead = territorial ?? listed[0] ?? null;
  return { leadDepartmentCode: lead, coHandlerDepartmentCodes: listed.filter((d) => d !== lead) };
}

// ---------------------------------------------------------------------------
// Department tasks (联动处置)

function newTask(departmentCode: string, role: TaskRole, handleBy: number): DepartmentTask {
  return {
    departmentCode, role, handleBy, status: 'open', result: null, photos: [],
    repliedBy: null, repliedAt: null, assigneeUserId: null, assignedBy: null, assignedAt: null,
  };
}

const AT_DEPARTMENT_OR_LATER: readonly IncidentStatus[] = ['dispatched', 'handling', 'replied', 'verifying', 'verified', 'closed'];

/**
 * The state with its department tasks: states saved before joint handling
 * have none, so they are derived from the lead, the co-handlers and their
 * replies (the same rule the 0044 migration used to fill incident_tasks).
 */
export function withTasks(s: IncidentState): IncidentState {
  if (Array.isArray(s.tasks)) return s;
  const tasks: DepartmentTask[] = [];
  if (s.leadDepartmentCode !== null && AT_DEPARTMENT_OR_LATER.includes(s.status)) {
    const leadReplied = !AT_DEPARTMENT.includes(s.status);
    tasks.push({
      ...newTask(s.leadDepartmentCode, 'lead', s.deadlines.handleBy ?? 0),
      handleBy: s.deadlines.handleBy,
      ...(leadReplied ? { status: 'replied' as const, repliedAt: s.repliedAt } : {}),
    });
    for (const code of s.coHandlerDepartmentCodes ?? []) {
      const reply = (s.coHandlerReplies ?? []).find((r) => r.departmentCode === code);
      tasks.push({
        ...newTask(code, 'co', 0),
        handleBy: s.deadlines.handleBy,
        ...(reply ? { status: 'replied' as const, result: reply.result, repliedBy: reply.userId, repliedAt: reply.at } : {}),
      });
    }
  }
  return { ...s, tasks };
}

/** A part is overdue while it is open at a department past its own deadline (wall clock, like the case). */
export function taskOverdue(s: Pick<IncidentState, 'status'>, task: DepartmentTask, now: number): boolean {
  return task.status === 'open' && AT_DEPARTMENT.includes(s.status) && task.handleBy !== null && now > task.handleBy;
}
