import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

/**
 * A place's detail with its inspection history, the visit history with the
 * incident a finding became, and read-your-writes after each base data write.
 */
describe.each(DIALECTS)('places and visits on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  let placeA: number;
  let placeB: number;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
    const place = async (cookie: string, gridCode: string, name: string) => {
      const res = await t.request({ method: 'POST', url: '/api/places', cookie, body: { gridCode, name, type: 'small_restaurant', address: '劳动路 3 号', contactName: '王老板' } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    placeA = await place(f.cookies.officer_a!, f.unitA, '红星小吃店');
    placeB = await place(f.cookies.officer_b!, f.unitB, '蓝天网吧');
  }, 120_000);
  afterAll(async () => t?.close());

  const inspect = (cookie: string, id: number, body: Record<string, unknown>) => t.request({ method: 'POST', url: `/api/places/${id}/inspections`, cookie, body });

  it('answers a place with no inspections yet', async () => {
    const res = await t.request({ url: `/api/places/${placeA}`, cookie: f.cookies.officer_a! });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      place: { id: placeA, gridCode: f.unitA, name: '红星小吃店', type: 'small_restaurant', address: '劳动路 3 号', lng: null, lat: null, contactName: '王老板', lastInspectedAt: null },
      inspections: [],
    });
  });

  it('lists the inspections of a place, newest first, with who inspected', async () => {
    expect((await inspect(f.cookies.officer_a!, placeA, { result: 'issues', notes: '灭火器过期' })).statusCode).toBe(201);
    const second = await inspect(f.cookies.officer_a!, placeA, { result: 'pass' });
    expect(second.statusCode).toBe(201);
    const res = await t.request({ url: `/api/places/${placeA}`, cookie: f.cookies.officer_a! });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.inspections.map((i: { result: string; notes: string }) => [i.result, i.notes])).toEqual([['pass', ''], ['issues', '灭火器过期']]);
    expect(body.inspections[0].id).toBe(second.json().id);
    expect(body.inspections[0].inspectorName).toBe('officer_a');
    expect(typeof body.inspections[0].inspectorUserId).toBe('number');
    expect(body.place.lastInspectedAt).toBe(body.inspections[0].inspectedAt);
    expect(Date.parse(body.inspections[0].inspectedAt)).toBeGreaterThanOrEqual(Date.parse(body.inspections[1].inspectedAt));
    // A read-only user of the same street sees the same history.
    const worker = await t.request({ url: `/api/places/${placeA}`, cookie: f.cookies.worker_a! });
    expect(worker.statusCode).toBe(200);
    expect(worker.json().inspections).toHaveLength(2);
  });

  it('answers 404 for a place of another street, and for no place at all', async () => {
    const foreign = await t.request({ url: `/api/places/${placeB}`, cookie: f.cookies.officer_a! });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.body).not.toContain('蓝天网吧');
    expect((await t.request({ url: `/api/places/${placeA}`, cookie: f.cookies.officer_b! })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/places/${placeB}`, cookie: f.cookies.officer_b! })).json().place.name).toBe('蓝天网吧');
    expect((await t.request({ url: '/api/places/999999', cookie: f.cookies.officer_a! })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/places/${placeA}` })).statusCode).toBe(401);
  });

  it('keeps the writer on the primary after registering places, components, organizations and key persons', async () => {
    // With a replica, the console reads the new record right after writing it (a new place opens its page).
    const me = (await t.request({ url: '/api/auth/me', cookie: f.cookies.officer_a! })).json().id as number;
    const noted = vi.spyOn(t.platform.db, 'noteWrite');
    try {
      const writes: { method: string; url: string; body: unknown }[] = [
        { method: 'POST', url: '/api/places', body: { gridCode: f.unitA, name: '平安超市', type: 'small_shop' } },
        { method: 'POST', url: `/api/places/${placeA}/inspections`, body: { result: 'fail', notes: '安全出口堵塞' } },
        { method: 'POST', url: '/api/components', body: { gridCode: f.unitA, classCode: '0101', name: '井盖', lng: 113.01, lat: 28.1 } },
        { method: 'POST', url: '/api/organizations', body: { gridCode: f.unitA, name: '全聚德', creditCode: '91110000101623741K' } },
      ];
      const resident = await t.request({ method: 'POST', url: '/api/residents', cookie: f.cookies.officer_a!, body: { gridCode: f.unitA, name: '赵六', idNumber: nextIdNumber(), population: 'registered' } });
      expect(resident.statusCode, resident.body).toBe(201);
      writes.push({ method: 'PUT', url: `/api/residents/${resident.json().id}/key-person`, body: { category: 'petitioner', level: 'high' } });
      for (const w of writes) {
        noted.mockClear();
        const res = await t.request({ ...w, cookie: f.cookies.officer_a! });
        expect(res.statusCode, `${w.url} ${res.body}`).toBeLessThan(300);
        expect(noted, w.url).toHaveBeenCalledWith(me);
      }
    } finally {
      noted.mockRestore();
    }
  });

  it('shows the code of the incident a visit finding became, and who visited', async () => {
    const cookie = f.cookies.officer_a!;
    const h = await t.request({ method: 'POST', url: '/api/households', cookie, body: { householdNo: 'H-VISIT-1', gridCode: f.unitA } });
    expect(h.statusCode, h.body).toBe(201);
    const url = `/api/households/${h.json().id}/visits`;
    const plain = await t.request({ method: 'POST', url, cookie, body: { summary: '入户走访，一切正常', visitedAt: '2026-01-05T02:00:00.000Z' } });
    expect(plain.statusCode, plain.body).toBe(201);
    expect(plain.json()).toMatchObject({ incidentId: null, incidentCode: null, pendingIncident: false, visitorName: 'officer_a' });
    const found = await t.request({ method: 'POST', url, cookie, body: { summary: '入户走访', finding: '楼道堆放杂物', createIncident: true } });
    expect(found.statusCode, found.body).toBe(201);
    const visit = found.json();
    expect(visit.incidentId).not.toBeNull();
    const incident = await t.platform.db.primary.selectFrom('incidents').select(['code', 'description']).where('id', '=', visit.incidentId).executeTakeFirstOrThrow();
    expect(visit.incidentCode).toBe(incident.code);
    expect(incident.description).toBe('楼道堆放杂物');
    const list = (await t.request({ url, cookie })).json();
    expect(list.map((v: { summary: string; incidentCode: string | null }) => [v.summary, v.incidentCode])).toEqual([['入户走访', incident.code], ['入户走访，一切正常', null]]);
    const view = (await t.request({ url: `/api/households/${h.json().id}`, cookie })).json();
    expect(view.visits[0].incidentCode).toBe(incident.code);
  });
});
