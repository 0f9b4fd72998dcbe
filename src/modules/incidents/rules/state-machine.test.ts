import { describe, expect, it } from 'vitest';
import { DEFAULT_DEPARTMENTS, findDefaultMinorCategory } from '../data/categories.js';
import { addWorkingTime, createDefaultWorkCalendar } from './calendar.js';
import {
  ACTION_POLICY,
  ACTION_TYPES,
  INCIDENT_STATUSES,
  ROLE_NAMES,
  allowedActions,
  countsInKpi,
  currentStage,
  decide,
  escalationState,
  evaluateWarning,
  openIncident,
  suggestDispatch,
  sweepWarning,
  taskOverdue,
  withTasks,
  type Action,
  type ActionType,
  type Actor,
  type DecideContext,
  type DepartmentTask,
  type Decision,
  type IncidentState,
  type IncidentStatus,
  type RoleName,
  type Scope,
} from './state-machine.js';
import { DEFAULT_WORKFLOWS, type Workflow, type Workflows } from './workflow.js';

const H = 3_600_000;
const calendar = createDefaultWorkCalendar();
const departments = new Set(DEFAULT_DEPARTMENTS.map((d) => d.code));
const ctx: DecideContext = {
  calendar,
  category: (code) => findDefaultMinorCategory(code),
  isDepartment: (code) => departments.has(code),
  departmentHandlers: (code) => (code === 'D01' ? ['u-h01', 'u-h01b', 'u-actor'] : code === 'D02' ? ['u-h02', 'u-h02b'] : []),
};

/** Shanghai wall-clock time → UTC ms. */
function at(local: string): number {
  const [d, t] = local.split(' ') as [string, string];
  const [y, mo, day] = d.split('-').map(Number) as [number, number, number];
  const [h, mi] = t.split(':').map(Number) as [number, number];
  return Date.UTC(y, mo - 1, day, h, mi) - 8 * H;
}
function show(ms: number | null): string | null {
  if (ms === null) return null;
  const iso = new Date(ms + 8 * H).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
}

// Grid codes: 6 district + 3 street + 3 community + 3 unit grid.
const DISTRICT = '430111';
const STREET = '430111001';
const COMMUNITY = '430111001002';
const UNIT_GRID = '430111001002003';
const OTHER_STREET = '430111009';
const SIBLING_GRID = '430111001002004';

const actor = (userId: string, role: RoleName, scope: Scope): Actor => ({ userId, roles: [{ role, scope }] });
const onGrid = (code: string): Scope => ({ kind: 'grid', code });
const dept = (code: string): Scope => ({ kind: 'department', code });

const intake = actor('u-intake', 'intake_operator', onGrid(DISTRICT));
const dispatcher = actor('u-dispatch', 'dispatcher', onGrid(DISTRICT));
const supervisor = actor('u-super', 'shift_supervisor', onGrid(DISTRICT));
const handlerD01 = actor('u-h01', 'handler', dept('D01'));
const handlerD02 = actor('u-h02', 'handler', dept('D02'));
const worker = actor('u-worker', 'grid_worker', onGrid(UNIT_GRID));
const worker2 = actor('u-worker2', 'grid_worker', onGrid(COMMUNITY));
const streetOp = actor('u-street', 'street_operator', onGrid(STREET));

function ok(d: Decision): Extract<Decision, { ok: true }> {
  if (!d.ok) throw new Error(`refused: ${d.refusal.code} ${d.refusal.message}`);
  return d;
}
function refusedWith(d: Decision): string {
  if (d.ok) throw new Error('expected a refusal');
  return d.refusal.code;
}

/** Runs a sequence of actions, asserting each succeeds; returns the final state and all events. */
function run(start: IncidentState, steps: [Action, Actor, string][]) {
  let state = start;
  const events = [];
  for (const [action, who, when] of steps) {
    const d = ok(decide(state, action, who, at(when), ctx));
    expect(d.next.version).toBe(state.version + 1);
    state = d.next;
    events.push(...d.events);
  }
  return { state, events };
}

function reported(when = '2025-03-03 09:00', categoryCode: string | null = null): IncidentState {
  return ok(
    openIncident(
      { id: 'INC-1', gridCode: UNIT_GRID, reportedAt: at(when), reporterUserId: 'u-worker', categoryCode },
      ctx,
    ),
  ).next;
}

// ---------------------------------------------------------------------------
// The permission matrix: every status × action × role × in/out of scope.

/**
 * Written out by hand from the design, independently of ACTION_POLICY, so a
 * change to the table must be made twice.
 */
const OPEN: IncidentStatus[] = ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified'];
const EXPECTED: Record<ActionType, { statuses: IncidentStatus[]; roles: RoleName[] }> = {
  accept: { statuses: ['reported'], roles: ['intake_operator', 'shift_supervisor', 'street_operator'] },
  register: { statuses: ['reported'], roles: ['intake_operator', 'shift_supervisor', 'street_operator'] },
  reject: {
    statuses: ['reported'],
    roles: ['intake_operator', 'dispatcher', 'shift_supervisor', 'street_operator'],
  },
  dispatch: { statuses: ['registered', 'deferred'], roles: ['dispatcher', 'shift_supervisor', 'street_operator'] },
  return: { statuses: ['dispatched', 'handling'], roles: ['handler'] },
  'start-handling': { statuses: ['dispatched'], roles: ['handler'] },
  reply: { statuses: ['handling'], roles: ['handler'] },
  'start-verify': { statuses: ['replied'], roles: ['grid_worker', 'shift_supervisor'] },
  'verify-pass': { statuses: ['replied', 'verifying'], roles: ['grid_worker', 'shift_supervisor'] },
  'verify-fail': { statuses: ['replied', 'verifying'], roles: ['grid_worker', 'shift_supervisor'] },
  close: { statuses: ['verified'], roles: ['intake_operator', 'dispatcher', 'shift_supervisor', 'street_operator'] },
  'request-extension': { statuses: ['dispatched', 'handling'], roles: ['handler'] },
  'approve-extension': { statuses: ['dispatched', 'handling'], roles: ['shift_supervisor'] },
  'refuse-extension': { statuses: ['dispatched', 'handling'], roles: ['shift_supervisor'] },
  'request-defer': { statuses: ['dispatched', 'handling'], roles: ['handler'] },
  'approve-defer': { statuses: ['dispatched', 'handling'], roles: ['shift_supervisor'] },
  'refuse-defer': { statuses: ['dispatched', 'handling'], roles: ['shift_supervisor'] },
  urge: { statuses: OPEN, roles: ['shift_supervisor'] },
  'self-resolve': { statuses: ['reported', 'registered'], roles: ['grid_worker'] },
  escalate: { statuses: ['registered', 'dispatched', 'handling'], roles: ['street_operator'] },
  respond: { statuses: OPEN.filter((s) => s !== 'reported'), roles: ['handler'] },
  merge: {
    statuses: ['reported', 'registered'],
    roles: ['intake_operator', 'dispatcher', 'shift_supervisor', 'street_operator'],
  },
  assign: { statuses: ['dispatched', 'handling'], roles: ['handler'] },
};

/** Roles the policy grants that the default workflows leave out (the centre verifies only when a workflow says so), and their refusal. */
const NOT_IN_DEFAULT_WORKFLOW: Partial<Record<ActionType, { roles: RoleName[]; code: string }>> = {
  'start-verify': { roles: ['shift_supervisor'], code: 'verify_by_grid_worker' },
  'verify-pass': { roles: ['shift_supervisor'], code: 'verify_by_grid_worker' },
  'verify-fail': { roles: ['shift_supervisor'], code: 'verify_by_grid_worker' },
};

const NOW = at('2025-03-03 10:00');
const LIMITS = findDefaultMinorCategory('0402')!.limits;

function openTask(departmentCode: string, role: 'lead' | 'co', handleBy: number): DepartmentTask {
  return {
    departmentCode, role, handleBy, status: 'open', result: null, photos: [],
    repliedBy: null, repliedAt: null, assigneeUserId: null, assignedBy: null, assignedAt: null,
  };
}

/** A synthetic state in `status` in which every precondition of `action` other than status holds. */
function enabling(status: IncidentStatus, action: ActionType): IncidentState {
  const base = reported('2025-03-03 09:00');
  return {
    ...base,
    version: 7,
    status,
    categoryCode: '0402',
    categoryType: 'component',
    caseType: 'committed',
    limits: LIMITS,
    leadDepartmentCode: 'D01',
    coHandlerDepartmentCodes: ['D02'],
    stageStartedAt: NOW - H,
    deadlines: { registerBy: NOW + 5 * H, dispatchBy: NOW + 5 * H, handleBy: NOW + 50 * H, verifyBy: NOW + 50 * H },
    selfResolvedBy: 'u-someone-else',
    escalation: [
      { departmentCode: 'D01', calledBy: 'u-street', calledAt: NOW - H, respondBy: NOW + H, respondedAt: null, respondedBy: null },
    ],
    tasks: action === 'assign' ? [openTask('D01', 'lead', NOW + 50 * H), openTask('D02', 'co', NOW + 50 * H)] : [],
    extensionPending:
      action === 'approve-extension' || action === 'refuse-extension'
        ? { requestedBy: 'u-h01', requestedAt: NOW - H, extension: { amount: 2, unit: 'days' }, reason: 'materials' }
        : null,
    deferPending:
      action === 'approve-defer' || action === 'refuse-defer'
        ? { requestedBy: 'u-h01', requestedAt: NOW - H, reason: 'needs budget' }
        : null,
  };
}

