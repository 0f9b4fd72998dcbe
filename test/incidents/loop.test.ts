import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addWorkingTime, createDefaultWorkCalendar } from '../../src/modules/incidents/rules/calendar.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf, userWith } from './support.js';

/**
 * The loop over HTTP across the demo users: report → register → dispatch →
 * start-handling → reply → verify-pass → close, with the timeline as the
 * record; concurrent actions (one wins); scope (wrong scope reads as 404);
 * extension; merge.
 */
describe.each(DIALECTS)('incident loop on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let workerGrid: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'worker', 'supervisor']) c[u] = await t.login(u);
    grids = await gridHelper(t);
    workerGrid = await scopeOf(t, 'worker');
  });
  afterAll(async () => t?.close());

  async function report(cookie: string, gridCode: string, extra: Record<string, unknown> = {}) {
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie,
      body: { channel: 'grid_worker', description: '井盖破损', position: { ...grids.pointIn(gridCode), crs: 'wgs84' }, ...extra },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incident as { id: number; code: string; version: number; gridCode: string };
  }

  async function dispatched(gridCode = workerGrid) {
    const inc = await report(c.operator!, gridCode, { channel: 'operator_phone', reporter: { name: '张三', phone: '13812345678' } });
    expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    return inc;
  }

  it('runs a full loop across four users and records the timeline', async () => {
    const inc = await report(c.worker!, workerGrid);
    // The reply's after-photo is an uploaded file, named by its content hash.
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } }).png().toBuffer();
    const upload = await t.request({ method: 'POST', url: '/api/files', cookie: c.handler!, body: png, headers: { 'content-type': 'image/png' } });
    expect(upload.statusCode, upload.body).toBeLessThan(300);
    const afterPhoto = upload.json().hash as string;
    expect(inc.gridCode).toBe(workerGrid);
    expect(inc.code).toMatch(/^\d{8}\d{4,6}$/);

    const steps: [string, Record<string, unknown>, string][] = [
      ['operator', { type: 'register', categoryCode: D01_CATEGORY.code }, 'registered'],
      ['dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' }, 'dispatched'],
      ['handler', { type: 'start-handling' }, 'handling'],
      ['handler', { type: 'reply', result: '已更换井盖', photos: [afterPhoto] }, 'replied'],
      ['worker', { type: 'verify-pass', note: '现场核查通过' }, 'verified'],
      ['operator', { type: 'close' }, 'closed'],
    ];
    for (const [user, body, status] of steps) {
      const detail = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c[user]! })).json();
      expect(detail.allowedActions, `${user} may ${String(body.type)}`).toContain(body.type);
      const res = await act(t, c[user]!, inc.id, body);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().incident.status).toBe(status);
    }

    const detail = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c.operator! })).json();
    expect(detail.incident.version).toBe(7);
    expect(detail.allowedActions).toEqual([]);
    const timeline = detail.timeline as { seq: number; action: string; fromStatus: string | null; toStatus: string; actorRole: string | null; attachments: string[] }[];
    expect(timeline.map((e) => e.action)).toEqual(['report', 'register', 'dispatch', 'start-handling', 'reply', 'verify-pass', 'close']);
    expect(timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(timeline.map((e) => e.actorRole)).toEqual([null, 'intake_operator', 'dispatcher', 'handler', 'handler', 'grid_worker', 'intake_operator']);
    expect(timeline[4]!.attachments).toEqual([afterPhoto]);
    expect(timeline[6]).toMatchObject({ fromStatus: 'verified', toStatus: 'closed' });

    // Each change also left an audit record.
    const audits = await t.platform.db.primary.selectFrom('audit_log').select('action').where('object_type', '=', 'incident').where('object_id', '=', String(inc.id)).execute();
    expect(audits.map((a) => a.action)).toEqual(['incident.report', 'incident.register', 'incident.dispatch', 'incident.start-handling', 'incident.reply', 'incident.verify-pass', 'incident.close']);
  });

  it('lets exactly one of two concurrent actions with the same version win', async () => {
    const inc = await report(c.operator!, workerGrid, { channel: 'operator_walk_in' });
    const body = { type: 'register', categoryCode: D01_CATEGORY.code, version: 1 };
    const supervisorBody = { ...body, categoryCode: '0101' };
    const [a, b] = await Promise.all([
      t.request({ method: 'POST', url: `/api/incidents/${inc.id}/actions`, cookie: c.operator!, body }),
      t.request({ method: 'POST', url: `/api/incidents/${inc.id}/actions`, cookie: c.supervisor!, body: supervisorBody }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const loser = a.statusCode === 409 ? a : b;
    expect(loser.json()).toMatchObject({ code: 'CONFLICT', details: { currentVersion: 2 } });
    const detail = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c.operator! })).json();
    expect(detail.timeline.map((e: { action: string }) => e.action)).toEqual(['report', 'register']);

    // A stale version is refused outright, with the current one.
    const stale = await t.request({ method: 'POST', url: `/api/incidents/${inc.id}/actions`, cookie: c.dispatcher!, body: { type: 'dispatch', leadDepartmentCode: 'D01', version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().details.currentVersion).toBe(2);
  });

  it('dispatches many incidents at once without losing one (no deadlock on the department rows)', async () => {
    const registered = [];
    for (let i = 0; i < 12; i++) {
      const inc = await report(c.operator!, workerGrid, { channel: 'operator_phone' });
      expect((await act(t, c.operator!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
      registered.push(inc);
    }
    const results = await Promise.all(registered.map((inc, i) =>
      act(t, c.dispatcher!, inc.id, { type: 'dispatch', leadDepartmentCode: 'D01', ...(i % 2 === 0 ? { coHandlerDepartmentCodes: ['D02'] } : {}) })));
    expect(results.map((r) => r.statusCode)).toEqual(registered.map(() => 200));
    for (const [i, inc] of registered.entries()) {
      const rows = await t.platform.db.primary.selectFrom('incident_departments').select(['department_code', 'role']).where('incident_id', '=', inc.id).orderBy('role').execute();
      expect(rows).toEqual(i % 2 === 0 ? [{ department_code: 'D02', role: 'co' }, { department_code: 'D01', role: 'lead' }] : [{ department_code: 'D01', role: 'lead' }]);
    }
  });

  it('maps refusals to 403, 409 and 422 with stable codes', async () => {
    const inc = await report(c.operator!, workerGrid, { channel: 'operator_phone' });
    // A handler of a department does not see an undispatched report at all.
    const hidden = await t.request({ method: 'POST', url: `/api/incidents/${inc.id}/actions`, cookie: c.handler!, body: { type: 'register', categoryCode: D01_CATEGORY.code, version: 1 } });
    expect(hidden.statusCode).toBe(404);
    const noCat = await act(t, c.operator!, inc.id, { type: 'register', categoryCode: '9999' });
    expect(noCat.statusCode).toBe(422);
    expect(noCat.json().code).toBe('INCIDENT_UNKNOWN_CATEGORY');
    const early = await act(t, c.operator!, inc.id, { type: 'close' });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('INCIDENT_INVALID_STATUS');
    const forbidden = await act(t, c.dispatcher!, inc.id, { type: 'register', categoryCode: D01_CATEGORY.code });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('INCIDENT_ACTION_FORBIDDEN');
    const english = await t.request({
      method: 'POST', url: `/api/incidents/${inc.id}/actions`, cookie: c.operator!, headers: { 'accept-language': 'en' },
      body: { type: 'reject', reason: ' ', version: 1 },
    });
    expect(english.statusCode).toBe(422);
    expect(english.json()).toMatchObject({ code: 'INCIDENT_REASON_REQUIRED', message: 'A reason is required' });
  });

  it('answers 404 outside the caller scope: another street, another department', async () => {
    const [streetA, streetB] = grids.streets;
    const gridA = grids.units.find((u) => u.startsWith(streetA!))!;
    const gridB = grids.units.find((u) => u.startsWith(streetB!))!;
    const dispatcherA = await userWith(t, 'dispatcher_a', 'dispatcher', streetA!);
    const handlerD02 = await userWith(t, 'handler_d02', 'handler', 'D02');
    const incA = await dispatched(gridA);
    const regB = await report(c.operator!, gridB, { channel: 'operator_phone' });
    expect((await act(t, c.operator!, regB.id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);

    expect((await t.request({ url: `/api/incidents/${regB.id}`, cookie: dispatcherA })).statusCode).toBe(404);
    const wrong = await t.request({ method: 'POST', url: `/api/incidents/${regB.id}/actions`, cookie: dispatcherA, body: { type: 'dispatch', leadDepartmentCode: 'D01', version: 2 } });
    expect(wrong.statusCode).toBe(404);
    expect((await t.request({ url: `/api/incidents/${incA.id}`, cookie: dispatcherA })).statusCode).toBe(200);
    const listA = (await t.request({ url: '/api/incidents?pageSize=200', cookie: dispatcherA })).json();
    expect(listA.items.every((i: { gridCode: string }) => i.gridCode.startsWith(streetA!))).toBe(true);

    // D01's case: its handler sees it and it is in its queue; D02's handler does not.
    expect((await t.request({ url: `/api/incidents/${incA.id}`, cookie: c.handler! })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/incidents/${incA.id}`, cookie: handlerD02 })).statusCode).toBe(404);
    const queue = (await t.request({ url: '/api/incidents/queues/my-department?pageSize=200', cookie: c.handler! })).json();
    expect(queue.items.map((i: { id: number }) => i.id)).toContain(incA.id);
    const queueD02 = (await t.request({ url: '/api/incidents/queues/my-department', cookie: handlerD02 })).json();
    expect(queueD02.items.map((i: { id: number }) => i.id)).not.toContain(incA.id);

    // A co-handler department sees the case once it is on it.
    const incCo = await report(c.operator!, gridA, { channel: 'operator_phone' });
    await act(t, c.operator!, incCo.id, { type: 'register', categoryCode: D01_CATEGORY.code });
    expect((await act(t, c.dispatcher!, incCo.id, { type: 'dispatch', leadDepartmentCode: 'D01', coHandlerDepartmentCodes: ['D02'] })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/incidents/${incCo.id}`, cookie: handlerD02 })).statusCode).toBe(200);
  });

  it('recomputes the handling deadline when an extension is approved', async () => {
    const inc = await dispatched();
    expect((await act(t, c.handler!, inc.id, { type: 'start-handling' })).statusCode).toBe(200);
    const before = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: c.supervisor! })).json().incident;
    const req = await act(t, c.handler!, inc.id, { type: 'request-extension', extension: { amount: 3, unit: 'days' }, reason: '需采购配件' });
    expect(req.statusCode, req.body).toBe(200);
    expect(req.json().incident.pendingRequest).toBe('extension');
    const approveQueue = (await t.request({ url: '/api/incidents/queues/to-approve', cookie: c.supervisor! })).json();
    expect(approveQueue.items.map((i: { id: number }) => i.id)).toContain(inc.id);
    const ok = await act(t, c.supervisor!, inc.id, { type: 'approve-extension', extension: { amount: 2, unit: 'days' } });
    expect(ok.statusCode, ok.body).toBe(200);
    const after = ok.json().incident;
    const expected = addWorkingTime(createDefaultWorkCalendar(), Date.parse(before.deadlines.handleBy), { amount: 2, unit: 'days' });
    expect(Date.parse(after.deadlines.handleBy)).toBe(expected);
    expect(after.dueAt).toBe(after.deadlines.handleBy);
    expect(after.extensionCount).toBe(1);
    expect(after.pendingRequest).toBeNull();
    const ev = ok.json().events[0];
    expect(ev.data).toMatchObject({ granted: { amount: 2, unit: 'days' }, previousHandleBy: Date.parse(before.deadlines.handleBy), handleBy: expected });
  });

  it('merges a duplicate: both timelines stay and the reporters are linked', async () => {
    const first = await report(c.worker!, workerGrid);
    const dupe = await report(c.operator!, workerGrid, { channel: 'hotline_12345', reporter: { name: '李四', phone: '13900001111' }, externalRef: 'GD-2026-0001' });
    const res = await t.request({ method: 'POST', url: `/api/incidents/${dupe.id}/merge`, cookie: c.operator!, body: { intoId: first.id, version: 1 } });
    expect(res.statusCode, res.body).toBe(200);
    const survivor = res.json();
    expect(survivor.timeline.map((e: { action: string }) => e.action)).toEqual(['report', 'merge']);
    expect(survivor.links[0]).toMatchObject({ kind: 'merged', linkedIncidentId: dupe.id, data: { reporterName: '李四', reporterPhoneMasked: '139****1111', channel: 'hotline_12345' } });
    const merged = (await t.request({ url: `/api/incidents/${dupe.id}`, cookie: c.operator! })).json();
    expect(merged.incident).toMatchObject({ status: 'merged', mergedInto: first.id, reporterPhoneMasked: '139****1111' });
    expect(merged.timeline.map((e: { action: string }) => e.action)).toEqual(['report', 'merge']);
    // The clear phone number is stored nowhere.
    const row = await t.platform.db.primary.selectFrom('incidents').selectAll().where('id', '=', dupe.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('13900001111');
  });
});
