/**
 * A joint meeting decision turned into a 民生实事 need over HTTP: the need is
 * collected with the meeting as its source and links the decision, the
 * decision shows the need, and the need counts in the livelihood figures
 * (against a raw count); a caller without the livelihood permission is
 * refused with nothing written; the decision follows its need to done (or
 * rejected); an open need decision past its deadline raises its item once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayRange, shanghaiDate } from '../../src/modules/livelihood/rules/period.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { scopeOf } from '../incidents/support.js';

interface NeedRef { id: number; title: string; gridCode: string; status: string; reason: string | null }
interface Decision { id: number; kind: string; owner: string; status: string; doneAt: string | null; need: NeedRef | null; risenItemId: number | null }
interface Detail { id: number; title: string; version: number; items: { id: number; source: string; title: string; decisions: Decision[] }[] }

describe.each(DIALECTS)('joint meeting decisions as livelihood needs (%s)', (dialect) => {
  let t: TestApp;
  let street: string;
  let leader: string;
  let streetA: string;
  let unit: string;
  let otherStreetUnit: string;
  let meeting: Detail;
  let incidentItem: number;
  let freeItem: number;
  let needDecision: Decision;
  const inFuture = (ms: number) => new Date(Date.now() + ms).toISOString();
  const today = shanghaiDate(Date.now());

  beforeAll(async () => {
    t = await openTestApp(dialect);
    street = await t.login('street');
    leader = await t.login('leader');
    streetA = await scopeOf(t, 'street');
    unit = await scopeOf(t, 'worker');
    otherStreetUnit = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit')
      .where('code', 'not like', `${streetA}%`).orderBy('code').executeTakeFirstOrThrow()).code;
    const created = await t.request({ method: 'POST', url: '/api/meetings', cookie: street, body: { gridCode: unit.slice(0, 12), title: '社区民生议事联席会议', heldAt: inFuture(3_600_000), attendees: [] } });
    expect(created.statusCode, created.body).toBe(201);
    meeting = created.json<Detail>();
    const incident = await t.request({ method: 'POST', url: '/api/incidents', cookie: street, body: { channel: 'operator_phone', description: '小区健身器材老化存在安全隐患', gridCode: unit } });
    expect(incident.statusCode, incident.body).toBe(201);
    const withIncident = await t.request({ method: 'POST', url: `/api/meetings/${meeting.id}/items`, cookie: street, body: { source: 'escalated', incidentId: incident.json().incident.id } });
    expect(withIncident.statusCode, withIncident.body).toBe(201);
    const withFree = await t.request({ method: 'POST', url: `/api/meetings/${meeting.id}/items`, cookie: street, body: { source: 'free', title: '老年食堂选址' } });
    expect(withFree.statusCode, withFree.body).toBe(201);
    [incidentItem, freeItem] = withFree.json<Detail>().items.map((i) => i.id) as [number, number];
  }, 240_000);
  afterAll(async () => t?.close());

  const decide = (itemId: number, body: Record<string, unknown>, cookie = street) =>
    t.request({ method: 'POST', url: `/api/meetings/${meeting.id}/items/${itemId}/decisions`, cookie, body: { kind: 'need', ...body } });
  const decisionsOf = async (itemId: number) => (await t.request({ url: `/api/meetings/${meeting.id}`, cookie: street })).json<Detail>().items.find((i) => i.id === itemId)!.decisions;
  const count = async (table: 'meeting_decisions' | 'livelihood_needs') =>
    Number((await t.platform.db.primary.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const collectedInStreet = async () => {
    const res = await t.request({ url: `/api/livelihood/figures?from=${today}&to=${today}&by=street`, cookie: street });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json<{ byArea: { code: string; collected: number }[] }>().byArea.find((a) => a.code === streetA)?.collected) ?? 0;
  };
  const needAction = async (id: number, action: string, body: Record<string, unknown>) => {
    const version = (await t.request({ url: `/api/livelihood/needs/${id}`, cookie: street })).json().version as number;
    const res = await t.request({ method: 'POST', url: `/api/livelihood/needs/${id}/${action}`, cookie: street, body: { version, ...body } });
    expect(res.statusCode, res.body).toBe(204);
  };

  it('collects a need from the decision, linked both ways, and counts it in the figures', async () => {
    const before = await collectedInStreet();
    const refused = [
      [freeItem, { content: '建设老年食堂', deadline: inFuture(86_400_000) }, 'MEETING_NEED_GRID_REQUIRED'],
      [freeItem, { content: '建设老年食堂', deadline: inFuture(86_400_000), gridCode: otherStreetUnit }, 'MEETING_GRID_OUTSIDE'],
      [freeItem, { content: '建设老年食堂', deadline: inFuture(-60_000), gridCode: unit }, 'MEETING_DEADLINE_PAST'],
    ] as const;
    for (const [itemId, body, code] of refused) {
      const res = await decide(itemId, body);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().code).toBe(code);
    }

    // No grid named: the item's incident's unit grid.
    const res = await decide(incidentItem, { content: '更换小区健身器材并设置安全提示', deadline: inFuture(3 * 86_400_000), title: '更换小区健身器材' });
    expect(res.statusCode, res.body).toBe(201);
    needDecision = res.json<Detail>().items.find((i) => i.id === incidentItem)!.decisions[0]!;
    expect(needDecision).toMatchObject({ kind: 'need', owner: unit, status: 'open', need: { title: '更换小区健身器材', gridCode: unit, status: 'collected', reason: null } });
    const need = await t.request({ url: `/api/livelihood/needs/${needDecision.need!.id}`, cookie: street });
    expect(need.statusCode).toBe(200);
    expect(need.json()).toMatchObject({
      source: 'meeting', sourceRef: meeting.title, description: '更换小区健身器材并设置安全提示', gridCode: unit, status: 'collected',
      meetingDecisionId: needDecision.id, meeting: { id: meeting.id, title: meeting.title },
    });
    const listed = await t.request({ url: `/api/livelihood/needs?gridCode=${unit}`, cookie: street });
    expect(listed.json().items.find((n: { id: number }) => n.id === needDecision.need!.id)).toMatchObject({ meetingDecisionId: needDecision.id, meeting: { id: meeting.id } });

    expect(await collectedInStreet()).toBe(before + 1);
    const { start, end } = dayRange(today, today);
    const raw = await t.platform.db.primary.selectFrom('livelihood_needs').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('grid_code', 'like', `${streetA}%`).where('collected_at', '>=', start).where('collected_at', '<', end).executeTakeFirstOrThrow();
    expect(await collectedInStreet()).toBe(Number(raw.n));

    const audits = await t.platform.db.primary.selectFrom('audit_log').select(['action', 'object_id', 'details'])
      .where('action', 'in', ['meeting.decide', 'livelihood.collect']).orderBy('seq').execute();
    const collect = audits.find((a) => a.action === 'livelihood.collect' && Number(a.object_id) === needDecision.need!.id);
    expect(JSON.parse(String(collect!.details))).toMatchObject({ source: 'meeting', meetingDecisionId: needDecision.id });
    const decided = audits.filter((a) => a.action === 'meeting.decide').map((a) => JSON.parse(String(a.details)) as Record<string, unknown>);
    expect(decided.at(-1)).toMatchObject({ decisionId: needDecision.id, kind: 'need', needId: needDecision.need!.id });
  });

  it('refuses a caller who may not collect needs with 403, writing neither decision nor need', async () => {
    const [decisions, needs] = [await count('meeting_decisions'), await count('livelihood_needs')];
    // The leader manages meetings district-wide but only reads livelihood projects.
    const res = await decide(freeItem, { content: '建设老年食堂', deadline: inFuture(86_400_000), gridCode: unit.slice(0, 12) }, leader);
    expect(res.statusCode, res.body).toBe(403);
    expect(res.json().code).toBe('MEETING_DECISION_NEEDS_LIVELIHOOD_RIGHTS');
    expect([await count('meeting_decisions'), await count('livelihood_needs')]).toEqual([decisions, needs]);
  });

  it('marks the decision done when its need is done, and when its need is rejected (with the reason shown)', async () => {
    const needId = needDecision.need!.id;
    await needAction(needId, 'assess', { decision: 'accept', reason: '' });
    await needAction(needId, 'approve', { owner: '社区居委会', budget: 8000, deadline: '2099-01-01' });
    expect((await t.platform.meetings.sweep()).done).toBe(0);
    expect((await decisionsOf(incidentItem))[0]).toMatchObject({ status: 'open', need: { status: 'approved' } });
    await needAction(needId, 'complete', { note: '新器材已安装', photos: [] });

    const rejected = await decide(freeItem, { content: '建设老年食堂', deadline: inFuture(86_400_000), gridCode: unit.slice(0, 12) });
    expect(rejected.statusCode, rejected.body).toBe(201);
    const rejectedNeed = rejected.json<Detail>().items.find((i) => i.id === freeItem)!.decisions[0]!.need!;
    expect(rejectedNeed).toMatchObject({ gridCode: unit.slice(0, 12), title: '老年食堂选址' });
    await needAction(rejectedNeed.id, 'assess', { decision: 'reject', reason: '已纳入区级养老规划统一建设' });

    expect((await t.platform.meetings.sweep()).done).toBe(2);
    expect((await t.platform.meetings.sweep()).done).toBe(0);
    expect((await decisionsOf(incidentItem))[0]).toMatchObject({ status: 'done', need: { status: 'done' } });
    expect((await decisionsOf(freeItem))[0]).toMatchObject({ status: 'done', need: { status: 'rejected', reason: '已纳入区级养老规划统一建设' } });
    expect((await decisionsOf(freeItem))[0]!.doneAt).not.toBeNull();
  });

  it('raises the item of an open need decision past its deadline once', async () => {
    const res = await decide(freeItem, { content: '协调场地先行试点', deadline: inFuture(3_600_000), gridCode: unit });
    expect(res.statusCode, res.body).toBe(201);
    const later = Date.now() + 2 * 3_600_000;
    expect((await t.platform.meetings.sweep(later)).risen).toBe(1);
    expect((await t.platform.meetings.sweep(later)).risen).toBe(0);
    const open = (await decisionsOf(freeItem)).find((d) => d.status === 'open')!;
    expect(open).toMatchObject({ kind: 'need', need: { status: 'collected' } });
    expect(open.risenItemId).not.toBeNull();
    const risen = await t.platform.db.primary.selectFrom('meeting_items').selectAll().where('id', '=', open.risenItemId!).executeTakeFirstOrThrow();
    expect(risen).toMatchObject({ level: 'street', grid_code: streetA, source: 'risen', risen_reason: 'task_overdue' });
  });
});
