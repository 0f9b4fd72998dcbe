import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCreditCode } from '../../src/modules/basedata/rules/credit-code.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

/**
 * Places, components, organizations and key persons: their lists are pages,
 * newest first, with a total counted up to a cap.
 */
describe.each(DIALECTS)('base data records on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  let serial = 0;
  const creditCode = () => makeCreditCode({ region: '430111', serial: 7_000 + serial++ });

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
  }, 120_000);
  afterAll(async () => t?.close());

  const post = async (cookie: string, url: string, body: Record<string, unknown>) => {
    const res = await t.request({ method: 'POST', url, cookie, body });
    expect(res.statusCode, `${url} ${res.body}`).toBe(201);
    return res.json().id as number;
  };
  const list = async (cookie: string, url: string) => {
    const res = await t.request({ url, cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: { id: number; name?: string; status?: string }[]; total: number; totalCapped: boolean };
  };

  describe('lists', () => {
    // Only this block writes into unitA2, so its counts are exact.
    const places: number[] = [];
    const organizations: number[] = [];

    beforeAll(async () => {
      for (let i = 1; i <= 5; i++) places.push(await post(f.cookies.officer_a!, '/api/places', { gridCode: f.unitA2, name: `场所${i}`, type: 'small_shop' }));
      for (let i = 1; i <= 3; i++) organizations.push(await post(f.cookies.officer_a!, '/api/organizations', { gridCode: f.unitA2, name: `组织${i}`, creditCode: creditCode() }));
    });

    it('pages places newest first with the total', async () => {
      const url = `/api/places?gridCode=${f.unitA2}`;
      const first = await list(f.cookies.officer_a!, `${url}&pageSize=2`);
      expect(first).toMatchObject({ total: 5, totalCapped: false });
      expect(first.items.map((p) => p.id)).toEqual([places[4], places[3]]);
      const last = await list(f.cookies.officer_a!, `${url}&pageSize=2&page=3`);
      expect(last).toMatchObject({ total: 5, totalCapped: false });
      expect(last.items.map((p) => p.name)).toEqual(['场所1']);
      const whole = await list(f.cookies.officer_a!, url);
      expect(whole.total).toBe(5);
      expect(whole.items.map((p) => p.id)).toEqual([...places].reverse());
      // Past the end: no rows, and still the count.
      expect(await list(f.cookies.officer_a!, `${url}&pageSize=2&page=9`)).toEqual({ items: [], total: 5, totalCapped: false });
      // Out of scope, the same grid holds nothing.
      expect(await list(f.cookies.officer_b!, url)).toEqual({ items: [], total: 0, totalCapped: false });
    });

    it('pages organizations newest first with the total, filtered by name', async () => {
      const url = `/api/organizations?gridCode=${f.unitA2}`;
      const first = await list(f.cookies.officer_a!, `${url}&pageSize=2`);
      expect(first).toMatchObject({ total: 3, totalCapped: false });
      expect(first.items.map((o) => o.id)).toEqual([organizations[2], organizations[1]]);
      expect((await list(f.cookies.officer_a!, `${url}&pageSize=2&page=2`)).items.map((o) => o.name)).toEqual(['组织1']);
      expect(await list(f.cookies.officer_a!, `${url}&q=${encodeURIComponent('组织2')}`)).toMatchObject({ total: 1, items: [{ id: organizations[1] }] });
      expect((await list(f.cookies.officer_b!, url)).total).toBe(0);
    });

    it('says "more than" once the count passes the cap', async () => {
      const settings = t.platform.basedata.settings;
      const cap = settings.countCap;
      settings.countCap = 3;
      try {
        const places = await list(f.cookies.officer_a!, `/api/places?gridCode=${f.unitA2}&pageSize=2`);
        expect(places).toMatchObject({ total: 3, totalCapped: true });
        expect(places.items).toHaveLength(2);
        const orgs = await list(f.cookies.officer_a!, `/api/organizations?gridCode=${f.unitA2}&pageSize=2`);
        expect(orgs).toMatchObject({ total: 3, totalCapped: false });
      } finally {
        settings.countCap = cap;
      }
    });

    it('pages components and key persons newest first', async () => {
      const a = await post(f.cookies.officer_a!, '/api/components', { gridCode: f.unitA2, classCode: '0102', name: '路灯一', lng: 113.01, lat: 28.1 });
      const b = await post(f.cookies.officer_a!, '/api/components', { gridCode: f.unitA2, classCode: '0102', name: '路灯二', lng: 113.02, lat: 28.1 });
      const components = await list(f.cookies.officer_a!, `/api/components?gridCode=${f.unitA2}&classCode=0102&pageSize=1`);
      expect(components).toMatchObject({ total: 2, totalCapped: false, items: [{ id: b, status: 'ok' }] });
      expect((await list(f.cookies.officer_a!, `/api/components?gridCode=${f.unitA2}&classCode=0102&pageSize=1&page=2`)).items.map((c) => c.id)).toEqual([a]);
      const residents: number[] = [];
      for (const name of ['甲', '乙']) {
        const id = await post(f.cookies.officer_a!, '/api/residents', { gridCode: f.unitA2, name, idNumber: nextIdNumber(), population: 'registered' });
        expect((await t.request({ method: 'PUT', url: `/api/residents/${id}/key-person`, cookie: f.cookies.officer_a!, body: { category: 'other', level: 'low' } })).statusCode).toBe(200);
        residents.push(id);
      }
      const keyPersons = (await t.request({ url: `/api/key-persons?gridCode=${f.unitA2}&pageSize=1`, cookie: f.cookies.officer_a! })).json();
      expect(keyPersons).toMatchObject({ total: 2, totalCapped: false });
      expect(keyPersons.items.map((k: { resident: { id: number } }) => k.resident.id)).toEqual([residents[1]]);
    });
  });
});
