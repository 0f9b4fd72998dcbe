import { describe, expect, it } from 'vitest';
import { DEFAULT_MINOR_CATEGORIES } from '../../incidents/data/categories.js';
import { openIncident, decide, type IncidentState } from '../../incidents/rules/state-machine.js';
import { createWorkCalendar, type WorkCalendar } from '../../incidents/rules/calendar.js';
import { closeByPeer, isRefusal, peerProgress, returnedByPeer, sendOut, type Transition } from './transitions.js';

const CALENDAR: WorkCalendar = createWorkCalendar({});
const CATEGORY = DEFAULT_MINOR_CATEGORIES.find((c) => c.caseType !== 'immediate')!;
const T0 = Date.UTC(2026, 11, 1, 2, 0, 0);
const PEER = { id: 1, name: '长沙市平台', role: 'parent' as const };
const OPERATOR = { userId: '7', roles: [{ role: 'intake_operator' as const, scope: { kind: 'grid' as const, code: '430111' } }] };
const DISPATCHER = { userId: '8', roles: [{ role: 'dispatcher' as const, scope: { kind: 'grid' as const, code: '430111' } }] };

const ctx = {
  calendar: CALENDAR, category: (code: string) => (code === CATEGORY.code ? CATEGORY : undefined), isDepartment: () => true, departmentStreet: () => null, amberFraction: 0.8,
};

function registered(): IncidentState {
  const opened = openIncident({ id: '1', gridCode: '430111001001001', reportedAt: T0, reporterUserId: null, categoryCode: null, note: '河道污染', photos: [], data: {} }, ctx);
  if (!opened.ok) throw new Error(opened.refusal.message);
  const reg = decide(opened.next, { type: 'register', categoryCode: CATEGORY.code }, OPERATOR, T0 + 1000, ctx);
  if (!reg.ok) throw new Error(reg.refusal.message);
  return reg.next;
}

function sent(s: IncidentState): Transition {
  const t = sendOut(s, T0 + 2000, '8', PEER, '请市级协调');
  if (isRefusal(t)) throw new Error(t.message);
  return t;
}

describe('cascade transitions', () => {
  it('sends a registered case: its clock stops, no action is allowed, and it cannot be sent twice', () => {
    const s = registered();
    expect(s.deadlines.dispatchBy).not.toBeNull();
    const t = sent(s);
    expect(t.next).toMatchObject({ status: 'registered', version: s.version + 1, cascadedAt: T0 + 2000, stageStartedAt: null, warning: 'none' });
    expect(t.events[0]).toMatchObject({ action: 'cascade-send', fromStatus: 'registered', toStatus: 'registered', actorUserId: '8', note: '请市级协调', data: { direction: 'up' } });
    const refused = decide(t.next, { type: 'dispatch', leadDepartmentCode: 'D01' }, DISPATCHER, T0 + 3000, ctx);
    expect(refused.ok).toBe(false);
    expect(sendOut(t.next, T0 + 3000, '8', PEER, null)).toMatchObject({ code: 'CASCADE_ALREADY_SENT' });
  });

  it('refuses a case the centre has not registered, or one already final', () => {
    const opened = openIncident({ id: '1', gridCode: '430111001001001', reportedAt: T0, reporterUserId: null, categoryCode: null, note: 'x', photos: [], data: {} }, ctx);
    if (!opened.ok) throw new Error('open');
    expect(sendOut(opened.next, T0, '8', PEER, null)).toMatchObject({ code: 'CASCADE_NOT_SENDABLE' });
    expect(sendOut({ ...registered(), status: 'closed' }, T0, '8', PEER, null)).toMatchObject({ code: 'CASCADE_NOT_SENDABLE' });
  });

  it('records the other side\'s progress without changing the status', () => {
    const t = sent(registered());
    const p = peerProgress(t.next, T0 + 4000, { code: 'C1', status: 'dispatched', note: null });
    expect(p.next.status).toBe('registered');
    expect(p.next.cascadedAt).toBe(T0 + 2000);
    expect(p.events[0]).toMatchObject({ action: 'cascade-update', actorUserId: null, data: { peerCode: 'C1', peerStatus: 'dispatched' } });
  });

  it('closes the case with the other side\'s result', () => {
    const t = sent(registered());
    const c = closeByPeer(t.next, T0 + 5000, { code: 'C1', result: '已清淤' });
    expect(c.next).toMatchObject({ status: 'closed', closedAt: T0 + 5000, cascadedAt: null, stageStartedAt: null });
    expect(c.events[0]).toMatchObject({ action: 'cascade-close', fromStatus: 'registered', toStatus: 'closed', note: '已清淤' });
    // A case already closed here only records the result.
    const again = closeByPeer(c.next, T0 + 6000, { code: 'C1', result: '已清淤' });
    expect(again.next.closedAt).toBe(T0 + 5000);
    expect(again.events[0]).toMatchObject({ fromStatus: 'closed', toStatus: 'closed' });
  });

  it('takes a refused case back for dispatch with a fresh dispatch clock', () => {
    const t = sent(registered());
    const r = returnedByPeer(t.next, T0 + 7000, CALENDAR, { code: 'C1', reason: '不属于市级事权' });
    expect(r.next).toMatchObject({ status: 'registered', cascadedAt: null, stageStartedAt: T0 + 7000, leadDepartmentCode: null });
    expect(r.next.deadlines.dispatchBy).toBeGreaterThan(T0 + 7000);
    expect(r.events[0]).toMatchObject({ action: 'cascade-return', note: '不属于市级事权' });
    expect(decide(r.next, { type: 'dispatch', leadDepartmentCode: 'D01' }, DISPATCHER, T0 + 8000, ctx).ok).toBe(true);
  });
});
