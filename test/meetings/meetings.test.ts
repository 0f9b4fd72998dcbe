/**
 * Joint meetings end to end over HTTP: hard cases offered as candidates
 * (escalated, overdue, returned twice), a decision turned into a dispatched
 * incident with a deadline, a task decision, the close raising unresolved
 * items community → street → district, an overdue task raising its item,
 * bad input refused with nothing written, and another street's meeting
 * reading as 404 on every id route.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, scopeOf, userWith } from '../incidents/support.js';

interface Detail {
  id: number;
  level: string;
  status: string;
  version: number;
  grid: { code: string };
  items: {
    id: number; source: string; title: string; outcome: string;
    incident: { id: number; code: string; status: string } | null;
    risenFrom: { itemId: number; level: string; reason: string | null } | null;
    decisions: { id: number; kind: string; status: string; overdue: boolean; incident: { id: number; status: string } | null; risenItemId: number | null; deadline: string }[];
  }[];
}

describe.each(DIALECTS)('joint meetings (%s)', (dialect) => {
  let t: TestApp;
  let street: string;
  let otherStreetUser: string;
  let handler: string;
  let leader: string;
  let streetA: string;
  let community: string;
  let unit: string;
  const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();

  beforeAll(async () => {
    t = await openTestApp(dialect);
    street = await t.login('street');
    handler = await t.login('handler');
    leader = await t.login('leader');
    streetA = await scopeOf(t, 'street');
    const db = t.platform.db.primary;
    const streetB = (await db.selectFrom('grids').select('code').where('level', '=', 'street').where('code', '!=', streetA).orderBy('code').executeTakeFirstOrThrow()).code;
    otherStreetUser = await userWith(t, 'st-other', 'street_operator', streetB);
    // The demo worker's unit grid (in the street operator's street): the worker verifies the decision's incident there.
    unit = await scopeOf(t, 'worker');
    community = unit.slice(0, 12);
  }, 240_000);
  afterAll(async () => t?.close());

  async function incident(description: string): Promise<number> {
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: street, body: { channel: 'operator_phone', description, gridCode: unit } });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().incident.id as number;
    expect((await act(t, street, id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, street, id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    return id;
  }
  const get = async (id: number, cookie = street) => (await t.request({ url: `/api/meetings/${id}`, cookie })).json<Detail>();
  async function meeting(gridCode: string, title: string, cookie = street): Promise<Detail> {
    const res = await t.request({ method: 'POST', url: '/api/meetings', cookie, body: { gridCode, title, heldAt: inFuture(3_600_000), attendees: [{ name: '张三', unit: '社区居委会' }] } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Detail>();
  }

  let escalatedId: number;
  let returnedId: number;
  let overdueId: number;
  let communityMeeting: Detail;

  it('offers the escalated, overdue and twice-returned cases under the node as candidates', async () => {
    escalatedId = await incident('小区消防通道长期被占用');
    expect((await act(t, street, escalatedId, { type: 'escalate', departmentCodes: ['D02'] })).statusCode).toBe(200);
    returnedId = await incident('两个部门都说不归自己管的违建');
    for (let i = 0; i < 2; i++) {
      expect((await act(t, handler, returnedId, { type: 'return', reason: '不属于本部门' })).statusCode).toBe(200);
      if (i === 0) expect((await act(t, street, returnedId, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    }
    overdueId = await incident('积水路段迟迟未处理');
    // The clock moved on: the case's running deadline lies in the past (what the sweep would see days later).
    await t.platform.db.primary.updateTable('incidents').set({ due_at: Date.now() - 60_000 }).where('id', '=', overdueId).execute();
    const quiet = await incident('普通案件');

    communityMeeting = await meeting(community, '社区联席会议');
    expect(communityMeeting).toMatchObject({ level: 'community', status: 'planned', items: [] });
    const res = await t.request({ url: `/api/meetings/${communityMeeting.id}/candidates`, cookie: street });
    expect(res.statusCode).toBe(200);
    const candidates = res.json<{ items: { incidentId: number; source: string; reasons: string[] }[] }>().items;
    const byId = new Map(candidates.map((c) => [c.incidentId, c]));
    expect(byId.get(escalatedId)?.reasons).toEqual(['escalated']);
    expect(byId.get(returnedId)?.reasons).toEqual(['returned']);
    expect(byId.get(overdueId)?.reasons).toEqual(['overdue']);
    expect(byId.has(quiet)).toBe(false);
  });

  it('turns a decision into an incident dispatched with a deadline, and a task with an owner', async () => {
    for (const [source, incidentId] of [['escalated', escalatedId], ['returned', returnedId]] as const) {
      const res = await t.request({ method: 'POST', url: `/api/meetings/${communityMeeting.id}/items`, cookie: street, body: { source, incidentId } });
      expect(res.statusCode, res.body).toBe(201);
    }
    const free = await t.request({ method: 'POST', url: `/api/meetings/${communityMeeting.id}/items`, cookie: street, body: { source: 'free', title: '老旧小区加装电梯协调' } });
    expect(free.statusCode).toBe(201);
    const again = await t.request({ method: 'POST', url: `/api/meetings/${communityMeeting.id}/items`, cookie: street, body: { source: 'escalated', incidentId: escalatedId } });
    expect(again.statusCode).toBe(409);
    const [escalatedItem, , freeItem] = free.json<Detail>().items;

    const before = await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const bad = [
      [{ kind: 'incident', content: '清理通道', deadline: inFuture(-60_000), categoryCode: D01_CATEGORY.code, departmentCode: 'D02' }, 'MEETING_DEADLINE_PAST'],
      [{ kind: 'incident', content: '清理通道', deadline: inFuture(86_400_000), categoryCode: '9999', departmentCode: 'D02' }, 'MEETING_UNKNOWN_CATEGORY'],
      [{ kind: 'incident', content: '清理通道', deadline: inFuture(86_400_000), categoryCode: D01_CATEGORY.code, departmentCode: 'D99' }, 'MEETING_UNKNOWN_DEPARTMENT'],
    ] as const;
    for (const [body, code] of bad) {
      const res = await t.request({ method: 'POST', url: `/api/meetings/${communityMeeting.id}/items/${escalatedItem!.id}/decisions`, cookie: street, body });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().code).toBe(code);
    }
    const after = await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));

    const deadline = inFuture(3 * 86_400_000);
    const decided = await t.request({
      method: 'POST', url: `/api/meetings/${communityMeeting.id}/items/${escalatedItem!.id}/decisions`, cookie: street,
      body: { kind: 'incident', content: '城管与消防联合清理消防通道', deadline, categoryCode: D01_CATEGORY.code, departmentCode: 'D01' },
    });
    expect(decided.statusCode, decided.body).toBe(201);
    const decision = decided.json<Detail>().items.find((i) => i.id === escalatedItem!.id)!.decisions[0]!;
    expect(decision).toMatchObject({ kind: 'incident', status: 'open', overdue: false, deadline: new Date(deadline).toISOString() });
    const created = await t.request({ url: `/api/incidents/${decision.incident!.id}`, cookie: street });
    expect(created.json().incident).toMatchObject({ status: 'dispatched', leadDepartmentCode: 'D01', gridCode: unit });
    expect(created.json().incident.dueAt).not.toBeNull();
    expect(created.json().incident.description).toContain('城管与消防联合清理消防通道');

    const task = await t.request({
      method: 'POST', url: `/api/meetings/${communityMeeting.id}/items/${freeItem!.id}/decisions`, cookie: street,
      body: { kind: 'task', content: '住建部门一周内出具加装方案', owner: '区住建局', deadline: inFuture(3_600_000) },
    });
    expect(task.statusCode, task.body).toBe(201);
  });

  it('raises an item left unresolved at the close to the street, and a street item to the district', async () => {
    const current = await get(communityMeeting.id);
    const closed = await t.request({ method: 'POST', url: `/api/meetings/${communityMeeting.id}/close`, cookie: street, body: { version: current.version, minutes: '会议纪要' } });
    expect(closed.statusCode, closed.body).toBe(200);
    const outcomes = closed.json<Detail>().items.map((i) => [i.source, i.outcome]);
    expect(outcomes).toEqual([['escalated', 'decided'], ['returned', 'unresolved'], ['free', 'decided']]);
    const late = await t.request({ method: 'POST', url: `/api/meetings/${communityMeeting.id}/items`, cookie: street, body: { source: 'free', title: '会后补充' } });
    expect(late.statusCode).toBe(409);

    // No street meeting was planned: the item waits, and joins the next one created.
    const streetMeeting = await meeting(streetA, '街道联席会议');
    expect(streetMeeting.items).toHaveLength(1);
    expect(streetMeeting.items[0]).toMatchObject({ source: 'risen', outcome: 'open', incident: { id: returnedId }, risenFrom: { level: 'community', reason: 'unresolved' } });

    const streetClosed = await t.request({ method: 'POST', url: `/api/meetings/${streetMeeting.id}/close`, cookie: street, body: { version: streetMeeting.version } });
    expect(streetClosed.statusCode).toBe(200);
    const district = streetA.slice(0, 6);
    const districtMeeting = await meeting(district, '区联席会议', leader);
    expect(districtMeeting.items.map((i) => [i.source, i.incident?.id, i.risenFrom?.level])).toEqual([['risen', returnedId, 'street']]);
    // A street operator sees neither the district meeting nor may hold one.
    expect((await t.request({ url: `/api/meetings/${districtMeeting.id}`, cookie: street })).statusCode).toBe(404);
    const refused = await t.request({ method: 'POST', url: '/api/meetings', cookie: street, body: { gridCode: district, title: 'x', heldAt: inFuture(1000) } });
    expect(refused.statusCode).toBe(403);
  });

  it('raises the item of a task gone overdue to the next planned meeting once, and follows the incident to done', async () => {
    const nextStreet = await meeting(streetA, '街道联席会议（第二次）');
    expect((await t.platform.meetings.sweep(Date.now())).risen).toBe(0);
    const later = Date.now() + 2 * 3_600_000;
    expect((await t.platform.meetings.sweep(later)).risen).toBe(1);
    expect((await t.platform.meetings.sweep(later)).risen).toBe(0);
    const withRisen = await get(nextStreet.id);
    expect(withRisen.items.map((i) => [i.source, i.title, i.risenFrom?.reason])).toEqual([['risen', '老旧小区加装电梯协调', 'task_overdue']]);
    const community = await get(communityMeeting.id);
    const task = community.items.find((i) => i.source === 'free')!.decisions[0]!;
    expect(task.risenItemId).toBe(withRisen.items[0]!.id);

    const done = await t.request({ method: 'POST', url: `/api/meetings/decisions/${task.id}/done`, cookie: street });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'done', overdue: false });
    const incidentDecision = community.items.find((i) => i.source === 'escalated')!.decisions[0]!;
    const onlyTasks = await t.request({ method: 'POST', url: `/api/meetings/decisions/${incidentDecision.id}/done`, cookie: street });
    expect(onlyTasks.statusCode).toBe(409);
    // The decision's incident runs the ordinary loop to its close.
    const incidentId = incidentDecision.incident!.id;
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } }).png().toBuffer();
    const photo = (await t.request({ method: 'POST', url: '/api/files', cookie: handler, body: png, headers: { 'content-type': 'image/png' } })).json().hash as string;
    const worker = await t.login('worker');
    for (const [cookie, body] of [
      [handler, { type: 'start-handling' }], [handler, { type: 'reply', result: '通道已清理', photos: [photo] }], [worker, { type: 'verify-pass' }], [street, { type: 'close' }],
    ] as const) {
      const res = await act(t, cookie, incidentId, body);
      expect(res.statusCode, res.body).toBe(200);
    }
    expect((await t.platform.meetings.sweep(later)).done).toBe(1);
    expect((await get(communityMeeting.id)).items.find((i) => i.source === 'escalated')!.decisions[0]!.status).toBe('done');
  });

  it('answers 404 on every id route for a meeting of another street, and lists only its own', async () => {
    const detail = await get(communityMeeting.id);
    const item = detail.items[0]!;
    const decision = item.decisions[0]!;
    const probes: [string, string, unknown][] = [
      ['GET', `/api/meetings/${communityMeeting.id}`, undefined],
      ['PATCH', `/api/meetings/${communityMeeting.id}`, { version: detail.version, title: 'x' }],
      ['GET', `/api/meetings/${communityMeeting.id}/candidates`, undefined],
      ['POST', `/api/meetings/${communityMeeting.id}/items`, { source: 'free', title: 'x' }],
      ['POST', `/api/meetings/${communityMeeting.id}/items/${item.id}/decisions`, { kind: 'task', content: 'x', owner: 'x', deadline: inFuture(86_400_000) }],
      ['POST', `/api/meetings/${communityMeeting.id}/close`, { version: detail.version }],
      ['POST', `/api/meetings/decisions/${decision.id}/done`, {}],
    ];
    for (const [method, url, body] of probes) {
      const res = await t.request({ method, url, cookie: otherStreetUser, body });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    const list = await t.request({ url: '/api/meetings', cookie: otherStreetUser });
    expect(list.json().items).toEqual([]);
    const own = await t.request({ url: '/api/meetings', cookie: street });
    expect(own.json().items.map((m: { level: string }) => m.level).sort()).toEqual(['community', 'street', 'street']);
  });
});
