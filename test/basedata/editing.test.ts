import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { nextIdNumber, setUpBasedata, type BasedataFixture } from './support.js';

/**
 * Correcting buildings, dwellings and households from the console: in the
 * caller's scope, duplicates refused on the field, dwelling addresses follow
 * the building's, every change audited with the fields it touched.
 */
describe.each(DIALECTS)('base data editing on %s', (dialect) => {
  let t: TestApp;
  let f: BasedataFixture;
  let officer: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpBasedata(t);
    officer = f.cookies.officer_a!;
  }, 120_000);
  afterAll(async () => t?.close());

  const post = async (url: string, body: Record<string, unknown>, cookie = officer) => {
    const res = await t.request({ method: 'POST', url, cookie, body });
    expect(res.statusCode, `${url} ${res.body}`).toBe(201);
    return res.json().id as number;
  };
  const patch = (url: string, body: Record<string, unknown>, cookie = officer) => t.request({ method: 'PATCH', url, cookie, body });
  const get = async (url: string) => {
    const res = await t.request({ url, cookie: officer });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const audits = (action: string, id: number) => t.platform.db.primary.selectFrom('audit_log').select(['username', 'details'])
    .where('action', '=', action).where('object_id', '=', String(id)).execute();

  it('edits a building; its dwellings take the new address', async () => {
    const building = await post('/api/buildings', { gridCode: f.unitA, name: '编辑楼1', address: '湘江路1号', entrances: ['1单元'] });
    const dwelling = await post('/api/dwellings', { buildingId: building, entrance: '1单元', roomNo: '101' });
    const res = await patch(`/api/buildings/${building}`, { name: '编辑楼1号', address: '湘江路2号', floors: 6, lng: 112.9, lat: 28.2 });
    expect(res.statusCode, res.body).toBe(204);
    const view = await get(`/api/buildings/${building}`);
    expect(view.building).toMatchObject({ name: '编辑楼1号', address: '湘江路2号', floors: 6, lng: 112.9, lat: 28.2 });
    expect((await get(`/api/dwellings/${dwelling}`)).dwelling.address).toBe('湘江路2号1单元101');
    const audit = await audits('building.update', building);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.username).toBe('officer_a');
    expect(JSON.stringify(audit[0]!.details)).toContain('address');
  });

  it('refuses a duplicate building name, one coordinate alone, and buildings out of scope', async () => {
    await post('/api/buildings', { gridCode: f.unitA, name: '编辑楼2', address: '湘江路3号' });
    const other = await post('/api/buildings', { gridCode: f.unitA, name: '编辑楼3', address: '湘江路4号' });
    const dup = await patch(`/api/buildings/${other}`, { name: '编辑楼2' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'BUILDING_EXISTS', details: { field: 'name' } });
    const half = await patch(`/api/buildings/${other}`, { lng: 112.9 });
    expect(half.statusCode).toBe(400);
    expect(half.json().code).toBe('BASEDATA_POSITION_INCOMPLETE');
    const blank = await patch(`/api/buildings/${other}`, { name: '  ' });
    expect(blank.statusCode).toBe(400);
    expect((await patch(`/api/buildings/${other}`, { name: '别人的楼' }, f.cookies.officer_b!)).statusCode).toBe(404);
    expect((await get(`/api/buildings/${other}`)).building.name).toBe('编辑楼3');
    expect(await audits('building.update', other)).toHaveLength(0);
  });

  it('edits a dwelling: room number (address follows), area, use, ownership; a taken room is refused', async () => {
    const building = await post('/api/buildings', { gridCode: f.unitA, name: '编辑楼4', address: '岳麓大道5号' });
    const dwelling = await post('/api/dwellings', { buildingId: building, roomNo: '201' });
    await post('/api/dwellings', { buildingId: building, roomNo: '202' });
    const res = await patch(`/api/dwellings/${dwelling}`, { roomNo: '203', area: 88.5, use: 'mixed', ownership: 'rental' });
    expect(res.statusCode, res.body).toBe(204);
    expect((await get(`/api/dwellings/${dwelling}`)).dwelling).toMatchObject({ roomNo: '203', address: '岳麓大道5号203', area: 88.5, use: 'mixed', ownership: 'rental' });
    const taken = await patch(`/api/dwellings/${dwelling}`, { roomNo: '202' });
    expect(taken.statusCode).toBe(409);
    expect(taken.json()).toMatchObject({ code: 'DWELLING_EXISTS', details: { field: 'roomNo' } });
    expect((await patch(`/api/dwellings/${dwelling}`, { use: 'castle' })).statusCode).toBe(400);
    expect((await patch(`/api/dwellings/${dwelling}`, { area: 10 }, f.cookies.officer_b!)).statusCode).toBe(404);
    const audit = await audits('dwelling.update', dwelling);
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).toContain('roomNo');
  });

  it('edits a household: number, dwelling and head among its members', async () => {
    const building = await post('/api/buildings', { gridCode: f.unitA, name: '编辑楼5', address: '银盆路6号' });
    const d1 = await post('/api/dwellings', { buildingId: building, roomNo: '301' });
    const d2 = await post('/api/dwellings', { buildingId: building, roomNo: '302' });
    const household = await post('/api/households', { householdNo: 'EDIT-H1', gridCode: f.unitA, dwellingId: d1 });
    await post('/api/households', { householdNo: 'EDIT-H2', gridCode: f.unitA });
    const member = await post('/api/residents', { gridCode: f.unitA, name: '王编辑', idNumber: nextIdNumber(), population: 'registered', householdId: household, relation: '配偶' });
    const stranger = await post('/api/residents', { gridCode: f.unitA, name: '李路人', idNumber: nextIdNumber(), population: 'registered' });
    const res = await patch(`/api/households/${household}`, { householdNo: 'EDIT-H1A', dwellingId: d2, headResidentId: member });
    expect(res.statusCode, res.body).toBe(204);
    expect((await get(`/api/households/${household}`)).household).toMatchObject({ householdNo: 'EDIT-H1A', dwellingId: d2, headResidentId: member });
    const dup = await patch(`/api/households/${household}`, { householdNo: 'EDIT-H2' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ code: 'HOUSEHOLD_EXISTS', details: { field: 'householdNo' } });
    const head = await patch(`/api/households/${household}`, { headResidentId: stranger });
    expect(head.statusCode).toBe(422);
    expect(head.json().code).toBe('HOUSEHOLD_HEAD_NOT_MEMBER');
    const foreignBuilding = await post('/api/buildings', { gridCode: f.unitB, name: '外街楼', address: '外街1号' }, f.cookies.officer_b!);
    const foreign = await post('/api/dwellings', { buildingId: foreignBuilding, roomNo: '1' }, f.cookies.officer_b!);
    expect((await patch(`/api/households/${household}`, { dwellingId: foreign })).statusCode).toBe(404);
    expect((await get(`/api/households/${household}`)).household.dwellingId).toBe(d2);
    expect(await audits('household.update', household)).toHaveLength(1);
  });

  it('refuses a resident with a bad ID number on the field, in Chinese by default', async () => {
    const res = await t.request({ method: 'POST', url: '/api/residents', cookie: officer, body: { gridCode: f.unitA, name: '赵错号', idNumber: '430111198001011234', population: 'registered' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ID_CHECKSUM', details: { field: 'idNumber' } });
    expect(res.json().message).toContain('身份证号');
  });
});
