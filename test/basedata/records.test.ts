import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeCreditCode } from '../../src/modules/basedata/rules/credit-code.js';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

/**
 * Places, components, organizations and key persons: their lists are pages,
 * newest first, with a total counted up to a cap; places keep a position
 * whole; places, components and organizations are edited in scope, audited.
 */
describe.each(DIALECTS)('base data records on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  let serial = 0;
  /** Reads base data in street A but may not maintain it (every built-in role with read has manage too). */
  let reader: string;
  const creditCode = () => makeCreditCode({ region: '430111', serial: 7_000 + serial++ });

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
    const admin = f.cookies.admin!;
    const role = await t.request({ method: 'POST', url: '/api/admin/roles', cookie: admin, body: { code: 'bd_reader', name: '基础数据查看', nameEn: 'Base data reader', permissions: ['residents.read'] } });
    expect(role.statusCode, role.body).toBe(201);
    const user = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username: 'reader_a', displayName: 'reader_a', password: DEMO_PASSWORD } });
    expect(user.statusCode, user.body).toBe(201);
    const userId = user.json().user.id as number;
    const grant = await t.request({ method: 'POST', url: `/api/admin/users/${userId}/assignments`, cookie: admin, body: { role: 'bd_reader', scopeKind: 'grid', scopeCode: f.streetA } });
    expect(grant.statusCode, grant.body).toBe(201);
    await t.platform.db.primary.updateTable('users').set({ must_change_password: 0 }).where('id', '=', userId).execute();
    reader = await t.login('reader_a');
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
  const patch = (cookie: string, url: string, body: Record<string, unknown>) => t.request({ method: 'PATCH', url, cookie, body });
  const audits = (action: string, id: number) => t.platform.db.primary.selectFrom('audit_log').select(['username', 'details'])
    .where('action', '=', action).where('object_id', '=', String(id)).execute();

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

  describe('positions of places', () => {
    const place = (body: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/places', cookie: f.cookies.officer_a!, body: { gridCode: f.unitA, name: '定位测试', type: 'market', ...body } });

    it('refuses a longitude or latitude out of range', async () => {
      for (const body of [{ lng: 180.5, lat: 28 }, { lng: -181, lat: 28 }, { lng: 113, lat: 90.01 }, { lng: 113, lat: -91 }]) {
        const res = await place(body);
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(res.json().code).toBe('VALIDATION_FAILED');
      }
    });

    it('takes both coordinates or neither', async () => {
      const lngOnly = await place({ lng: 113.01 });
      expect(lngOnly.statusCode).toBe(400);
      expect(lngOnly.json()).toMatchObject({ code: 'BASEDATA_POSITION_INCOMPLETE', details: { field: 'lat' } });
      expect((await place({ lat: 28.1, lng: null })).json()).toMatchObject({ code: 'BASEDATA_POSITION_INCOMPLETE', details: { field: 'lng' } });
      const both = await place({ lng: 180, lat: -90 });
      expect(both.statusCode, both.body).toBe(201);
      expect((await t.request({ url: `/api/places/${both.json().id}`, cookie: f.cookies.officer_a! })).json().place).toMatchObject({ lng: 180, lat: -90 });
      expect((await place({ lng: null, lat: null })).statusCode).toBe(201);
      expect((await place({})).statusCode).toBe(201);
    });
  });

  describe('edits', () => {
    it('edits a place in scope, audited, keeping its position whole', async () => {
      const id = await post(f.cookies.officer_a!, '/api/places', { gridCode: f.unitA, name: '老街菜场', type: 'market', lng: 113.01, lat: 28.1 });
      const url = `/api/places/${id}`;
      const edited = await patch(f.cookies.officer_a!, url, { name: '新街菜场', contactName: '李经理', lng: 113.02 });
      expect(edited.statusCode, edited.body).toBe(204);
      expect((await t.request({ url, cookie: f.cookies.officer_a! })).json().place).toMatchObject({ name: '新街菜场', contactName: '李经理', lng: 113.02, lat: 28.1, type: 'market' });
      const audit = await audits('place.update', id);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.username).toBe('officer_a');
      expect(JSON.parse(audit[0]!.details)).toEqual({ fields: ['contactName', 'lng', 'name'] });

      const half = await patch(f.cookies.officer_a!, url, { lat: null });
      expect(half.statusCode).toBe(400);
      expect(half.json()).toMatchObject({ code: 'BASEDATA_POSITION_INCOMPLETE', details: { field: 'lat' } });
      expect((await patch(f.cookies.officer_a!, url, { lng: 200 })).statusCode).toBe(400);
      expect((await patch(f.cookies.officer_a!, url, { lng: null, lat: null })).statusCode).toBe(204);
      expect((await t.request({ url, cookie: f.cookies.officer_a! })).json().place).toMatchObject({ lng: null, lat: null });
      // An unknown field is refused rather than silently ignored.
      expect((await patch(f.cookies.officer_a!, url, { status: 'closed' })).statusCode).toBe(400);

      // Another street's officer does not see it; a reader may not edit; nor may it move out of the editor's scope.
      const foreign = await patch(f.cookies.officer_b!, url, { name: '改名' });
      expect(foreign.statusCode).toBe(404);
      expect(foreign.body).not.toContain('新街菜场');
      expect((await patch(reader, url, { name: '改名' })).statusCode).toBe(403);
      expect((await patch(f.cookies.officer_a!, url, { gridCode: f.unitB })).json().code).toBe('BASEDATA_OUT_OF_SCOPE');
      expect((await patch(f.cookies.officer_a!, '/api/places/999999', { name: '改名' })).statusCode).toBe(404);
      expect((await t.request({ url, cookie: f.cookies.officer_a! })).json().place.name).toBe('新街菜场');
      expect(await audits('place.update', id)).toHaveLength(2);
    });

    it('moves a place to another grid with its inspections', async () => {
      // A third unit of street A, so the counts of the lists above stay exact.
      const to = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${f.streetA}%`)
        .where('code', 'not in', [f.unitA, f.unitA2]).orderBy('code').executeTakeFirstOrThrow()).code;
      const id = await post(f.cookies.officer_a!, '/api/places', { gridCode: f.unitA, name: '搬迁网吧', type: 'small_internet_cafe' });
      await post(f.cookies.officer_a!, `/api/places/${id}/inspections`, { result: 'pass' });
      expect((await patch(f.cookies.officer_a!, `/api/places/${id}`, { gridCode: to })).statusCode).toBe(204);
      const inspections = await t.platform.db.primary.selectFrom('place_inspections').select('grid_code').where('place_id', '=', id).execute();
      expect(inspections.map((i) => i.grid_code)).toEqual([to]);
      expect((await t.request({ url: `/api/places/${id}`, cookie: f.cookies.officer_a! })).json().place.gridCode).toBe(to);
    });

    it('edits a component and its status in scope, audited', async () => {
      const id = await post(f.cookies.officer_a!, '/api/components', { gridCode: f.unitA, classCode: '0101', name: '污水井盖', lng: 113.01, lat: 28.1 });
      const url = `/api/components/${id}`;
      const edited = await patch(f.cookies.officer_a!, url, { status: 'damaged', ownerDepartment: 'water' });
      expect(edited.statusCode, edited.body).toBe(204);
      const listed = (await list(f.cookies.officer_a!, `/api/components?gridCode=${f.unitA}&classCode=0101`)).items.find((c) => c.id === id);
      expect(listed).toMatchObject({ status: 'damaged', ownerDepartment: 'water', name: '污水井盖' });
      const audit = await audits('component.update', id);
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]!.details)).toEqual({ fields: ['ownerDepartment', 'status'], status: { from: 'ok', to: 'damaged' } });

      // The statuses the table keeps, and nothing else.
      expect((await patch(f.cookies.officer_a!, url, { status: 'removed' })).statusCode).toBe(400);
      expect((await patch(f.cookies.officer_a!, url, { lat: 95 })).statusCode).toBe(400);
      expect((await patch(f.cookies.officer_a!, url, { status: 'missing', lng: 113.5, lat: 28.5 })).statusCode).toBe(204);
      expect((await patch(f.cookies.officer_b!, url, { status: 'ok' })).statusCode).toBe(404);
      expect((await patch(reader, url, { status: 'ok' })).statusCode).toBe(403);
      const row = await t.platform.db.primary.selectFrom('components').select(['status', 'lng', 'lat']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'missing', lng: 113.5, lat: 28.5 });
    });

    it('edits an organization in scope, re-validating the credit code, audited', async () => {
      const code = creditCode();
      const id = await post(f.cookies.officer_a!, '/api/organizations', { gridCode: f.unitA, name: '老字号', creditCode: code });
      const other = creditCode();
      await post(f.cookies.officer_a!, '/api/organizations', { gridCode: f.unitA, name: '隔壁店', creditCode: other });
      const url = `/api/organizations/${id}`;
      const next = creditCode();
      const edited = await patch(f.cookies.officer_a!, url, { name: '百年老字号', creditCode: ` ${next.toLowerCase()} `, legalPerson: '王掌柜' });
      expect(edited.statusCode, edited.body).toBe(204);
      const listed = (await list(f.cookies.officer_a!, `/api/organizations?gridCode=${f.unitA}`)).items.find((o) => o.id === id);
      // The code is stored as the create path stores it: normalized.
      expect(listed).toMatchObject({ name: '百年老字号', creditCode: next, legalPerson: '王掌柜' });
      const audit = await audits('organization.update', id);
      expect(audit).toHaveLength(1);
      expect(JSON.parse(audit[0]!.details)).toEqual({ fields: ['creditCode', 'legalPerson', 'name'] });

      // A bad code is refused the way registering refuses it: 400 with the rule broken, under the field.
      const bad = await patch(f.cookies.officer_a!, url, { creditCode: `${next.slice(0, 17)}${next[17] === 'A' ? 'B' : 'A'}` });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'CREDIT_CODE_CHECKSUM', details: { field: 'creditCode' } });
      expect((await patch(f.cookies.officer_a!, url, { creditCode: '9143' })).json().code).toBe('CREDIT_CODE_LENGTH');
      expect((await patch(f.cookies.officer_a!, url, { creditCode: other })).statusCode).toBe(409);
      // Its own code again is no conflict.
      expect((await patch(f.cookies.officer_a!, url, { creditCode: next })).statusCode).toBe(204);
      expect((await patch(f.cookies.officer_b!, url, { name: '改名' })).statusCode).toBe(404);
      expect((await patch(reader, url, { name: '改名' })).statusCode).toBe(403);
      expect((await list(f.cookies.officer_a!, `/api/organizations?gridCode=${f.unitA}`)).items.find((o) => o.id === id)).toMatchObject({ name: '百年老字号', creditCode: next });
    });

    it('keeps the editor on the primary after each edit', async () => {
      const me = (await t.request({ url: '/api/auth/me', cookie: f.cookies.officer_a! })).json().id as number;
      const place = await post(f.cookies.officer_a!, '/api/places', { gridCode: f.unitA, name: '读己所写', type: 'school' });
      const component = await post(f.cookies.officer_a!, '/api/components', { gridCode: f.unitA, classCode: '0103', name: '消防栓', lng: 113, lat: 28 });
      const organization = await post(f.cookies.officer_a!, '/api/organizations', { gridCode: f.unitA, name: '读己所写', creditCode: creditCode() });
      const noted = vi.spyOn(t.platform.db, 'noteWrite');
      try {
        for (const [url, body] of [
          [`/api/places/${place}`, { name: '读己所写小学' }],
          [`/api/components/${component}`, { status: 'damaged' }],
          [`/api/organizations/${organization}`, { address: '劳动路 9 号' }],
        ] as const) {
          noted.mockClear();
          expect((await patch(f.cookies.officer_a!, url, body)).statusCode).toBe(204);
          expect(noted, url).toHaveBeenCalledWith(me);
        }
      } finally {
        noted.mockRestore();
      }
    });
  });
});