const PAYLOAD: Record<ActionType, Action> = {
  accept: { type: 'accept' },
  register: { type: 'register', categoryCode: '0402' },
  reject: { type: 'reject', reason: 'duplicate of a closed case' },
  dispatch: { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'] },
  return: { type: 'return', reason: 'not ours: the lamp belongs to the power company' },
  'start-handling': { type: 'start-handling' },
  reply: { type: 'reply', result: 'lamp replaced', photos: ['sha256-after'] },
  'start-verify': { type: 'start-verify' },
  'verify-pass': { type: 'verify-pass', photos: ['sha256-check'] },
  'verify-fail': { type: 'verify-fail', reason: 'still dark' },
  close: { type: 'close' },
  'request-extension': { type: 'request-extension', extension: { amount: 2, unit: 'days' }, reason: 'parts on order' },
  'approve-extension': { type: 'approve-extension' },
  'refuse-extension': { type: 'refuse-extension', reason: 'not justified' },
  'request-defer': { type: 'request-defer', reason: 'needs next year budget' },
  'approve-defer': { type: 'approve-defer' },
  'refuse-defer': { type: 'refuse-defer', reason: 'can be fixed now' },
  urge: { type: 'urge', note: 'press on' },
  'self-resolve': { type: 'self-resolve', categoryCode: '0412', beforePhotos: ['b'], afterPhotos: ['a'] },
  escalate: { type: 'escalate', departmentCodes: ['D05'] },
  respond: { type: 'respond' },
  merge: { type: 'merge', intoIncidentId: 'INC-2' },
  assign: { type: 'assign', assigneeUserId: 'u-h01b' },
};

function scopesFor(role: RoleName): { inScope: Scope; outOfScope: Scope } {
  return role === 'handler'
    ? { inScope: dept('D01'), outOfScope: dept('D09') }
    : { inScope: onGrid(STREET), outOfScope: onGrid(OTHER_STREET) };
}

describe('permission matrix', () => {
  it('the policy table matches the expected list', () => {
    for (const type of ACTION_TYPES) {
      expect(new Set(ACTION_POLICY[type].from), type).toEqual(new Set(EXPECTED[type].statuses));
      expect(new Set(ACTION_POLICY[type].grants.map((g) => g.role)), type).toEqual(new Set(EXPECTED[type].roles));
    }
    expect(Object.keys(ACTION_POLICY).sort()).toEqual([...ACTION_TYPES].sort());
  });

  it('admin, leader and auditor take no action at all', () => {
    for (const role of ['admin', 'leader', 'auditor'] as const) {
      for (const type of ACTION_TYPES) expect(EXPECTED[type].roles).not.toContain(role);
    }
  });

  const cases: [IncidentStatus, ActionType, RoleName, 'in' | 'out'][] = [];
  for (const status of INCIDENT_STATUSES)
    for (const type of ACTION_TYPES)
      for (const role of ROLE_NAMES) for (const where of ['in', 'out'] as const) cases.push([status, type, role, where]);

  it(`covers ${INCIDENT_STATUSES.length} statuses × ${ACTION_TYPES.length} actions × ${ROLE_NAMES.length} roles × 2 scopes`, () => {
    expect(cases).toHaveLength(11 * 23 * 9 * 2);
  });

  it.each(cases)('%s · %s · %s · %s scope', (status, type, role, where) => {
    const incident = enabling(status, type);
    const { inScope, outOfScope } = scopesFor(role);
    const who = actor('u-actor', role, where === 'in' ? inScope : outOfScope);
    const before = structuredClone(incident);
    const d = decide(incident, PAYLOAD[type], who, NOW, ctx);
    expect(incident).toEqual(before);

    const spec = EXPECTED[type];
    const workflowRefusal = NOT_IN_DEFAULT_WORKFLOW[type]?.roles.includes(role) ? NOT_IN_DEFAULT_WORKFLOW[type]!.code : null;
    const roleMay = spec.roles.includes(role) && workflowRefusal === null;
    const expectedOk = roleMay && where === 'in' && spec.statuses.includes(status);
    expect(d.ok).toBe(expectedOk);
    expect(allowedActions(incident, who, NOW).includes(type)).toBe(expectedOk);
    if (d.ok) {
      expect(d.next.version).toBe(incident.version + 1);
      expect(d.events).toHaveLength(1);
      expect(d.events[0]).toMatchObject({ action: type, fromStatus: status, toStatus: d.next.status, actorUserId: 'u-actor', actorRole: role, at: NOW });
    } else {
      const expectedCode = workflowRefusal ?? (!roleMay ? 'forbidden' : where === 'out' ? 'out_of_scope' : 'invalid_status');
      expect(d.refusal.code).toBe(expectedCode);
      expect(d.refusal.message).not.toBe('');
      expect(d.refusal.messageZh).toMatch(/\p{Script=Han}/u);
    }
  });

  it('allowedActions lists exactly the actions decide accepts, per status, for an all-roles actor', () => {
    const everything: Actor = {
      userId: 'u-all',
      roles: ROLE_NAMES.map((role) => ({ role, scope: scopesFor(role).inScope })),
    };
    for (const status of INCIDENT_STATUSES) {
      const expected = ACTION_TYPES.filter((t) => EXPECTED[t].statuses.includes(status));
      const allowed = ACTION_TYPES.filter((t) => allowedActions(enabling(status, t), everything, NOW).includes(t));
      expect(allowed, status).toEqual(expected);
    }
  });
});

describe('malformed input', () => {
  it('refuses an unknown action type', () => {
    const bogus = { type: 'teleport' } as unknown as Action;
    expect(refusedWith(decide(reported(), bogus, supervisor, NOW, ctx))).toBe('invalid_action');
  });
});

describe('scope', () => {
  const incident = enabling('reported', 'accept');
  it.each([
    [DISTRICT, true],
    [STREET, true],
    [COMMUNITY, true],
    [UNIT_GRID, true],
    [SIBLING_GRID, false],
    [OTHER_STREET, false],
    ['', false],
  ])('an intake operator on %s may accept: %s', (code, expected) => {
    expect(decide(incident, { type: 'accept' }, actor('u', 'intake_operator', onGrid(code)), NOW, ctx).ok).toBe(expected);
  });

  it('does not confuse a department scope with a grid scope', () => {
    expect(refusedWith(decide(incident, { type: 'accept' }, actor('u', 'intake_operator', dept(DISTRICT)), NOW, ctx))).toBe(
      'out_of_scope',
    );
    const handling = enabling('handling', 'start-handling');
    expect(
      refusedWith(decide(handling, PAYLOAD.return, actor('u', 'handler', onGrid(DISTRICT)), NOW, ctx)),
    ).toBe('out_of_scope');
  });

  it('records the role that granted the action when the actor has several', () => {
    const both: Actor = {
      userId: 'u-both',
      roles: [
        { role: 'grid_worker', scope: onGrid(UNIT_GRID) },
        { role: 'shift_supervisor', scope: onGrid(OTHER_STREET) },
        { role: 'street_operator', scope: onGrid(STREET) },
      ],
    };
    const d = ok(decide(incident, { type: 'accept' }, both, NOW, ctx));
    expect(d.events[0]!.actorRole).toBe('street_operator');
    expect(allowedActions(incident, both)).toEqual(['accept', 'register', 'reject', 'self-resolve', 'merge']);
  });
});

// ---------------------------------------------------------------------------
// Paths

describe('full happy path', () => {
  it('goes from report to close with stage deadlines and a consistent timeline', () => {
    const start = reported('2025-03-03 09:00');
    expect(start.version).toBe(1);
    expect(show(start.deadlines.registerBy)).toBe('2025-03-03 10:00');
    expect(currentStage(start)?.stage).toBe('register');

    const { state, events } = run(start, [
      [{ type: 'accept' }, intake, '2025-03-03 09:10'],
      [{ type: 'register', categoryCode: '0402' }, intake, '2025-03-03 09:20'],
      [{ type: 'dispatch', leadDepartmentCode: 'D01' }, dispatcher, '2025-03-03 09:40'],
      [{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00'],
      [{ type: 'reply', result: '已更换灯泡', photos: ['after-1'] }, handlerD01, '2025-03-04 10:00'],
      [{ type: 'start-verify' }, worker, '2025-03-04 11:00'],
      [{ type: 'verify-pass', photos: ['check-1'] }, worker, '2025-03-04 11:10'],
      [{ type: 'close' }, intake, '2025-03-04 11:30'],
    ]);

    expect(state.status).toBe('closed');
    expect(state.version).toBe(9);
    expect(show(state.deadlines.dispatchBy)).toBe('2025-03-03 10:20');
    expect(show(state.deadlines.handleBy)).toBe('2025-03-05 09:40');
    expect(show(state.deadlines.verifyBy)).toBe('2025-03-05 10:00');
    expect(state.acceptedBy).toBe('u-intake');
    expect(state.limits).toEqual(findDefaultMinorCategory('0402')!.limits);
    expect(events.map((e) => `${e.action}:${e.fromStatus}→${e.toStatus}`)).toEqual([
      'accept:reported→reported',
      'register:reported→registered',
      'dispatch:registered→dispatched',
      'start-handling:dispatched→handling',
      'reply:handling→replied',
      'start-verify:replied→verifying',
      'verify-pass:verifying→verified',
      'close:verified→closed',
    ]);
    for (let i = 1; i < events.length; i++) expect(events[i]!.fromStatus).toBe(events[i - 1]!.toStatus);
    expect(events[4]).toMatchObject({ note: '已更换灯泡', attachments: ['after-1'], actorRole: 'handler' });
    expect(events[6]!.attachments).toEqual(['check-1']);
    expect(currentStage(state)).toBeNull();
    expect(countsInKpi(state)).toBe(true);
  });

  it('registers without a prior accept and then counts as accepted', () => {
    const d = ok(decide(reported(), { type: 'register', categoryCode: '0401' }, streetOp, at('2025-03-03 09:05'), ctx));
    expect(d.next.acceptedBy).toBe('u-street');
    // Manhole covers are urgent: half an hour to dispatch.
    expect(show(d.next.deadlines.dispatchBy)).toBe('2025-03-03 09:35');
    expect(refusedWith(decide(d.next, { type: 'accept' }, intake, NOW, ctx))).toBe('invalid_status');
  });

  it('refuses a second accept, an unknown category and a missing one', () => {
    const accepted = ok(decide(reported(), { type: 'accept' }, intake, NOW, ctx)).next;
    expect(refusedWith(decide(accepted, { type: 'accept' }, supervisor, NOW, ctx))).toBe('already_accepted');
    expect(allowedActions(accepted, intake)).not.toContain('accept');
    expect(refusedWith(decide(accepted, { type: 'register', categoryCode: '9999' }, intake, NOW, ctx))).toBe(
      'unknown_category',
    );
    expect(refusedWith(decide(accepted, { type: 'register', categoryCode: ' ' }, intake, NOW, ctx))).toBe(
      'category_required',
    );
  });

  it('rejects with a reason only', () => {
    expect(refusedWith(decide(reported(), { type: 'reject', reason: '  ' }, intake, NOW, ctx))).toBe('reason_required');
    const d = ok(decide(reported(), { type: 'reject', reason: '重复上报' }, intake, NOW, ctx));
    expect(d.next).toMatchObject({ status: 'rejected', rejectReason: '重复上报' });
    expect(d.events[0]!.note).toBe('重复上报');
    expect(countsInKpi(d.next)).toBe(false);
    expect(allowedActions(d.next, supervisor)).toEqual([]);
  });

  it('validates dispatch departments', () => {
    const registered = ok(decide(reported(), { type: 'register', categoryCode: '0402' }, intake, NOW, ctx)).next;
    const bad = (lead: string, co?: string[]) =>
      refusedWith(decide(registered, { type: 'dispatch', leadDepartmentCode: lead, coHandlerDepartmentCodes: co }, dispatcher, NOW, ctx));
    expect(bad('D99')).toBe('unknown_department');
    expect(bad('D01', ['D99'])).toBe('unknown_department');
    expect(bad('D01', ['D01'])).toBe('invalid_action');
    expect(bad('D01', ['D02', 'D02'])).toBe('invalid_action');
    expect(suggestDispatch(findDefaultMinorCategory('0303')!)).toEqual({
      leadDepartmentCode: 'D02',
      coHandlerDepartmentCodes: ['D05'],
    });
  });

  it("keeps a street's own handling unit to its street's cases, for dispatch and for a call (吹哨)", () => {
    // S-own belongs to the case's street, S-other to another street; D01 is the district's.
    const owned = new Map([['S-OWN', STREET], ['S-OTHER', OTHER_STREET]]);
    const c: DecideContext = { ...ctx, isDepartment: (code) => departments.has(code) || owned.has(code), departmentStreet: (code) => owned.get(code) ?? null };
    const registered = ok(decide(reported(), { type: 'register', categoryCode: '0402' }, intake, NOW, c)).next;
    expect(ok(decide(registered, { type: 'dispatch', leadDepartmentCode: 'S-OWN' }, streetOp, NOW, c)).next.leadDepartmentCode).toBe('S-OWN');
    expect(ok(decide(registered, { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['S-OWN'] }, dispatcher, NOW, c)).next.status).toBe('dispatched');
    expect(refusedWith(decide(registered, { type: 'dispatch', leadDepartmentCode: 'S-OTHER' }, dispatcher, NOW, c))).toBe('department_outside_street');
    expect(refusedWith(decide(registered, { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['S-OTHER'] }, dispatcher, NOW, c))).toBe('department_outside_street');
    expect(refusedWith(decide(registered, { type: 'escalate', departmentCodes: ['S-OTHER'] }, streetOp, NOW, c))).toBe('department_outside_street');
    expect(ok(decide(registered, { type: 'escalate', departmentCodes: ['S-OWN', 'D05'] }, streetOp, NOW, c)).next.escalation).toHaveLength(2);
  });

  it('suggests the department whose own grid covers the case to lead (专业网格)', () => {
    const category = { departmentCodes: ['D02', 'D05'] };
    expect(suggestDispatch(category, [])).toEqual({ leadDepartmentCode: 'D02', coHandlerDepartmentCodes: ['D05'] });
    // The second default department's grid covers the point: it leads, the first assists.
    expect(suggestDispatch(category, ['D05'])).toEqual({ leadDepartmentCode: 'D05', coHandlerDepartmentCodes: ['D02'] });
    // Covered by both: the category's order decides.
    expect(suggestDispatch(category, ['D05', 'D02'])).toEqual({ leadDepartmentCode: 'D02', coHandlerDepartmentCodes: ['D05'] });
    // A department the category does not name does not take the case over.
    expect(suggestDispatch(category, ['D09'])).toEqual({ leadDepartmentCode: 'D02', coHandlerDepartmentCodes: ['D05'] });
    // A category without departments goes to the territory's department, or to nobody.
    expect(suggestDispatch({ departmentCodes: [] }, ['D09', 'D03'])).toEqual({ leadDepartmentCode: 'D09', coHandlerDepartmentCodes: [] });
    expect(suggestDispatch({ departmentCodes: [] }, [])).toEqual({ leadDepartmentCode: null, coHandlerDepartmentCodes: [] });
  });
});

function dispatchedState(lead = 'D01', co: string[] = []): IncidentState {
  return run(reported('2025-03-03 09:00'), [
    [{ type: 'register', categoryCode: '0402' }, intake, '2025-03-03 09:20'],
    [{ type: 'dispatch', leadDepartmentCode: lead, coHandlerDepartmentCodes: co }, dispatcher, '2025-03-03 09:40'],
  ]).state;
}

describe('rework loop', () => {
  it('sends a failed verification back to the department with a fresh limit, counted', () => {
    const replied = run(dispatchedState(), [
      [{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00'],
      [{ type: 'reply', result: 'fixed', photos: ['a1'] }, handlerD01, '2025-03-03 11:00'],
    ]).state;
    expect(
      refusedWith(decide(replied, { type: 'verify-fail', reason: '' }, worker, at('2025-03-03 15:00'), ctx)),
    ).toBe('reason_required');
    const failed = ok(decide(replied, { type: 'verify-fail', reason: '灯仍不亮', photos: ['c1'] }, worker, at('2025-03-03 15:00'), ctx));
    expect(failed.next).toMatchObject({ status: 'handling', reworkCount: 1, leadDepartmentCode: 'D01' });
    expect(show(failed.next.deadlines.handleBy)).toBe('2025-03-05 15:00');
    expect(failed.next.deadlines.verifyBy).toBeNull();
    expect(failed.events[0]).toMatchObject({ action: 'verify-fail', note: '灯仍不亮', attachments: ['c1'] });
    expect(failed.events[0]!.data).toMatchObject({ rework: true, reworkCount: 1 });

    const again = run(failed.next, [
      [{ type: 'reply', result: 'rewired', photos: ['a2'] }, handlerD01, '2025-03-04 10:00'],
      [{ type: 'verify-fail', reason: 'flickers' }, worker2, '2025-03-04 11:00'],
      [{ type: 'reply', result: 'new lamp head', photos: ['a3'] }, handlerD01, '2025-03-04 16:00'],
      [{ type: 'verify-pass' }, worker, '2025-03-05 09:00'],
      [{ type: 'close' }, supervisor, '2025-03-05 09:30'],
    ]).state;
    expect(again).toMatchObject({ status: 'closed', reworkCount: 2 });
  });
});

describe('return and re-dispatch', () => {
  it('goes back to the dispatcher with a reason and a new dispatch clock', () => {
    const s = dispatchedState('D01', ['D02']);
    expect(refusedWith(decide(s, { type: 'return', reason: '' }, handlerD01, NOW, ctx))).toBe('reason_required');
    expect(refusedWith(decide(s, { type: 'return', reason: 'not ours' }, handlerD02, NOW, ctx))).toBe('out_of_scope');
    const returned = ok(decide(s, { type: 'return', reason: '不属于本部门职责' }, handlerD01, at('2025-03-03 17:30'), ctx));
    expect(returned.next).toMatchObject({
      status: 'registered',
      leadDepartmentCode: null,
      coHandlerDepartmentCodes: [],
      returnCount: 1,
    });
    expect(show(returned.next.deadlines.dispatchBy)).toBe('2025-03-04 09:00');
    expect(returned.next.deadlines.handleBy).toBeNull();
    expect(returned.events[0]!.data).toMatchObject({ departmentCode: 'D01' });
    expect(allowedActions(returned.next, handlerD01)).toEqual([]);

    const redispatched = ok(
      decide(returned.next, { type: 'dispatch', leadDepartmentCode: 'D02' }, dispatcher, at('2025-03-04 08:45'), ctx),
    );
    expect(redispatched.next).toMatchObject({ status: 'dispatched', leadDepartmentCode: 'D02', returnCount: 1 });
    expect(show(redispatched.next.deadlines.handleBy)).toBe('2025-03-06 08:45');
    expect(allowedActions(redispatched.next, handlerD02)).toEqual([
      'return',
      'start-handling',
      'request-extension',
      'request-defer',
      'assign',
    ]);
  });
});

describe('co-handlers', () => {
  it('lets a co-handler record its part once without moving the case; the lead replies for the case', () => {
    const handling = run(dispatchedState('D01', ['D02']), [[{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00']]).state;
    expect(refusedWith(decide(handling, { type: 'start-handling' }, handlerD02, NOW, ctx))).toBe('out_of_scope');
    const part = ok(decide(handling, { type: 'reply', result: '配合完成线路检修', photos: ['p'] }, handlerD02, at('2025-03-03 11:00'), ctx));
    expect(part.next.status).toBe('handling');
    expect(part.next.coHandlerReplies).toEqual([
      { departmentCode: 'D02', userId: 'u-h02', at: at('2025-03-03 11:00'), result: '配合完成线路检修' },
    ]);
    expect(part.events[0]).toMatchObject({ fromStatus: 'handling', toStatus: 'handling', data: { part: 'co-handler' } });
    expect(refusedWith(decide(part.next, { type: 'reply', result: 'again', photos: ['p'] }, handlerD02, NOW, ctx))).toBe(
      'already_replied',
    );
    expect(allowedActions(part.next, handlerD02)).toEqual([]);
    const lead = ok(decide(part.next, { type: 'reply', result: 'done', photos: ['q'] }, handlerD01, at('2025-03-03 14:00'), ctx));
    expect(lead.next.status).toBe('replied');
    expect(refusedWith(decide(part.next, { type: 'reply', result: 'done', photos: [] }, handlerD01, NOW, ctx))).toBe(
      'photos_required',
    );
    expect(refusedWith(decide(part.next, { type: 'reply', result: '', photos: ['q'] }, handlerD01, NOW, ctx))).toBe(
      'result_required',
    );
  });
});

describe('joint handling (联动处置)', () => {
  const handlerD02b = actor('u-h02b', 'handler', dept('D02'));
  const handlerD05 = actor('u-h05', 'handler', dept('D05'));

  it('dispatch makes one task per department: the lead on the case limit, a co-handler on its own limit when given', () => {
    const registered = run(reported('2025-03-03 09:00'), [[{ type: 'register', categoryCode: '0402' }, intake, '2025-03-03 09:20']]).state;
    const d = ok(decide(registered, {
      type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02', 'D05'], taskLimits: { D05: { amount: 4, unit: 'hours' } },
    }, dispatcher, at('2025-03-03 09:40'), ctx));
    const handleBy = d.next.deadlines.handleBy;
    expect(d.next.tasks.map((t) => [t.departmentCode, t.role, t.status, t.handleBy])).toEqual([
      ['D01', 'lead', 'open', handleBy],
      ['D02', 'co', 'open', handleBy],
      ['D05', 'co', 'open', addWorkingTime(calendar, at('2025-03-03 09:40'), { amount: 4, unit: 'hours' })],
    ]);
    expect(show(d.next.tasks[2]!.handleBy)).toBe('2025-03-03 16:10');
    expect(d.events[0]!.data).toMatchObject({ coHandleBy: { D02: handleBy, D05: d.next.tasks[2]!.handleBy } });
    // A limit for a department not co-handling, or not a positive limit, is refused.
    const bad = (taskLimits: Record<string, { amount: number; unit: 'hours' | 'days' }>) =>
      refusedWith(decide(registered, { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'], taskLimits }, dispatcher, NOW, ctx));
    expect(bad({ D01: { amount: 1, unit: 'days' } })).toBe('invalid_action');
    expect(bad({ D02: { amount: 0, unit: 'days' } })).toBe('invalid_action');
  });

  it('the lead replies only once every co-handler has; then the case is replied and each task records its reply', () => {
    const handling = run(dispatchedState('D01', ['D02', 'D05']), [[{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00']]).state;
    const reply = { type: 'reply', result: '已修复', photos: ['p'] } as const;
    expect(refusedWith(decide(handling, reply, handlerD01, at('2025-03-03 11:00'), ctx))).toBe('tasks_open');
    expect(allowedActions(handling, handlerD01, NOW)).not.toContain('reply');
    const after = run(handling, [
      [{ type: 'reply', result: '配合断电', photos: ['p2'] }, handlerD02, '2025-03-03 11:00'],
      [{ type: 'reply', result: '配合占道审批', photos: ['p5'] }, handlerD05, '2025-03-03 11:30'],
    ]).state;
    expect(after.status).toBe('handling');
    expect(after.tasks.filter((t) => t.role === 'co').map((t) => [t.departmentCode, t.status, t.result, t.repliedBy])).toEqual([
      ['D02', 'replied', '配合断电', 'u-h02'],
      ['D05', 'replied', '配合占道审批', 'u-h05'],
    ]);
    expect(allowedActions(after, handlerD01, NOW)).toContain('reply');
    const lead = ok(decide(after, reply, handlerD01, at('2025-03-03 14:40'), ctx));
    expect(lead.next.status).toBe('replied');
    expect(lead.next.tasks[0]).toMatchObject({ status: 'replied', result: '已修复', photos: ['p'], repliedBy: 'u-h01', repliedAt: at('2025-03-03 14:40') });
  });

  it('a co-handler replying past its own deadline is marked late; taskOverdue shows it while open', () => {
    const registered = run(reported('2025-03-03 09:00'), [[{ type: 'register', categoryCode: '0402' }, intake, '2025-03-03 09:20']]).state;
    const dispatched = ok(decide(registered, {
      type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'], taskLimits: { D02: { amount: 1, unit: 'hours' } },
    }, dispatcher, at('2025-03-03 09:40'), ctx)).next;
    const co = dispatched.tasks[1]!;
    expect(taskOverdue(dispatched, co, at('2025-03-03 10:30'))).toBe(false);
    expect(taskOverdue(dispatched, co, at('2025-03-03 10:41'))).toBe(true);
    expect(taskOverdue(dispatched, dispatched.tasks[0]!, at('2025-03-03 10:41'))).toBe(false);
    const handling = run(dispatched, [[{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00']]).state;
    const late = ok(decide(handling, { type: 'reply', result: 'ok', photos: ['p'] }, handlerD02, at('2025-03-03 15:00'), ctx));
    expect(late.events[0]!.data).toMatchObject({ departmentCode: 'D02', part: 'co-handler', late: true });
    expect(taskOverdue(late.next, late.next.tasks[1]!, at('2025-03-04 15:00'))).toBe(false);
  });

  it('assign: a handler of the department gives its part to a handler of that department, and may reassign', () => {
    const s = dispatchedState('D01', ['D02']);
    const first = ok(decide(s, { type: 'assign', assigneeUserId: 'u-h01b' }, handlerD01, at('2025-03-03 09:50'), ctx));
    expect(first.next.status).toBe('dispatched');
    expect(first.next.tasks[0]).toMatchObject({ departmentCode: 'D01', assigneeUserId: 'u-h01b', assignedBy: 'u-h01', assignedAt: at('2025-03-03 09:50') });
    expect(first.events[0]).toMatchObject({ action: 'assign', fromStatus: 'dispatched', toStatus: 'dispatched', data: { departmentCode: 'D01', assigneeUserId: 'u-h01b', previousAssigneeUserId: null } });
    expect(refusedWith(decide(first.next, { type: 'assign', assigneeUserId: 'u-h01b' }, handlerD01, NOW, ctx))).toBe('already_assigned');
    const again = ok(decide(first.next, { type: 'assign', assigneeUserId: 'u-h01' }, handlerD01, NOW, ctx));
    expect(again.events[0]!.data).toMatchObject({ assigneeUserId: 'u-h01', previousAssigneeUserId: 'u-h01b' });
    // The co-handler assigns its own part; the lead's part is untouched.
    const co = ok(decide(s, { type: 'assign', assigneeUserId: 'u-h02b' }, handlerD02, NOW, ctx));
    expect(co.next.tasks.map((t) => t.assigneeUserId)).toEqual([null, 'u-h02b']);
    // Not a handler of that department: refused; another department's part: refused.
    expect(refusedWith(decide(s, { type: 'assign', assigneeUserId: 'u-h02' }, handlerD01, NOW, ctx))).toBe('not_department_handler');
    expect(refusedWith(decide(s, { type: 'assign', assigneeUserId: 'u-nobody' }, handlerD01, NOW, ctx))).toBe('not_department_handler');
    expect(refusedWith(decide(s, { type: 'assign', assigneeUserId: 'u-h02b', departmentCode: 'D02' }, handlerD01, NOW, ctx))).toBe('out_of_scope');
    expect(refusedWith(decide(s, { type: 'assign', assigneeUserId: 'u-h02b' }, handlerD02b, NOW, { ...ctx, departmentHandlers: undefined }))).toBe('not_department_handler');
    expect(refusedWith(decide(s, { type: 'assign', assigneeUserId: 'u-h01b' }, dispatcher, NOW, ctx))).toBe('forbidden');
    // A co-handler that has replied its part assigns no more.
    const handling = run(s, [
      [{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00'],
      [{ type: 'reply', result: 'ok', photos: ['p'] }, handlerD02, '2025-03-03 10:30'],
    ]).state;
    expect(allowedActions(handling, handlerD02, NOW)).not.toContain('assign');
    expect(refusedWith(decide(handling, { type: 'assign', assigneeUserId: 'u-h02b' }, handlerD02, NOW, ctx))).toBe('already_replied');
  });

  it('rework reopens the lead task, and the co-handler tasks the checker names; return clears the tasks', () => {
    const replied = run(dispatchedState('D01', ['D02', 'D05']), [
      [{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00'],
      [{ type: 'reply', result: 'a', photos: ['p'] }, handlerD02, '2025-03-03 10:10'],
      [{ type: 'reply', result: 'b', photos: ['p'] }, handlerD05, '2025-03-03 10:20'],
      [{ type: 'reply', result: 'c', photos: ['p'] }, handlerD01, '2025-03-03 11:00'],
    ]).state;
    expect(refusedWith(decide(replied, { type: 'verify-fail', reason: 'x', reopenDepartmentCodes: ['D09'] }, worker, NOW, ctx))).toBe('invalid_action');
    const fail = ok(decide(replied, { type: 'verify-fail', reason: '仍未修复', reopenDepartmentCodes: ['D05'] }, worker, at('2025-03-03 15:00'), ctx));
    expect(fail.next.tasks.map((t) => [t.departmentCode, t.status, t.handleBy === fail.next.deadlines.handleBy])).toEqual([
      ['D01', 'open', true],
      ['D02', 'replied', false],
      ['D05', 'open', true],
    ]);
    expect(fail.events[0]!.data).toMatchObject({ rework: true, reopenDepartmentCodes: ['D05'] });
    // D05 redoes its part before the lead can reply again; D02 does not.
    expect(refusedWith(decide(fail.next, { type: 'reply', result: 'c2', photos: ['p'] }, handlerD01, NOW, ctx))).toBe('tasks_open');
    expect(refusedWith(decide(fail.next, { type: 'reply', result: 'a2', photos: ['p'] }, handlerD02, NOW, ctx))).toBe('already_replied');
    const redone = run(fail.next, [
      [{ type: 'reply', result: 'b2', photos: ['p'] }, handlerD05, '2025-03-03 16:00'],
      [{ type: 'reply', result: 'c2', photos: ['p'] }, handlerD01, '2025-03-03 16:30'],
    ]).state;
    expect(redone.status).toBe('replied');

    const returned = ok(decide(dispatchedState('D01', ['D02']), { type: 'return', reason: '非本部门职责' }, handlerD01, NOW, ctx));
    expect(returned.next.tasks).toEqual([]);
  });

  it('an approved extension moves the lead task with the case; co-handler deadlines stay', () => {
    const s = dispatchedState('D01', ['D02']);
    const extended = run(s, [
      [{ type: 'request-extension', extension: { amount: 1, unit: 'days' }, reason: '等待配件' }, handlerD01, '2025-03-03 10:00'],
      [{ type: 'approve-extension' }, supervisor, '2025-03-03 10:30'],
    ]).state;
    expect(extended.tasks[0]!.handleBy).toBe(extended.deadlines.handleBy);
    expect(extended.tasks[1]!.handleBy).toBe(s.deadlines.handleBy);
  });

  it('derives tasks for a state saved before joint handling (withTasks)', () => {
    const legacy = { ...dispatchedState('D01', ['D02', 'D05']), status: 'handling' as const, coHandlerReplies: [{ departmentCode: 'D02', userId: 'u-h02', at: NOW, result: '已配合' }] };
    delete (legacy as { tasks?: unknown }).tasks;
    const t = withTasks(legacy).tasks;
    expect(t.map((x) => [x.departmentCode, x.role, x.status, x.result, x.handleBy === legacy.deadlines.handleBy])).toEqual([
      ['D01', 'lead', 'open', null, true],
      ['D02', 'co', 'replied', '已配合', true],
      ['D05', 'co', 'open', null, true],
    ]);
    // The machine reads such a state as it reads a new one: the lead waits for D05.
    expect(refusedWith(decide(legacy, { type: 'reply', result: 'x', photos: ['p'] }, handlerD01, NOW, ctx))).toBe('tasks_open');
    const reported_ = reported();
    delete (reported_ as { tasks?: unknown }).tasks;
    expect(withTasks(reported_).tasks).toEqual([]);
  });
});

describe('extension', () => {
  const s = dispatchedState(); // handleBy 2025-03-05 09:40

  it('recomputes the handling deadline from the one in force', () => {
    const requested = ok(
      decide(s, { type: 'request-extension', extension: { amount: 2, unit: 'days' }, reason: '等待配件' }, handlerD01, at('2025-03-04 10:00'), ctx),
    );
    expect(requested.next.extensionPending).toMatchObject({ requestedBy: 'u-h01', extension: { amount: 2, unit: 'days' } });
    expect(requested.next.deadlines.handleBy).toBe(s.deadlines.handleBy);
    expect(
      refusedWith(decide(requested.next, { type: 'request-extension', extension: { amount: 1, unit: 'days' }, reason: 'x' }, handlerD01, NOW, ctx)),
    ).toBe('extension_pending');
    expect(refusedWith(decide(requested.next, { type: 'approve-extension' }, handlerD01, NOW, ctx))).toBe('forbidden');

    const approved = ok(decide(requested.next, { type: 'approve-extension' }, supervisor, at('2025-03-04 11:00'), ctx));
    expect(show(approved.next.deadlines.handleBy)).toBe('2025-03-07 09:40');
    expect(approved.next).toMatchObject({ extensionPending: null, extensionCount: 1 });
    expect(approved.events[0]!.data).toMatchObject({ previousHandleBy: s.deadlines.handleBy, handleBy: approved.next.deadlines.handleBy });

    const smaller = ok(
      decide(requested.next, { type: 'approve-extension', extension: { amount: 4, unit: 'hours' } }, supervisor, at('2025-03-04 11:00'), ctx),
    );
    expect(show(smaller.next.deadlines.handleBy)).toBe('2025-03-05 16:10');
  });

  it('clears the warning when the new deadline leaves time', () => {
    const late = at('2025-03-05 08:30'); // 12h 50m of 14h used: amber
    const requested = ok(decide(s, { type: 'request-extension', extension: { amount: 3, unit: 'days' }, reason: 'r' }, handlerD01, late, ctx));
    expect(requested.next.warning).toBe('amber');
    expect(requested.events[0]!.data.warning).toBe('amber');
    const approved = ok(decide(requested.next, { type: 'approve-extension' }, supervisor, late, ctx));
    expect(approved.next.warning).toBe('none');
  });

  it('is refused, or refused to be asked, as the rules say', () => {
    const requested = ok(decide(s, { type: 'request-extension', extension: { amount: 1, unit: 'days' }, reason: 'r' }, handlerD01, NOW, ctx)).next;
    expect(refusedWith(decide(requested, { type: 'refuse-extension', reason: '' }, supervisor, NOW, ctx))).toBe('reason_required');
    const refused = ok(decide(requested, { type: 'refuse-extension', reason: '时限充足' }, supervisor, NOW, ctx));
    expect(refused.next).toMatchObject({ extensionPending: null, extensionCount: 0, deadlines: s.deadlines });
    expect(refusedWith(decide(refused.next, { type: 'approve-extension' }, supervisor, NOW, ctx))).toBe('no_pending_extension');

    const afterDeadline = s.deadlines.handleBy! + 1;
    expect(
      refusedWith(decide(s, { type: 'request-extension', extension: { amount: 1, unit: 'days' }, reason: 'r' }, handlerD01, afterDeadline, ctx)),
    ).toBe('deadline_passed');
    expect(allowedActions(s, handlerD01, afterDeadline)).not.toContain('request-extension');
    expect(
      refusedWith(decide(s, { type: 'request-extension', extension: { amount: 0, unit: 'days' }, reason: 'r' }, handlerD01, NOW, ctx)),
    ).toBe('invalid_action');
    expect(
      refusedWith(decide(s, { type: 'request-extension', extension: { amount: 1, unit: 'days' }, reason: ' ' }, handlerD01, NOW, ctx)),
    ).toBe('reason_required');
  });
});

describe('defer', () => {
  it('approved deferral leaves the KPI denominator and can be resumed by dispatch', () => {
    const s = dispatchedState();
    const requested = ok(decide(s, { type: 'request-defer', reason: '需纳入明年预算' }, handlerD01, NOW, ctx)).next;
    expect(refusedWith(decide(requested, { type: 'request-defer', reason: 'again' }, handlerD01, NOW, ctx))).toBe('defer_pending');
    const deferred = ok(decide(requested, { type: 'approve-defer' }, supervisor, NOW + H, ctx));
    expect(deferred.next).toMatchObject({ status: 'deferred', deferPending: null, deferredAt: NOW + H });
    expect(deferred.events[0]!.data).toMatchObject({ reason: '需纳入明年预算' });
    expect(countsInKpi(deferred.next)).toBe(false);
    expect(evaluateWarning(deferred.next, calendar, NOW + 1000 * H)).toBe('none');
    expect(allowedActions(deferred.next, handlerD01)).toEqual([]);

    const resumed = ok(decide(deferred.next, { type: 'dispatch', leadDepartmentCode: 'D01' }, dispatcher, at('2025-06-03 09:00'), ctx));
    expect(resumed.next).toMatchObject({ status: 'dispatched', deferredAt: null });
    expect(show(resumed.next.deadlines.handleBy)).toBe('2025-06-05 09:00');
    expect(countsInKpi(resumed.next)).toBe(true);
  });

  it('a refused deferral keeps the case at the department', () => {
    const requested = ok(decide(dispatchedState(), { type: 'request-defer', reason: 'r' }, handlerD01, NOW, ctx)).next;
    const refused = ok(decide(requested, { type: 'refuse-defer', reason: '可以立即处置' }, supervisor, NOW, ctx));
    expect(refused.next).toMatchObject({ status: 'dispatched', deferPending: null });
    expect(refusedWith(decide(refused.next, { type: 'approve-defer' }, supervisor, NOW, ctx))).toBe('no_pending_defer');
  });
});

describe('urge', () => {
  it('counts urges without changing status', () => {
    const s = dispatchedState();
    const { state, events } = run(s, [
      [{ type: 'urge', note: '请加快处置' }, supervisor, '2025-03-04 09:00'],
      [{ type: 'urge' }, supervisor, '2025-03-04 15:00'],
    ]);
    expect(state).toMatchObject({ status: 'dispatched', urgeCount: 2, lastUrgedAt: at('2025-03-04 15:00') });
    expect(events[0]).toMatchObject({ note: '请加快处置', data: { urgeCount: 1 } });
    expect(refusedWith(decide(s, { type: 'urge' }, dispatcher, NOW, ctx))).toBe('forbidden');
  });
});

describe('self-resolve', () => {
  it('an immediate case goes straight to verified by its photos, then an operator closes it', () => {
    const d = ok(
      decide(reported(), { type: 'self-resolve', categoryCode: '0412', beforePhotos: ['b1'], afterPhotos: ['a1'], note: '已清理' }, worker, at('2025-03-03 09:10'), ctx),
    );
    expect(d.next).toMatchObject({
      status: 'verified',
      categoryCode: '0412',
      caseType: 'immediate',
      selfResolvedBy: 'u-worker',
      registeredAt: at('2025-03-03 09:10'),
      acceptedBy: 'u-worker',
    });
    expect(d.events[0]).toMatchObject({ attachments: ['b1', 'a1'], note: '已清理', toStatus: 'verified' });
    expect(allowedActions(d.next, worker)).toEqual([]);
    expect(ok(decide(d.next, { type: 'close' }, intake, at('2025-03-03 09:30'), ctx)).next.status).toBe('closed');
  });

  it('another case type waits for on-site verification by someone else', () => {
    const d = ok(
      decide(reported(), { type: 'self-resolve', categoryCode: '0205', beforePhotos: ['b'], afterPhotos: ['a'] }, worker, at('2025-03-03 09:10'), ctx),
    );
    expect(d.next.status).toBe('verified');

    const committed = ok(
      decide(reported('2025-03-03 09:00', '0403'), { type: 'self-resolve', beforePhotos: ['b'], afterPhotos: ['a'] }, worker, at('2025-03-03 09:10'), ctx),
    );
    expect(committed.next).toMatchObject({ status: 'replied', caseType: 'committed', leadDepartmentCode: null });
    expect(show(committed.next.deadlines.verifyBy)).toBe('2025-03-04 09:10');
    expect(refusedWith(decide(committed.next, { type: 'verify-pass' }, worker, NOW, ctx))).toBe('own_fix');
    expect(refusedWith(decide(committed.next, { type: 'start-verify' }, worker, NOW, ctx))).toBe('own_fix');
    expect(allowedActions(committed.next, worker)).toEqual([]);
    expect(allowedActions(committed.next, worker, NOW, { allowOwnFixVerification: true })).toEqual([
      'start-verify',
      'verify-pass',
      'verify-fail',
    ]);
    expect(decide(committed.next, { type: 'verify-pass' }, worker, NOW, { ...ctx, allowOwnFixVerification: true }).ok).toBe(true);
    expect(ok(decide(committed.next, { type: 'verify-pass' }, worker2, NOW, ctx)).next.status).toBe('verified');

    const failed = ok(decide(committed.next, { type: 'verify-fail', reason: '未清理干净' }, worker2, at('2025-03-03 11:00'), ctx));
    expect(failed.next).toMatchObject({ status: 'registered', reworkCount: 0 });
    expect(show(failed.next.deadlines.dispatchBy)).toBe('2025-03-03 12:00');
  });

  it('needs a category and both photos, and a grid worker in scope', () => {
    const r = reported();
    expect(refusedWith(decide(r, { type: 'self-resolve', beforePhotos: ['b'], afterPhotos: ['a'] }, worker, NOW, ctx))).toBe(
      'category_required',
    );
    expect(
      refusedWith(decide(r, { type: 'self-resolve', categoryCode: '0412', beforePhotos: [], afterPhotos: ['a'] }, worker, NOW, ctx)),
    ).toBe('photos_required');
    expect(
      refusedWith(decide(r, { type: 'self-resolve', categoryCode: '0412', beforePhotos: ['b'], afterPhotos: [''] }, worker, NOW, ctx)),
    ).toBe('photos_required');
    expect(
      refusedWith(decide(r, { type: 'self-resolve', categoryCode: 'x', beforePhotos: ['b'], afterPhotos: ['a'] }, worker, NOW, ctx)),
    ).toBe('unknown_category');
    const elsewhere = actor('u-w3', 'grid_worker', onGrid(SIBLING_GRID));
    expect(
      refusedWith(decide(r, { type: 'self-resolve', categoryCode: '0412', beforePhotos: ['b'], afterPhotos: ['a'] }, elsewhere, NOW, ctx)),
    ).toBe('out_of_scope');
  });

  it('lets the reporter verify a department fix (巡办分离 separates finders from fixers)', () => {
    const replied = run(dispatchedState(), [
      [{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00'],
      [{ type: 'reply', result: 'ok', photos: ['a'] }, handlerD01, '2025-03-03 11:00'],
    ]).state;
    expect(replied.reporterUserId).toBe('u-worker');
    expect(decide(replied, { type: 'verify-pass' }, worker, NOW, ctx).ok).toBe(true);
  });
});

describe('workflow per case type', () => {
  /** The default workflows with one case type's changed. */
  const withWorkflow = (caseType: keyof Workflows, patch: Partial<Workflow>): DecideContext => ({
    ...ctx,
    workflows: { ...DEFAULT_WORKFLOWS, [caseType]: { ...DEFAULT_WORKFLOWS[caseType], ...patch } },
  });
  const handlingState = () => run(dispatchedState(), [[{ type: 'start-handling' }, handlerD01, '2025-03-03 10:00']]).state;
  /** A committed case (0402) the lead department has replied to, under workflows c. */
  const replied = (c: DecideContext) =>
    ok(decide(handlingState(), { type: 'reply', result: 'ok', photos: ['a'] }, handlerD01, at('2025-03-03 11:00'), c)).next;

  it('the shipped defaults keep the standard loop: 即办 self-resolves without a check, 承诺 and 协调 are verified by a grid worker', () => {
    expect(DEFAULT_WORKFLOWS.committed).toEqual(DEFAULT_WORKFLOWS.coordinated);
    expect(DEFAULT_WORKFLOWS.committed).toMatchObject({ selfResolve: 'verify', verificationRequired: true, verifier: 'grid', closer: 'desk', coordinationRequired: false, skipRegisterForGridWorker: false });
    expect(DEFAULT_WORKFLOWS.immediate.selfResolve).toBe('no-verify');
  });

  it("without a verification step the lead department's reply makes the case verified, ready to close", () => {
    const c = withWorkflow('committed', { verificationRequired: false });
    const d = ok(decide(handlingState(), { type: 'reply', result: 'ok', photos: ['a'] }, handlerD01, at('2025-03-03 11:00'), c));
    expect(d.next).toMatchObject({ status: 'verified', verifiedAt: at('2025-03-03 11:00'), repliedAt: at('2025-03-03 11:00') });
    expect(d.events[0]!.data).toMatchObject({ verification: 'skipped' });
    expect(currentStage(d.next)).toBeNull();
    expect(ok(decide(d.next, { type: 'close' }, intake, at('2025-03-03 11:30'), c)).next.status).toBe('closed');
    // The other case types keep their verification.
    expect(replied(withWorkflow('immediate', { verificationRequired: false })).status).toBe('replied');
  });

  it('the command centre verifies when the workflow says so, and grid workers are told who does', () => {
    const c = withWorkflow('committed', { verifier: 'centre' });
    const r = replied(c);
    const refusal = decide(r, { type: 'verify-pass' }, worker, NOW, c);
    expect(refusedWith(refusal)).toBe('verify_by_centre');
    expect(!refusal.ok && refusal.refusal.messageZh).toContain('值班长');
    expect(allowedActions(r, worker, NOW, { workflows: c.workflows })).toEqual([]);
    expect(allowedActions(r, supervisor, NOW, { workflows: c.workflows })).toEqual(['start-verify', 'verify-pass', 'verify-fail', 'urge']);
    const passed = ok(decide(r, { type: 'verify-pass' }, supervisor, NOW, c));
    expect(passed.next.status).toBe('verified');
    expect(passed.events[0]!.actorRole).toBe('shift_supervisor');
    // Out of the supervisor's territory it is a scope refusal, as for any action.
    const elsewhere = actor('u-super2', 'shift_supervisor', onGrid(OTHER_STREET));
    expect(refusedWith(decide(r, { type: 'verify-pass' }, elsewhere, NOW, c))).toBe('out_of_scope');
  });

  it('the reporting grid worker verifies when the workflow says so; without one, any grid worker of the grid', () => {
    const c = withWorkflow('committed', { verifier: 'reporter' });
    const r = { ...replied(c), reporterIsGridWorker: true };
    expect(r.reporterUserId).toBe('u-worker');
    expect(refusedWith(decide(r, { type: 'verify-pass' }, worker2, NOW, c))).toBe('verify_by_reporter');
    expect(allowedActions(r, worker2, NOW, { workflows: c.workflows })).toEqual([]);
    expect(ok(decide(r, { type: 'verify-pass' }, worker, NOW, c)).next.status).toBe('verified');
    expect(refusedWith(decide(r, { type: 'verify-pass' }, supervisor, NOW, c))).toBe('verify_by_reporter');

    const citizen = { ...r, reporterUserId: null, reporterIsGridWorker: undefined };
    expect(decide(citizen, { type: 'verify-pass' }, worker2, NOW, c).ok).toBe(true);
    // Reported by an operator (not a grid worker): any grid worker of the grid.
    const byOperator = { ...r, reporterUserId: 'u-intake', reporterIsGridWorker: undefined };
    expect(decide(byOperator, { type: 'verify-pass' }, worker2, NOW, c).ok).toBe(true);
    expect(ok(openIncident({ id: 'INC-8', gridCode: UNIT_GRID, reportedAt: NOW, reporterUserId: 'u-worker', reporterIsGridWorker: true }, c)).next.reporterIsGridWorker).toBe(true);
    expect(ok(openIncident({ id: 'INC-8', gridCode: UNIT_GRID, reportedAt: NOW, reporterUserId: 'u-intake' }, c)).next).not.toHaveProperty('reporterIsGridWorker');
    // The reporter fixed it: 巡办分离 has another worker check it.
    const selfFixed = ok(decide({ ...reported('2025-03-03 09:00', '0403'), reporterIsGridWorker: true }, { type: 'self-resolve', beforePhotos: ['b'], afterPhotos: ['a'] }, worker, at('2025-03-03 09:10'), c)).next;
    expect(refusedWith(decide(selfFixed, { type: 'verify-pass' }, worker, NOW, c))).toBe('own_fix');
    expect(decide(selfFixed, { type: 'verify-pass' }, worker2, NOW, c).ok).toBe(true);
  });

  it('closing needs the shift supervisor when the workflow asks for approval', () => {
    const c = withWorkflow('committed', { closer: 'supervisor' });
    const verified = ok(decide(replied(c), { type: 'verify-pass' }, worker2, NOW, c)).next;
    expect(refusedWith(decide(verified, { type: 'close' }, intake, NOW, c))).toBe('close_by_supervisor');
    expect(refusedWith(decide(verified, { type: 'close' }, streetOp, NOW, c))).toBe('close_by_supervisor');
    expect(allowedActions(verified, intake, NOW, { workflows: c.workflows })).toEqual([]);
    expect(allowedActions(verified, supervisor, NOW, { workflows: c.workflows })).toContain('close');
    expect(ok(decide(verified, { type: 'close' }, supervisor, NOW, c)).next.status).toBe('closed');
    // The default still lets any desk close.
    expect(decide(verified, { type: 'close' }, intake, NOW, ctx).ok).toBe(true);
  });

  it('self-resolving follows the workflow of the category named', () => {
    const off = withWorkflow('immediate', { selfResolve: 'off' });
    const action: Action = { type: 'self-resolve', categoryCode: '0412', beforePhotos: ['b'], afterPhotos: ['a'] };
    expect(refusedWith(decide(reported(), action, worker, NOW, off))).toBe('self_resolve_not_allowed');
    const classified = reported('2025-03-03 09:00', '0412');
    const registered = ok(decide(classified, { type: 'register', categoryCode: '0412' }, intake, NOW, off)).next;
    expect(refusedWith(decide(registered, { type: 'self-resolve', beforePhotos: ['b'], afterPhotos: ['a'] }, worker, NOW, off))).toBe('self_resolve_not_allowed');
    expect(allowedActions(registered, worker, NOW, { workflows: off.workflows })).not.toContain('self-resolve');
    // 即办 with an on-site check: the fix waits for another worker.
    const checked = withWorkflow('immediate', { selfResolve: 'verify' });
    expect(ok(decide(reported(), action, worker, NOW, checked)).next.status).toBe('replied');
    // A committed case whose workflow takes the photos as the check is verified at once.
    const trusted = withWorkflow('committed', { selfResolve: 'no-verify' });
    const committed: Action = { type: 'self-resolve', categoryCode: '0403', beforePhotos: ['b'], afterPhotos: ['a'] };
    expect(ok(decide(reported(), committed, worker, NOW, trusted)).next.status).toBe('verified');
  });

  it('a coordinated workflow dispatches with co-handlers or after an escalation', () => {
    const c = withWorkflow('committed', { coordinationRequired: true });
    const registered = ok(decide(reported(), { type: 'register', categoryCode: '0402' }, intake, NOW, c)).next;
    const alone = decide(registered, { type: 'dispatch', leadDepartmentCode: 'D01' }, dispatcher, NOW, c);
    expect(refusedWith(alone)).toBe('coordination_required');
    expect(!alone.ok && alone.refusal.messageZh).toContain('协办');
    expect(decide(registered, { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'] }, dispatcher, NOW, c).ok).toBe(true);
    const called = ok(decide(registered, { type: 'escalate', departmentCodes: ['D05'] }, streetOp, NOW, c)).next;
    expect(decide(called, { type: 'dispatch', leadDepartmentCode: 'D01' }, dispatcher, NOW, c).ok).toBe(true);
  });

  it("a grid worker's classified report starts registered when the workflow skips registration", () => {
    const c = withWorkflow('committed', { skipRegisterForGridWorker: true });
    const input = { id: 'INC-9', gridCode: UNIT_GRID, reportedAt: at('2025-03-03 09:00'), reporterUserId: 'u-worker', categoryCode: '0402', reporterIsGridWorker: true };
    const d = ok(openIncident(input, c));
    expect(d.next).toMatchObject({ status: 'registered', registeredAt: at('2025-03-03 09:00'), acceptedBy: 'u-worker', caseType: 'committed' });
    expect(d.next.limits).toEqual(findDefaultMinorCategory('0402')!.limits);
    expect(show(d.next.deadlines.dispatchBy)).toBe('2025-03-03 10:00');
    expect(d.next.deadlines.registerBy).toBeNull();
    expect(currentStage(d.next)?.stage).toBe('dispatch');
    expect(d.events[0]).toMatchObject({ action: 'report', toStatus: 'registered', data: { registered: true } });
    expect(decide(d.next, { type: 'dispatch', leadDepartmentCode: 'D01' }, dispatcher, at('2025-03-03 09:30'), c).ok).toBe(true);
    // Not a grid worker, no category, or another case type: the desk registers as before.
    expect(ok(openIncident({ ...input, reporterIsGridWorker: false }, c)).next.status).toBe('reported');
    expect(ok(openIncident({ ...input, categoryCode: null }, c)).next.status).toBe('reported');
    expect(ok(openIncident({ ...input, categoryCode: '0412' }, c)).next.status).toBe('reported');
    expect(ok(openIncident(input, ctx)).next.status).toBe('reported');
  });
});

describe('escalation (吹哨 / 报到)', () => {
  const s = dispatchedState();

  it('calls departments with a response deadline and records each response', () => {
    const called = ok(
      decide(s, { type: 'escalate', departmentCodes: ['D05', 'D06'], note: '多部门联合处置' }, streetOp, at('2025-03-03 17:00'), ctx),
    );
    expect(called.next.status).toBe('dispatched');
    expect(called.next.escalation.map((c) => [c.departmentCode, show(c.respondBy)])).toEqual([
      ['D05', '2025-03-04 09:30'],
      ['D06', '2025-03-04 09:30'],
    ]);
    expect(escalationState(called.next, at('2025-03-04 09:00'))).toBe('awaiting');
    expect(called.events[0]).toMatchObject({ note: '多部门联合处置', data: { departmentCodes: ['D05', 'D06'] } });

    const d05 = actor('u-h05', 'handler', dept('D05'));
    const d06 = actor('u-h06', 'handler', dept('D06'));
    expect(allowedActions(called.next, d05)).toEqual(['respond']);
    const r1 = ok(decide(called.next, { type: 'respond', note: '已到场' }, d05, at('2025-03-04 09:00'), ctx));
    expect(r1.events[0]!.data).toEqual({ departmentCode: 'D05', late: false });
    expect(refusedWith(decide(r1.next, { type: 'respond' }, d05, at('2025-03-04 09:05'), ctx))).toBe('already_responded');
    expect(escalationState(r1.next, at('2025-03-04 10:00'))).toBe('overdue');

    const r2 = ok(decide(r1.next, { type: 'respond' }, d06, at('2025-03-04 10:00'), ctx));
    expect(r2.events[0]!.data).toEqual({ departmentCode: 'D06', late: true });
    expect(escalationState(r2.next, at('2025-03-04 10:00'))).toBe('responded');
    expect(r2.next.escalation.find((c) => c.departmentCode === 'D06')).toMatchObject({ respondedBy: 'u-h06' });

    const more = ok(decide(r2.next, { type: 'escalate', departmentCodes: ['D06', 'D11'] }, streetOp, at('2025-03-04 10:00'), ctx));
    expect(more.events[0]!.data).toMatchObject({ departmentCodes: ['D11'] });
    expect(escalationState(more.next, at('2025-03-04 10:00'))).toBe('awaiting');
    expect(refusedWith(decide(more.next, { type: 'escalate', departmentCodes: ['D05'] }, streetOp, NOW, ctx))).toBe('already_called');
  });

  it('uses the configured or given response limit and validates departments', () => {
    const cfg = { ...ctx, escalationResponseLimit: { amount: 30 / 60, unit: 'hours' as const } };
    expect(show(ok(decide(s, { type: 'escalate', departmentCodes: ['D05'] }, streetOp, at('2025-03-03 10:00'), cfg)).next.escalation[0]!.respondBy)).toBe(
      '2025-03-03 10:30',
    );
    const given = ok(
      decide(s, { type: 'escalate', departmentCodes: ['D05'], responseLimit: { amount: 1, unit: 'days' } }, streetOp, at('2025-03-03 10:00'), cfg),
    );
    expect(show(given.next.escalation[0]!.respondBy)).toBe('2025-03-04 10:00');
    expect(refusedWith(decide(s, { type: 'escalate', departmentCodes: [] }, streetOp, NOW, ctx))).toBe('invalid_action');
    expect(refusedWith(decide(s, { type: 'escalate', departmentCodes: ['D05', 'D05'] }, streetOp, NOW, ctx))).toBe('invalid_action');
    expect(refusedWith(decide(s, { type: 'escalate', departmentCodes: ['D77'] }, streetOp, NOW, ctx))).toBe('unknown_department');
    expect(refusedWith(decide(s, { type: 'escalate', departmentCodes: ['D05'] }, supervisor, NOW, ctx))).toBe('forbidden');
    expect(
      refusedWith(decide(s, { type: 'escalate', departmentCodes: ['D05'] }, actor('u', 'street_operator', onGrid(OTHER_STREET)), NOW, ctx)),
    ).toBe('out_of_scope');
  });
});

describe('merge', () => {
  it('merges a duplicate into another incident and ends it', () => {
    const d = ok(decide(reported(), { type: 'merge', intoIncidentId: 'INC-0', note: '同一井盖' }, intake, NOW, ctx));
    expect(d.next).toMatchObject({ status: 'merged', mergedInto: 'INC-0' });
    expect(d.events[0]).toMatchObject({ data: { intoIncidentId: 'INC-0' }, note: '同一井盖' });
    expect(countsInKpi(d.next)).toBe(false);
    expect(allowedActions(d.next, supervisor)).toEqual([]);
    expect(refusedWith(decide(reported(), { type: 'merge', intoIncidentId: 'INC-1' }, intake, NOW, ctx))).toBe('invalid_action');
    expect(refusedWith(decide(reported(), { type: 'merge', intoIncidentId: '' }, intake, NOW, ctx))).toBe('invalid_action');
  });
});

describe('warnings', () => {
  const s = dispatchedState(); // handle stage 2025-03-03 09:40 → 2025-03-05 09:40 (14 working hours)

  it.each([
    ['2025-03-03 09:40', 'none'],
    ['2025-03-04 15:00', 'none'],
    ['2025-03-04 17:00', 'amber'],
    ['2025-03-05 08:30', 'amber'],
    ['2025-03-05 09:40', 'amber'],
    ['2025-03-05 09:41', 'red'],
  ] as const)('at %s the handle stage is %s', (when, level) => {
    expect(evaluateWarning(s, calendar, at(when))).toBe(level);
  });

  it('uses a configurable amber fraction and the current stage', () => {
    expect(evaluateWarning(s, calendar, at('2025-03-04 10:00'), 0.5)).toBe('amber');
    const r = reported('2025-03-03 09:00');
    expect(evaluateWarning(r, calendar, at('2025-03-03 09:47'))).toBe('none');
    expect(evaluateWarning(r, calendar, at('2025-03-03 09:48'))).toBe('amber');
    expect(evaluateWarning(r, calendar, at('2025-03-03 10:01'))).toBe('red');
    // The register clock does not run over lunch.
    const lateMorning = reported('2025-03-03 11:30');
    expect(show(lateMorning.deadlines.registerBy)).toBe('2025-03-03 15:00');
    expect(evaluateWarning(lateMorning, calendar, at('2025-03-03 14:00'))).toBe('none');
  });

  it('the sweep records changes only', () => {
    expect(sweepWarning(s, calendar, at('2025-03-04 09:00'))).toBeNull();
    const amber = sweepWarning(s, calendar, at('2025-03-05 09:00'))!;
    expect(amber.next).toMatchObject({ warning: 'amber', version: s.version + 1, status: 'dispatched' });
    expect(amber.events[0]).toMatchObject({
      action: 'warn',
      actorUserId: null,
      actorRole: null,
      data: { from: 'none', warning: 'amber', stage: 'handle', deadline: s.deadlines.handleBy },
    });
    expect(sweepWarning(amber.next, calendar, at('2025-03-05 09:10'))).toBeNull();
    const red = sweepWarning(amber.next, calendar, at('2025-03-05 10:00'))!;
    expect(red.next.warning).toBe('red');
  });

  it('a new stage starts without a warning', () => {
    const red = sweepWarning(s, calendar, at('2025-03-06 10:00'))!.next;
    const replied = run(red, [
      [{ type: 'start-handling' }, handlerD01, '2025-03-06 10:00'],
      [{ type: 'reply', result: 'ok', photos: ['a'] }, handlerD01, '2025-03-06 10:05'],
    ]);
    expect(replied.events[0]!.data.warning).toBeUndefined();
    expect(replied.state.warning).toBe('none');
    expect(replied.events[1]!.data.warning).toBe('none');
    expect(currentStage(replied.state)).toEqual({
      stage: 'verify',
      startedAt: at('2025-03-06 10:05'),
      deadline: addWorkingTime(calendar, at('2025-03-06 10:05'), { amount: 1, unit: 'days' }),
    });
  });
});

describe('openIncident', () => {
  it('uses the category register limit when known and refuses an unknown one', () => {
    const urgent = reported('2025-03-03 09:00', '0401');
    expect(show(urgent.deadlines.registerBy)).toBe('2025-03-03 09:30');
    expect(urgent).toMatchObject({ status: 'reported', categoryCode: '0401', caseType: 'committed', limits: null });
    const d = openIncident({ id: 'X', gridCode: UNIT_GRID, reportedAt: NOW, reporterUserId: null, categoryCode: 'zz' }, ctx);
    expect(refusedWith(d)).toBe('unknown_category');
    expect(refusedWith(openIncident({ id: 'X', gridCode: '', reportedAt: NOW, reporterUserId: null }, ctx))).toBe('invalid_action');
  });

  it('emits the report event with the intake data', () => {
    const d = ok(
      openIncident(
        { id: 'X', gridCode: UNIT_GRID, reportedAt: NOW, reporterUserId: null, note: '井盖丢了', photos: ['p'], data: { channel: 'hotline' } },
        { ...ctx, defaultRegisterLimit: { amount: 2, unit: 'hours' } },
      ),
    );
    expect(d.events).toEqual([
      {
        action: 'report',
        fromStatus: null,
        toStatus: 'reported',
        actorUserId: null,
        actorRole: null,
        note: '井盖丢了',
        attachments: ['p'],
        at: NOW,
        data: { channel: 'hotline', categoryCode: null, registerBy: at('2025-03-03 12:00') },
      },
    ]);
  });
});
