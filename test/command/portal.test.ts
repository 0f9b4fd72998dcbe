import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';
import { onRotaAllDay } from '../workforce/support.js';

/**
 * The work portal's bell and dispatch from the map (issue 17 items 4 and 5):
 * an urge reaches the department's handler as a notification and raises his
 * bell's count; a grid worker on patrol near a case is listed with his distance,
 * sent to inspect it, and finds the task on his phone and in his bell.
 */
describe.each(DIALECTS)('work portal on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let point: { lng: number; lat: number };
  let unit: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'supervisor', 'worker', 'street', 'leader']) c[u] = await t.login(u);
    const grids = await gridHelper(t);
    unit = await scopeOf(t, 'worker');
    point = grids.pointIn(unit);
    // On duty needs the rota as well as the patrol.
    await onRotaAllDay(t, (await t.platform.accounts.findUserId('worker'))!, unit);
  });
  afterAll(async () => t?.close());

  async function dispatched(description: string): Promise<number> {
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: c.operator!, body: { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' } } });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().incident.id as number;
    expect((await act(t, c.operator!, id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    return id;
  }

  const bell = async (cookie: string, query = '') => {
    const res = await t.request({ url: `/api/notifications${query}`, cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { unread: number; items: { id: number; kind: string; incidentId: number; incidentCode: string; readAt: string | null }[] };
  };

  it('tells the department handler of a dispatch and of an urge, and counts them on the bell', async () => {
    const before = await bell(c.handler!);
    const id = await dispatched('井盖缺失 督办');
    await t.platform.notifications.catchUp();
    const dispatchedBell = await bell(c.handler!);
    expect(dispatchedBell.unread).toBe(before.unread + 1);
    expect(dispatchedBell.items[0]).toMatchObject({ kind: 'dispatched', incidentId: id, readAt: null });

    expect((await act(t, c.supervisor!, id, { type: 'urge', note: '请加快' })).statusCode).toBe(200);
    await t.platform.notifications.catchUp();
    const urged = await bell(c.handler!);
    expect(urged.unread).toBe(before.unread + 2);
    expect(urged.items[0]).toMatchObject({ kind: 'urged', incidentId: id, readAt: null });
    expect(urged.items[0]!.incidentCode).toMatch(/^\d{12,}$/);
    // The urging supervisor is not told of his own urge; a leader with no part is not told at all.
    expect((await bell(c.supervisor!)).items.some((n) => n.incidentId === id)).toBe(false);
    expect((await bell(c.leader!)).items.some((n) => n.incidentId === id)).toBe(false);
    // Applying the timeline again tells nobody twice.
    await t.platform.notifications.catchUp();
    expect((await bell(c.handler!)).unread).toBe(urged.unread);

    // Another user cannot mark it read: 404, and it stays unread.
    const other = await t.request({ method: 'POST', url: `/api/notifications/${urged.items[0]!.id}/read`, cookie: c.leader! });
    expect(other.statusCode).toBe(404);
    const read = await t.request({ method: 'POST', url: `/api/notifications/${urged.items[0]!.id}/read`, cookie: c.handler! });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().unread).toBe(before.unread + 1);
    const unreadOnly = await bell(c.handler!, '?unread=true');
    expect(unreadOnly.items.every((n) => n.readAt === null)).toBe(true);
    const all = await t.request({ method: 'POST', url: '/api/notifications/read-all', cookie: c.handler!, body: { incidentId: id } });
    expect(all.json()).toMatchObject({ updated: 1, unread: before.unread });
  });

  it('lets the street command centre run its own street: dispatch, escalate (吹哨) with the called department told, never another street', async () => {
    const grids = await gridHelper(t);
    const street = (await scopeOf(t, 'street')).slice(0, 9);
    const own = grids.pointIn(grids.units.find((u) => u.startsWith(street))!);
    const foreign = grids.pointIn(grids.units.find((u) => !u.startsWith(street))!);
    const create = async (cookie: string, at: { lng: number; lat: number }) => {
      const res = await t.request({ method: 'POST', url: '/api/incidents', cookie, body: { channel: 'operator_phone', description: '街道二级平台 路面塌陷', position: { ...at, crs: 'wgs84' } } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().incident.id as number;
    };
    const id = await create(c.street!, own);
    expect((await act(t, c.street!, id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    const dispatch = await act(t, c.street!, id, { type: 'dispatch', leadDepartmentCode: 'D01' });
    expect(dispatch.statusCode, dispatch.body).toBe(200);
    const escalate = await act(t, c.street!, id, { type: 'escalate', departmentCodes: ['D02'], note: '需区级部门协同' });
    expect(escalate.statusCode, escalate.body).toBe(200);
    await t.platform.notifications.catchUp();
    const d02 = await t.platform.db.primary.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select('users.id').where('role_assignments.role_code', '=', 'handler').where('role_assignments.scope_code', '=', 'D02').execute();
    const told = await t.platform.db.primary.selectFrom('notifications').select(['user_id', 'kind']).where('incident_id', '=', id).execute();
    expect(told.filter((n) => n.kind === 'escalated').map((n) => Number(n.user_id)).sort()).toEqual(d02.map((r) => Number(r.id)).sort());
    expect(told.some((n) => n.kind === 'dispatched')).toBe(true);

    // The street's screen counts its own case; another street's case is out of reach (404) on every command route.
    const overview = await t.request({ url: '/api/command/overview', cookie: c.street! });
    expect(overview.statusCode).toBe(200);
    expect((overview.json().open.byStreet as { code: string }[]).every((x) => x.code === street)).toBe(true);
    const other = await create(c.operator!, foreign);
    expect((await t.request({ url: `/api/command/cases/${other}/nearest-workers`, cookie: c.street! })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/incidents/${other}`, cookie: c.street! })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/command/cases/${id}/nearest-workers`, cookie: c.street! })).statusCode).toBe(200);
  });

  it('tells the holders of an overdue part once per deadline', async () => {
    const id = await dispatched('占道经营 超期');
    await t.platform.notifications.catchUp();
    const due = Date.now() - 1000;
    await t.platform.db.primary.updateTable('incidents').set({ due_at: due }).where('id', '=', id).execute();
    const before = await bell(c.handler!);
    await t.platform.notifications.sweepOverdue(Date.now());
    await t.platform.notifications.sweepOverdue(Date.now());
    const after = await bell(c.handler!);
    expect(after.unread).toBe(before.unread + 1);
    expect(after.items[0]).toMatchObject({ kind: 'overdue', incidentId: id });
  });

  it('lists the nearest on-duty worker with his distance and sends him to inspect; his phone and bell show it', async () => {
    const id = await dispatched('垃圾堆放 就近派人');
    // The worker is on patrol 0.0005° north of the case (about 56 m). Started just now: his grid assignment (the demo's) begins today.
    const patrol = randomUUID();
    const now = Date.now();
    const start = await t.request({ method: 'POST', url: '/api/patrols', cookie: c.worker!, body: { id: patrol, startedAt: new Date(now - 5000).toISOString(), position: { lng: point.lng, lat: point.lat } } });
    expect(start.statusCode, start.body).toBeLessThan(300);
    const fix = await t.request({ method: 'POST', url: `/api/patrols/${patrol}/points`, cookie: c.worker!, body: { points: [{ lng: point.lng, lat: point.lat + 0.0005, at: new Date(now - 2000).toISOString() }] } });
    expect(fix.statusCode, fix.body).toBe(200);

    const near = await t.request({ url: `/api/command/cases/${id}/nearest-workers?limit=3`, cookie: c.dispatcher! });
    expect(near.statusCode, near.body).toBe(200);
    const workers = near.json().workers as { userId: number; name: string; distanceM: number; canVerify: boolean }[];
    expect(workers[0]).toMatchObject({ name: '网格员 陈静', canVerify: true });
    expect(workers[0]!.distanceM).toBeGreaterThan(50);
    expect(workers[0]!.distanceM).toBeLessThan(60);
    const workerId = workers[0]!.userId;

    // Not awaiting verification yet: verify is refused, inspect is sent.
    const verify = await t.request({ method: 'POST', url: `/api/command/cases/${id}/field-tasks`, cookie: c.dispatcher!, body: { userId: workerId, kind: 'verify' } });
    expect(verify.statusCode).toBe(409);
    expect(verify.json().code).toBe('FIELD_CASE_NOT_VERIFIABLE');
    const absent = await t.request({ method: 'POST', url: `/api/command/cases/${id}/field-tasks`, cookie: c.dispatcher!, body: { userId: 999_999, kind: 'inspect' } });
    expect(absent.statusCode).toBe(422);
    const sent = await t.request({ method: 'POST', url: `/api/command/cases/${id}/field-tasks`, cookie: c.dispatcher!, body: { userId: workerId, kind: 'inspect', note: '请到现场看一下' } });
    expect(sent.statusCode, sent.body).toBe(200);
    const task = sent.json() as { id: number; status: string };
    expect(task).toMatchObject({ kind: 'inspect', status: 'open', userId: workerId, incidentId: id });
    // Sending again hands over the same open task instead of doubling it.
    const again = await t.request({ method: 'POST', url: `/api/command/cases/${id}/field-tasks`, cookie: c.dispatcher!, body: { userId: workerId, kind: 'inspect' } });
    expect(again.json().id).toBe(task.id);

    const mine = await t.request({ url: '/api/command/field-tasks/mine', cookie: c.worker! });
    expect((mine.json().items as { id: number }[]).map((x) => x.id)).toContain(task.id);
    const workerBell = await bell(c.worker!);
    expect(workerBell.items[0]).toMatchObject({ kind: 'field_task', incidentId: id });
    expect(workerBell.items.filter((n) => n.kind === 'field_task' && n.incidentId === id)).toHaveLength(1);

    // Only the worker closes his task: another user's is 404.
    expect((await t.request({ method: 'POST', url: `/api/command/field-tasks/${task.id}/done`, cookie: c.handler! })).statusCode).toBe(404);
    const done = await t.request({ method: 'POST', url: `/api/command/field-tasks/${task.id}/done`, cookie: c.worker! });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().status).toBe('done');
    expect(((await t.request({ url: '/api/command/field-tasks/mine', cookie: c.worker! })).json().items as { id: number }[]).map((x) => x.id)).not.toContain(task.id);
  });
});
