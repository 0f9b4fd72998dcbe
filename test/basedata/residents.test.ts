import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

describe.each(DIALECTS)('residents on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  let residentA: number;
  let residentB: number;
  const idA = nextIdNumber('19850315', 'female');
  const idB = nextIdNumber('19700101', 'male');

  const create = (cookie: string, body: Record<string, unknown>) => t.request({ method: 'POST', url: '/api/residents', cookie, body });

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
    const a = await create(f.cookies.officer_a!, { gridCode: f.unitA, name: '张三丰', idNumber: idA, phone: '138 1234 5678', population: 'registered', tags: ['elderly_alone', 'low_income'] });
    expect(a.statusCode, a.body).toBe(201);
    residentA = a.json().id;
    const b = await create(f.cookies.officer_b!, { gridCode: f.unitB, name: '李四', idNumber: idB, phone: '13900001111', population: 'floating' });
    expect(b.statusCode, b.body).toBe(201);
    residentB = b.json().id;
  }, 120_000);
  afterAll(async () => t?.close());

  it('validates ID numbers and credit codes at the API edge', async () => {
    const bad = idA.slice(0, 17) + (idA[17] === '0' ? '1' : '0');
    const r1 = await create(f.cookies.officer_a!, { gridCode: f.unitA, name: '王五', idNumber: bad, population: 'registered' });
    expect(r1.statusCode).toBe(400);
    expect(r1.json().code).toBe('ID_CHECKSUM');
    expect(r1.body).not.toContain(bad);
    const r2 = await create(f.cookies.officer_a!, { gridCode: f.unitA, name: '王五', idNumber: '43011119800230001X', population: 'registered' });
    expect(r2.json().code).toBe('ID_BIRTH_DATE');
    const r3 = await create(f.cookies.officer_a!, { gridCode: f.unitA, name: '王五', idNumber: nextIdNumber(), phone: '12345', population: 'registered' });
    expect(r3.json().code).toBe('PHONE_INVALID');
    const dup = await create(f.cookies.officer_a!, { gridCode: f.unitA, name: '张三丰', idNumber: idA.toLowerCase(), population: 'registered' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('RESIDENT_EXISTS');
    const unknownGrid = await create(f.cookies.officer_a!, { gridCode: '430111999999999', name: '王五', idNumber: nextIdNumber(), population: 'registered' });
    expect(unknownGrid.statusCode).toBe(422);
    const outside = await create(f.cookies.officer_a!, { gridCode: f.unitB, name: '王五', idNumber: nextIdNumber(), population: 'registered' });
    expect(outside.statusCode).toBe(403);

    const org = (creditCode: string) => t.request({ method: 'POST', url: '/api/organizations', cookie: f.cookies.officer_a!, body: { gridCode: f.unitA, name: '全聚德', creditCode } });
    expect((await org('91110000101623741K')).statusCode).toBe(201);
    const badOrg = await org('91110000101623741A');
    expect(badOrg.statusCode).toBe(400);
    expect(badOrg.json().code).toBe('CREDIT_CODE_CHECKSUM');
    expect((await org('9111000010162374')).json().code).toBe('CREDIT_CODE_LENGTH');
    expect((await org('91110000101623741k')).statusCode).toBe(409);
  });

  it('stores ID numbers and phones encrypted, with blind indexes', async () => {
    const row = await t.platform.db.primary.selectFrom('residents').selectAll().where('id', '=', residentA).executeTakeFirstOrThrow();
    expect(row.id_cipher.startsWith('v1.a256gcm.')).toBe(true);
    expect(row.id_cipher).not.toContain(idA);
    expect(row.phone_cipher).not.toContain('13812345678');
    expect(row.id_bidx).toMatch(/^[0-9a-f]{64}$/);
    expect(row.birth_date).toBe('1985-03-15');
    expect(row.sex).toBe('female');
    expect(row.name_initials).toBe('zsf');
  });

  it('shows masked values in lists and the detail', async () => {
    const list = await t.request({ url: '/api/residents?q=张', cookie: f.cookies.officer_a! });
    expect(list.statusCode).toBe(200);
    const item = list.json().items.find((r: { id: number }) => r.id === residentA);
    expect(item.idNumber).toBe(`${idA.slice(0, 6)}********${idA.slice(14)}`);
    expect(item.phone).toBe('138****5678');
    expect(item.tags).toEqual(['elderly_alone', 'low_income']);
    expect(list.body).not.toContain(idA);
    expect(list.body).not.toContain('13812345678');
    const detail = await t.request({ url: `/api/residents/${residentA}`, cookie: f.cookies.worker_a! });
    expect(detail.statusCode).toBe(200);
    expect(detail.json().resident.idNumber).toContain('****');
  });

  it('unmasks only with residents.unmask and a reason, and audits it', async () => {
    const denied = await t.request({ method: 'POST', url: `/api/residents/${residentA}/unmask`, cookie: f.cookies.worker_a!, body: { reason: '核实身份' } });
    expect(denied.statusCode).toBe(403);
    const noReason = await t.request({ method: 'POST', url: `/api/residents/${residentA}/unmask`, cookie: f.cookies.officer_a!, body: { reason: ' ' } });
    expect(noReason.statusCode).toBe(400);
    const ok = await t.request({ method: 'POST', url: `/api/residents/${residentA}/unmask`, cookie: f.cookies.officer_a!, body: { reason: '核实身份' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ idNumber: idA, phone: '13812345678' });
    const audit = await t.platform.db.primary.selectFrom('audit_log').selectAll().where('action', '=', 'resident.unmask').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.object_id).toBe(String(residentA));
    expect(audit[0]!.username).toBe('officer_a');
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ reason: '核实身份' });
    expect(audit[0]!.details).not.toContain(idA);
  });

  it('filters by scope: a street A user gets 404 for a street B resident', async () => {
    for (const req of [
      { url: `/api/residents/${residentB}` },
      { method: 'POST', url: `/api/residents/${residentB}/unmask`, body: { reason: '核实身份' } },
      { method: 'PATCH', url: `/api/residents/${residentB}`, body: { version: 1, name: 'x' } },
    ]) {
      const res = await t.request({ ...req, cookie: f.cookies.officer_a! });
      expect(res.statusCode, req.url).toBe(404);
    }
    const list = await t.request({ method: 'POST', url: '/api/residents/search', cookie: f.cookies.officer_a!, body: { idNumber: idB } });
    expect(list.json().items).toHaveLength(0);
    const own = await t.request({ method: 'POST', url: '/api/residents/search', cookie: f.cookies.officer_b!, body: { idNumber: idB } });
    expect(own.json().items.map((r: { id: number }) => r.id)).toEqual([residentB]);
  });

  it('finds residents by exact ID number and phone, name and pinyin initials, tag', async () => {
    const q = async (query: string) => (await t.request({ url: `/api/residents?${query}`, cookie: f.cookies.officer_a! })).json();
    const post = async (body: Record<string, unknown>) => (await t.request({ method: 'POST', url: '/api/residents/search', cookie: f.cookies.officer_a!, body })).json();
    expect((await post({ idNumber: idA.toLowerCase() })).items.map((r: { id: number }) => r.id)).toEqual([residentA]);
    expect((await post({ phone: '+86 138-1234-5678' })).items.map((r: { id: number }) => r.id)).toEqual([residentA]);
    expect((await post({ phone: '13812345679' })).items).toHaveLength(0);
    // Not in a query string, where it would reach the access log.
    expect((await t.request({ url: `/api/residents?idNumber=${idA}`, cookie: f.cookies.officer_a! })).statusCode).toBe(400);
    expect((await q(`q=${encodeURIComponent('张三')}`)).items.map((r: { id: number }) => r.id)).toEqual([residentA]);
    expect((await q('q=ZS')).items.map((r: { id: number }) => r.id)).toEqual([residentA]);
    expect((await q('tag=elderly_alone')).items.map((r: { id: number }) => r.id)).toEqual([residentA]);
    expect((await q('tag=veteran')).items).toHaveLength(0);
    const bad = await t.request({ method: 'POST', url: '/api/residents/search', cookie: f.cookies.officer_a!, body: { idNumber: '123' } });
    expect(bad.statusCode).toBe(400);
  });

  it('keeps the history of moves and answers the dwelling, building and household views', async () => {
    const cookie = f.cookies.officer_a!;
    const b = await t.request({ method: 'POST', url: '/api/buildings', cookie, body: { gridCode: f.unitA, name: '1栋', address: '劳动路 1 号 1栋', entrances: ['1单元'] } });
    expect(b.statusCode, b.body).toBe(201);
    const d1 = (await t.request({ method: 'POST', url: '/api/dwellings', cookie, body: { buildingId: b.json().id, entrance: '1单元', roomNo: '101' } })).json().id;
    const d2 = (await t.request({ method: 'POST', url: '/api/dwellings', cookie, body: { buildingId: b.json().id, entrance: '1单元', roomNo: '202', area: 88.5 } })).json().id;
    const move = (dwellingId: number, date: string) => t.request({ method: 'POST', url: `/api/residents/${residentA}/move-in`, cookie, body: { dwellingId, relation: 'owner', date } });
    expect((await move(d1, '2020-01-01')).statusCode).toBe(204);
    expect((await move(d2, '2023-06-01')).statusCode).toBe(204);
    expect((await move(d1, '2022-01-01')).statusCode).toBe(422);
    const v1 = (await t.request({ url: `/api/dwellings/${d1}`, cookie })).json();
    expect(v1.current).toHaveLength(0);
    expect(v1.history).toHaveLength(1);
    expect(v1.history[0]).toMatchObject({ fromDate: '2020-01-01', toDate: '2023-06-01', relation: 'owner' });
    expect(v1.history[0].resident.id).toBe(residentA);
    const v2 = (await t.request({ url: `/api/dwellings/${d2}`, cookie })).json();
    expect(v2.current.map((l: { resident: { id: number } }) => l.resident.id)).toEqual([residentA]);
    const detail = (await t.request({ url: `/api/residents/${residentA}`, cookie })).json();
    expect(detail.dwellings.map((l: { toDate: string | null }) => l.toDate)).toEqual([null, '2023-06-01']);
    const building = (await t.request({ url: `/api/buildings/${b.json().id}`, cookie })).json();
    expect(building.dwellings.find((d: { id: number }) => d.id === d2).occupants.map((o: { id: number }) => o.id)).toEqual([residentA]);
    expect((await t.request({ url: `/api/residents?buildingId=${b.json().id}`, cookie })).json().items.map((r: { id: number }) => r.id)).toEqual([residentA]);
    expect((await t.request({ url: `/api/residents?address=${encodeURIComponent('劳动路')}`, cookie })).json().items.map((r: { id: number }) => r.id)).toEqual([residentA]);
    expect((await t.request({ method: 'POST', url: `/api/residents/${residentA}/move-out`, cookie, body: { date: '2024-02-30' } })).statusCode).toBe(400);
    expect((await t.request({ method: 'POST', url: `/api/residents/${residentA}/move-out`, cookie, body: { date: '2024-03-01' } })).statusCode).toBe(204);
    expect((await t.request({ url: `/api/dwellings/${d2}`, cookie })).json().current).toHaveLength(0);

    const h = await t.request({ method: 'POST', url: '/api/households', cookie, body: { householdNo: 'H-0001', gridCode: f.unitA, dwellingId: d2 } });
    expect(h.statusCode).toBe(201);
    const member = await create(cookie, { gridCode: f.unitA, name: '张小明', idNumber: nextIdNumber('20150101'), population: 'registered', householdId: h.json().id, relation: '户主', tags: ['left_behind_child'] });
    expect(member.statusCode).toBe(201);
    const hv = (await t.request({ url: `/api/households/${h.json().id}`, cookie })).json();
    expect(hv.household.headResidentId).toBe(member.json().id);
    expect(hv.members).toHaveLength(1);
    const visit = await t.request({ method: 'POST', url: `/api/households/${h.json().id}/visits`, cookie, body: { summary: '入户走访', finding: '楼道堆放杂物', createIncident: true } });
    expect(visit.statusCode, visit.body).toBe(201);
    expect(visit.json().incidentId !== null || visit.json().pendingIncident).toBe(true);
    const summary = (await t.request({ url: `/api/basedata/grid-summary?gridCode=${f.streetA}`, cookie })).json();
    expect(summary.byTag).toMatchObject({ elderly_alone: 1, left_behind_child: 1 });
    expect(summary.buildings).toBe(1);
    expect((await t.request({ url: `/api/basedata/grid-summary?gridCode=${f.streetB}`, cookie })).statusCode).toBe(404);
  });

  it('exports with residents.export only, audited with the row count', async () => {
    expect((await t.request({ url: '/api/residents/export', cookie: f.cookies.worker_a! })).statusCode).toBe(403);
    const res = await t.request({ url: '/api/residents/export', cookie: f.cookies.officer_a! });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(idA);
    expect(res.body).not.toContain(idB);
    const lines = res.body.trim().split('\r\n');
    const audit = await t.platform.db.primary.selectFrom('audit_log').select('details').where('action', '=', 'resident.export').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details).rows).toBe(lines.length - 1);
  });

  it('keeps places with inspections and components in scope', async () => {
    const cookie = f.cookies.officer_a!;
    const place = await t.request({ method: 'POST', url: '/api/places', cookie, body: { gridCode: f.unitA, name: '红星小吃店', type: 'small_restaurant', address: '劳动路 3 号' } });
    expect(place.statusCode, place.body).toBe(201);
    expect((await t.request({ method: 'POST', url: `/api/places/${place.json().id}/inspections`, cookie, body: { result: 'issues', notes: '灭火器过期' } })).statusCode).toBe(201);
    expect((await t.request({ method: 'POST', url: `/api/places/${place.json().id}/inspections`, cookie: f.cookies.officer_b!, body: { result: 'pass' } })).statusCode).toBe(404);
    const places = (await t.request({ url: '/api/places?type=small_restaurant', cookie })).json();
    expect(places.items).toHaveLength(1);
    expect(places.items[0].lastInspectedAt).not.toBeNull();
    expect((await t.request({ url: '/api/places', cookie: f.cookies.officer_b! })).json()).toEqual({ items: [], total: 0, totalCapped: false });
    const component = await t.request({ method: 'POST', url: '/api/components', cookie, body: { gridCode: f.unitA, classCode: '0101', name: '井盖', lng: 113.01, lat: 28.1 } });
    expect(component.statusCode).toBe(201);
    expect((await t.request({ url: '/api/components?classCode=0101', cookie })).json().items).toHaveLength(1);
    expect((await t.request({ method: 'POST', url: '/api/components', cookie, body: { gridCode: f.unitB, classCode: '0101', name: '井盖', lng: 113.01, lat: 28.1 } })).statusCode).toBe(403);
  });

  it('keeps key persons behind keypersons.read', async () => {
    const set = await t.request({ method: 'PUT', url: `/api/residents/${residentA}/key-person`, cookie: f.cookies.officer_a!, body: { category: '社区矫正', level: 'medium' } });
    expect(set.statusCode).toBe(200);
    expect((await t.request({ url: '/api/key-persons', cookie: f.cookies.worker_a! })).statusCode).toBe(403);
    expect((await t.request({ url: '/api/key-persons', cookie: f.cookies.officer_a! })).json()).toMatchObject({ total: 1, totalCapped: false });
    expect((await t.request({ url: '/api/key-persons', cookie: f.cookies.officer_b! })).json().items).toHaveLength(0);
    expect((await t.request({ url: `/api/residents/${residentA}`, cookie: f.cookies.worker_a! })).json().keyPerson).toBeUndefined();
  });

  it('answers the share API with an API key, within its scope, audited', async () => {
    const client = await t.request({ method: 'POST', url: '/api/clients', cookie: f.cookies.admin!, body: { name: '人社局', scopes: ['share.residents.verify'], scopeCode: f.streetA, fields: ['found', 'community'], ratePerMinute: 3 } });
    expect(client.statusCode).toBe(201);
    const key = client.json().apiKey as string;
    const verify = (k: string | undefined) => t.request({ method: 'POST', url: '/api/share/residents/verify', headers: k ? { 'x-api-key': k } : {}, body: { idNumbers: [idA, idB, '123'] } });
    expect((await verify(undefined)).statusCode).toBe(401);
    expect((await verify(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`)).statusCode).toBe(401);
    const ok = await verify(key);
    expect(ok.statusCode).toBe(200);
    const [a, b, bad] = ok.json().results;
    expect(a).toMatchObject({ found: true, valid: true, community: { code: f.unitA.slice(0, 12) } });
    expect(Object.keys(a).sort()).toEqual(['community', 'found', 'idNumber', 'valid']);
    expect(b).toMatchObject({ found: false, community: null });
    expect(bad).toMatchObject({ valid: false, found: false });
    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['username', 'details']).where('action', '=', 'share.verify').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details)).toEqual({ count: 3, found: 1 });
    expect(audit[0]!.details).not.toContain(idA);
    await verify(key);
    await verify(key);
    expect((await verify(key)).statusCode).toBe(429);
  });
});
