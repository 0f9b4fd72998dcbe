import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf, userWith } from './support.js';

type Task = {
  departmentCode: string; role: string; handleBy: string | null; status: string; overdue: boolean; result: string | null;
  repliedByName: string | null; assigneeName: string | null; assignedToMe: boolean;
};

/**
 * Joint handling (联动处置) and assigning a person over HTTP: a case
 * dispatched to a lead and a co-handler becomes one task per department,
 * each with its deadline and reply; the lead replies after its co-handlers;
 * rework reopens the parts named; a department's handler assigns its part
 * to a colleague, who finds it first in the department's queue.
 */
describe.each(DIALECTS)('joint handling on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let workerGrid: string;
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let photo: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'worker', 'supervisor']) c[u] = await t.login(u);
    c.d01b = await userWith(t, 'h_d01_b', 'handler', 'D01');
    c.d02 = await userWith(t, 'h_d02', 'handler', 'D02');
    grids = await gridHelper(t);
    workerGrid = await scopeOf(t, 'worker');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#37a' } }).png().toBuffer();
    const upload = await t.request({ method: 'POST', url: '/api/files', cookie: c.handler!, body: png, headers: { 'content-type': 'image/png' } });
    expect(upload.statusCode, upload.body).toBeLessThan(300);
    photo = upload.json().hash as string;
  });
  afterAll(async () => t?.close());
  afterEach(() => vi.useRealTimers());

  async function registered() {
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie: c.operator!,
      body: { channel: 'operator_phone', description: '路灯不亮，线路需断电检修', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const inc = res.json().incident as { id: number };
    expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    return inc;
  }
  const detail = async (cookie: string, id: number) => {
    const res = await t.request({ url: `/api/incidents/${id}`, cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { incident: { status: string; deadlines: { handleBy: string } }; tasks: Task[]; allowedActions: string[]; timeline: { action: string; data: Record<string, unknown>; actorName: string | null }[] };
  };
  const uploadAs = async (cookie: string) => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#a73' } }).png().toBuffer();
    const res = await t.request({ method: 'POST', url: '/api/files', cookie, body: png, headers: { 'content-type': 'image/png' } });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json().hash as string;
  };

  it('splits a case into department tasks; the lead replies last; rework reopens the parts named; it closes when all are done', async () => {
    const inc = await registered();
    const dispatch = await act(t, c.dispatcher!, inc.id, {
      type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'], taskLimits: { D02: { amount: 1, unit: 'hours' } },
    });
    expect(dispatch.statusCode, dispatch.body).toBe(200);
    let d = await detail(c.dispatcher!, inc.id);
    expect(d.tasks.map((x) => [x.departmentCode, x.role, x.status, x.overdue])).toEqual([['D01', 'lead', 'open', false], ['D02', 'co', 'open', false]]);
    expect(d.tasks[0]!.handleBy).toBe(d.incident.deadlines.handleBy);
    expect(Date.parse(d.tasks[1]!.handleBy!)).toBeLessThan(Date.parse(d.tasks[0]!.handleBy!));
    const rows = await t.platform.db.primary.selectFrom('incident_tasks').selectAll().where('incident_id', '=', inc.id).orderBy('role', 'desc').execute();
    expect(rows.map((r) => [r.department_code, r.role, r.status, Number(r.handle_by)])).toEqual([
      ['D01', 'lead', 'open', Date.parse(d.tasks[0]!.handleBy!)], ['D02', 'co', 'open', Date.parse(d.tasks[1]!.handleBy!)],
    ]);
    // A task limit for a department not on the case is refused with a clear code.
    const other = await registered();
    const bad = await act(t, c.dispatcher!, other.id, { type: 'dispatch', leadDepartmentCode: 'D01', taskLimits: { D02: { amount: 1, unit: 'hours' } } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('INCIDENT_INVALID_ACTION');

    expect((await act(t, c.handler!, inc.id, { type: 'start-handling' })).statusCode).toBe(200);
    expect((await detail(c.handler!, inc.id)).allowedActions).not.toContain('reply');
    const early = await act(t, c.handler!, inc.id, { type: 'reply', result: '已修复', photos: [photo] });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('INCIDENT_TASKS_OPEN');

    const coPhoto = await uploadAs(c.d02!);
    const part = await act(t, c.d02!, inc.id, { type: 'reply', result: '已配合断电', photos: [coPhoto] });
    expect(part.statusCode, part.body).toBe(200);
    expect(part.json().incident.status).toBe('handling');
    d = await detail(c.handler!, inc.id);
    expect(d.tasks[1]).toMatchObject({ status: 'replied', result: '已配合断电', repliedByName: 'h_d02', overdue: false });
    expect(d.allowedActions).toContain('reply');
    expect((await act(t, c.handler!, inc.id, { type: 'reply', result: '已更换灯具', photos: [photo] })).statusCode).toBe(200);
    d = await detail(c.handler!, inc.id);
    expect(d.incident.status).toBe('replied');
    expect(d.tasks.map((x) => x.status)).toEqual(['replied', 'replied']);

    const fail = await act(t, c.worker!, inc.id, { type: 'verify-fail', reason: '夜间仍不亮', reopenDepartmentCodes: ['D02'] });
    expect(fail.statusCode, fail.body).toBe(200);
    d = await detail(c.worker!, inc.id);
    expect(d.incident.status).toBe('handling');
    expect(d.tasks.map((x) => [x.departmentCode, x.status, x.result])).toEqual([['D01', 'open', null], ['D02', 'open', null]]);
    expect((await act(t, c.d02!, inc.id, { type: 'reply', result: '再次配合', photos: [coPhoto] })).statusCode).toBe(200);
    expect((await act(t, c.handler!, inc.id, { type: 'reply', result: '更换线路', photos: [photo] })).statusCode).toBe(200);
    expect((await act(t, c.worker!, inc.id, { type: 'verify-pass' })).statusCode).toBe(200);
    expect((await act(t, c.operator!, inc.id, { type: 'close' })).statusCode).toBe(200);
    const closed = await t.platform.db.primary.selectFrom('incident_tasks').select(['department_code', 'status']).where('incident_id', '=', inc.id).orderBy('department_code').execute();
    expect(closed).toEqual([{ department_code: 'D01', status: 'replied' }, { department_code: 'D02', status: 'replied' }]);
  });

  it("shows a part overdue past its own deadline while the case's clock still runs", async () => {
    const inc = await registered();
    expect((await act(t, c.dispatcher!, inc.id, {
      type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'], taskLimits: { D02: { amount: 0.5, unit: 'hours' } },
    })).statusCode).toBe(200);
    const d = await detail(c.dispatcher!, inc.id);
    const coDeadline = Date.parse(d.tasks[1]!.handleBy!);
    // Only Date moves: a minute past the co-handler's deadline, before the lead's.
    vi.useFakeTimers({ toFake: ['Date'], now: coDeadline + 60_000 });
    const later = await detail(await t.login('dispatcher'), inc.id);
    expect(later.tasks.map((x) => [x.departmentCode, x.overdue])).toEqual([['D01', false], ['D02', true]]);
    expect(Date.parse(later.incident.deadlines.handleBy)).toBeGreaterThan(coDeadline + 60_000);
  });

  it("assigns a department's part to a named handler of that department, and reassigns", async () => {
    const inc = await registered();
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'] })).statusCode).toBe(200);
    const picker = await t.request({ url: `/api/incidents/${inc.id}/assignees`, cookie: c.handler! });
    expect(picker.statusCode, picker.body).toBe(200);
    const d01 = picker.json().items as { departmentCode: string; handlers: { userId: number; name: string }[] }[];
    expect(d01.map((x) => x.departmentCode)).toEqual(['D01']);
    const colleague = d01[0]!.handlers.find((h) => h.name === 'h_d01_b')!;
    const self = d01[0]!.handlers.find((h) => h.name === '处置员 刘洋')!;
    expect(colleague).toBeDefined();
    expect(self).toBeDefined();
    const d02 = (await t.request({ url: `/api/incidents/${inc.id}/assignees`, cookie: c.d02! })).json().items;
    const d02Handler = d02[0].handlers.find((h: { name: string }) => h.name === 'h_d02');

    // Not a handler of D01; not a handler at all; a dispatcher may not assign.
    const wrong = await act(t, c.handler!, inc.id, { type: 'assign', assigneeUserId: d02Handler.userId });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().code).toBe('INCIDENT_NOT_DEPARTMENT_HANDLER');
    expect((await act(t, c.dispatcher!, inc.id, { type: 'assign', assigneeUserId: colleague.userId })).json().code).toBe('INCIDENT_ACTION_FORBIDDEN');
    expect((await t.request({ url: `/api/incidents/${inc.id}/assignees`, cookie: c.dispatcher! })).statusCode).toBe(403);

    const assigned = await act(t, c.handler!, inc.id, { type: 'assign', assigneeUserId: colleague.userId });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().incident.status).toBe('dispatched');
    expect((await act(t, c.handler!, inc.id, { type: 'assign', assigneeUserId: colleague.userId })).json().code).toBe('INCIDENT_ALREADY_ASSIGNED');
    let d = await detail(c.d01b!, inc.id);
    expect(d.tasks[0]).toMatchObject({ departmentCode: 'D01', assigneeName: 'h_d01_b', assignedToMe: true });
    expect(d.tasks[1]!.assigneeName).toBeNull();
    const event = d.timeline.find((e) => e.action === 'assign')!;
    expect(event).toMatchObject({ actorName: '处置员 刘洋', data: { assigneeName: 'h_d01_b', previousAssigneeName: null } });

    // The assignee finds it first in the department's queue, and in "assigned to me"; the others in D01 still see it.
    const queue = (await t.request({ url: '/api/incidents/queues/my-department?pageSize=200', cookie: c.d01b! })).json();
    expect(queue.items[0].id).toBe(inc.id);
    expect(queue.items[0].assignees).toEqual([{ departmentCode: 'D01', role: 'lead', userName: 'h_d01_b' }]);
    const mine = (await t.request({ url: '/api/incidents?assignedToMe=true&pageSize=200', cookie: c.d01b! })).json();
    expect(mine.items.map((i: { id: number }) => i.id)).toEqual([inc.id]);
    const others = (await t.request({ url: '/api/incidents/queues/my-department?pageSize=200', cookie: c.handler! })).json();
    expect(others.items.map((i: { id: number }) => i.id)).toContain(inc.id);
    expect((await t.request({ url: '/api/incidents?assignedToMe=true', cookie: c.handler! })).json().items).toEqual([]);

    // Reassigned: the timeline names both; the first assignee's own list empties.
    expect((await act(t, c.d01b!, inc.id, { type: 'assign', assigneeUserId: self.userId })).statusCode).toBe(200);
    d = await detail(c.handler!, inc.id);
    expect(d.tasks[0]).toMatchObject({ assigneeName: '处置员 刘洋', assignedToMe: true });
    expect(d.timeline.filter((e) => e.action === 'assign').at(-1)!.data).toMatchObject({ assigneeName: '处置员 刘洋', previousAssigneeName: 'h_d01_b' });
    expect((await t.request({ url: '/api/incidents?assignedToMe=true', cookie: c.d01b! })).json().items).toEqual([]);
    // The co-handler assigns its own part.
    expect((await act(t, c.d02!, inc.id, { type: 'assign', assigneeUserId: d02Handler.userId })).statusCode).toBe(200);
    const row = await t.platform.db.primary.selectFrom('incident_tasks').select(['department_code', 'assignee_user_id']).where('incident_id', '=', inc.id).orderBy('department_code').execute();
    expect(row.map((r) => [r.department_code, Number(r.assignee_user_id)])).toEqual([['D01', self.userId], ['D02', d02Handler.userId]]);
  });

  it('answers 404 for the assignee picker of a case the caller cannot see', async () => {
    const inc = await registered();
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/incidents/${inc.id}/assignees`, cookie: c.d02! })).statusCode).toBe(404);
  });
});
