import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

const DAY = 86_400_000;

/**
 * What the worker's phone app needs of household visits: a visit retried from
 * the offline outbox with its Idempotency-Key is recorded once (and its
 * finding's incident created once), and the list of households due a routine
 * visit by the special groups living there.
 */
describe.each(DIALECTS)('household visits from the phone app on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
  }, 120_000);
  afterAll(async () => t?.close());

  async function household(cookie: string, gridCode: string, no: string, members: { name: string; tags: string[] }[]): Promise<number> {
    const h = await t.request({ method: 'POST', url: '/api/households', cookie, body: { householdNo: no, gridCode } });
    expect(h.statusCode, h.body).toBe(201);
    const id = h.json().id as number;
    for (const [i, m] of members.entries()) {
      const r = await t.request({
        method: 'POST', url: '/api/residents', cookie,
        body: { gridCode, name: m.name, idNumber: nextIdNumber('19400101'), population: 'registered', householdId: id, relation: i === 0 ? '户主' : '配偶', tags: m.tags },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    return id;
  }

  const visitCount = async (householdId: number) =>
    Number((await t.platform.db.primary.selectFrom('visits').select((eb) => eb.fn.countAll().as('n')).where('household_id', '=', householdId).executeTakeFirstOrThrow()).n);

  it('records a retried visit once: the same key answers the first visit, another payload is refused', async () => {
    const cookie = f.cookies.officer_a!;
    const id = await household(cookie, f.unitA, 'H-APP-1', [{ name: '李奶奶', tags: ['elderly_alone'] }]);
    const key = randomUUID();
    const body = { summary: '入户走访，身体状况良好', visitedAt: '2026-01-05T02:00:00.000Z' };
    const first = await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body, headers: { 'idempotency-key': key } });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body, headers: { 'idempotency-key': key } });
    expect(again.statusCode, again.body).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await visitCount(id)).toBe(1);

    const other = await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body: { ...body, summary: '另一次' }, headers: { 'idempotency-key': key } });
    expect(other.statusCode).toBe(422);
    expect(other.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Without a key every post is a new visit, as before.
    expect((await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body })).statusCode).toBe(201);
    expect((await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body })).statusCode).toBe(201);
    expect(await visitCount(id)).toBe(3);
  });

  it('creates the incident of a retried finding once', async () => {
    const cookie = f.cookies.officer_a!;
    const id = await household(cookie, f.unitA, 'H-APP-2', [{ name: '王大爷', tags: ['disabled'] }]);
    const key = randomUUID();
    const body = { summary: '走访', finding: '楼道灯不亮', createIncident: true };
    const first = await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body, headers: { 'idempotency-key': key } });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().incidentId).not.toBeNull();
    const again = await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body, headers: { 'idempotency-key': key } });
    expect(again.json().incidentId).toBe(first.json().incidentId);
    const incidents = await t.platform.db.primary.selectFrom('incidents').select('id').where('description', '=', '楼道灯不亮').execute();
    expect(incidents).toHaveLength(1);
    expect(await visitCount(id)).toBe(1);
  });

  it('lists the households due a routine visit in a grid, never visited first, then the earliest due', async () => {
    const cookie = f.cookies.officer_a!;
    const grid = f.unitA2;
    const never = await household(cookie, grid, 'H-DUE-NEVER', [{ name: '赵爷爷', tags: ['elderly'] }]);
    const weekly = await household(cookie, grid, 'H-DUE-WEEKLY', [{ name: '孙奶奶', tags: ['elderly_alone'] }, { name: '孙某', tags: ['low_income'] }]);
    const fresh = await household(cookie, grid, 'H-DUE-FRESH', [{ name: '周阿姨', tags: ['disabled'] }]);
    await household(cookie, grid, 'H-NO-ROUTINE', [{ name: '吴先生', tags: ['veteran'] }]);
    const now = Date.now();
    const visit = async (id: number, at: number) =>
      expect((await t.request({ method: 'POST', url: `/api/households/${id}/visits`, cookie, body: { summary: '走访', visitedAt: new Date(at).toISOString() } })).statusCode).toBe(201);
    await visit(weekly, now - 20 * DAY);
    await visit(weekly, now - 9 * DAY);
    await visit(fresh, now - 2 * DAY);

    const res = await t.request({ url: `/api/basedata/visits-due?gridCode=${grid}`, cookie: f.cookies.worker_a! });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.items.map((i: { householdId: number }) => i.householdId)).toEqual([never, weekly]);
    expect(body.total).toBe(2);
    expect(body.truncated).toBe(false);
    expect(body.items[0]).toMatchObject({ householdNo: 'H-DUE-NEVER', headName: '赵爷爷', tags: ['elderly'], intervalDays: 30, lastVisitedAt: null, dueAt: null, overdue: true });
    expect(body.items[1]).toMatchObject({ householdNo: 'H-DUE-WEEKLY', tags: ['elderly_alone', 'low_income'], intervalDays: 7, overdue: true });
    expect(Date.parse(body.items[1].dueAt)).toBe(Date.parse(body.items[1].lastVisitedAt) + 7 * DAY);

    // A wider window brings in the visit falling due within it.
    const wide = (await t.request({ url: `/api/basedata/visits-due?gridCode=${grid}&withinDays=30`, cookie })).json();
    expect(wide.items.map((i: { householdId: number }) => i.householdId)).toEqual([never, weekly, fresh]);
    expect(wide.items[2].overdue).toBe(false);
    // Another street's officer sees none of them; a malformed grid code is refused.
    expect((await t.request({ url: `/api/basedata/visits-due?gridCode=${grid}`, cookie: f.cookies.officer_b! })).json()).toEqual({ items: [], total: 0, truncated: false });
    expect((await t.request({ url: '/api/basedata/visits-due?gridCode=4301', cookie })).statusCode).toBe(400);
  });
});
