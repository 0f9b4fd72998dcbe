import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moveDueCases } from '../../src/modules/archive/move.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, gridHelper, userWith } from '../incidents/support.js';

/**
 * Archived cases stay findable: by code, by text and code search, with their
 * timeline and photos, read-only, within the caller's scope (a street
 * operator of the other street gets 404).
 */
describe.each(DIALECTS)('archived cases are still found (%s)', (dialect) => {
  let t: TestApp;
  let operator: string;
  let streetA: string;
  let streetB: string;
  const cases: Record<'a' | 'b' | 'open', { id: number; code: string }> = {} as never;
  let photo: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    operator = await t.login('operator');
    const grids = await gridHelper(t);
    const [sa, sb] = grids.streets;
    const unitA = grids.units.find((u) => u.startsWith(sa!))!;
    const unitB = grids.units.find((u) => u.startsWith(sb!))!;
    const pixels = Buffer.alloc(64 * 48 * 3, 7);
    const uploaded = await t.request({ method: 'POST', url: '/api/files', cookie: operator, body: await sharp(pixels, { raw: { width: 64, height: 48, channels: 3 } }).png().toBuffer(), headers: { 'content-type': 'image/png' } });
    expect(uploaded.statusCode, uploaded.body).toBe(201);
    photo = uploaded.json().hash;
    const report = async (unit: string, description: string, photos: string[] = []) => {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: operator,
        body: { channel: 'operator_phone', description, position: { ...grids.pointIn(unit), crs: 'wgs84' }, photos },
      });
      expect(res.statusCode, res.body).toBe(201);
      return { id: res.json().incident.id as number, code: res.json().incident.code as string };
    };
    cases.a = await report(unitA, '井盖缺失 存档甲', [photo]);
    cases.b = await report(unitB, '井盖缺失 存档乙');
    cases.open = await report(unitA, '井盖缺失 未结');
    for (const c of [cases.a, cases.b]) {
      const res = await act(t, operator, c.id, { type: 'reject', version: 1, reason: '重复上报' });
      expect(res.statusCode, res.body).toBe(200);
    }
    const moved = await moveDueCases(t.platform.db, t.platform.archive, { olderThanDays: 0, now: Date.now() + 1000 });
    expect(moved.moved).toBe(2);
    streetA = await userWith(t, 'street_a_archive', 'street_operator', sa!);
    streetB = await userWith(t, 'street_b_archive', 'street_operator', sb!);
  });
  afterAll(async () => t?.close());

  it('the case page by code shows the archived case with its timeline, and the business routes no longer have it', async () => {
    const res = await t.request({ url: `/api/archive/incidents/${cases.a.code}`, cookie: operator });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.archived).toBe(true);
    expect(body.incident).toMatchObject({ code: cases.a.code, status: 'rejected', description: '井盖缺失 存档甲', photos: [photo] });
    expect(body.incident.streetName).toBeTruthy();
    expect(body.timeline.map((e: { action: string }) => e.action)).toEqual(['report', 'reject']);
    expect(body.timeline[0].actorName).toBe('受理员 王芳');
    expect((await t.request({ url: `/api/incidents/${cases.a.id}`, cookie: operator })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/archive/incidents/20990101999999', cookie: operator })).statusCode).toBe(404);
    expect((await t.request({ url: '/api/archive/incidents/not-a-code', cookie: operator })).statusCode).toBe(400);
  });

  it('its photos stay viewable to those who may see it, and only to them', async () => {
    expect((await t.request({ url: `/api/files/${photo}`, cookie: streetA })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/files/${photo}/thumbnail`, cookie: streetA })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/files/${photo}`, cookie: streetB })).statusCode).toBe(404);
  });

  it('scope still applies: a street operator sees only the own street\'s archived cases (404 otherwise)', async () => {
    expect((await t.request({ url: `/api/archive/incidents/${cases.a.code}`, cookie: streetA })).statusCode).toBe(200);
    expect((await t.request({ url: `/api/archive/incidents/${cases.b.code}`, cookie: streetA })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/archive/incidents/${cases.b.code}`, cookie: streetB })).statusCode).toBe(200);
    const search = await t.request({ url: `/api/archive/incidents?q=${encodeURIComponent('井盖')}`, cookie: streetA });
    expect(search.json().items.map((i: { code: string }) => i.code)).toEqual([cases.a.code]);
  });

  it('text search and code search find archived cases; open ones stay in the business search', async () => {
    const text = await t.request({ url: `/api/archive/incidents?q=${encodeURIComponent('井盖缺失')}`, cookie: operator });
    expect(text.statusCode, text.body).toBe(200);
    expect(text.json().items.map((i: { code: string }) => i.code).sort()).toEqual([cases.a.code, cases.b.code].sort());
    expect(text.json().items.every((i: { archived: boolean }) => i.archived)).toBe(true);
    const one = await t.request({ url: `/api/archive/incidents?q=${encodeURIComponent('存档乙')}`, cookie: operator });
    expect(one.json().items.map((i: { code: string }) => i.code)).toEqual([cases.b.code]);
    const code = await t.request({ url: `/api/archive/incidents?q=${cases.a.code}`, cookie: operator });
    expect(code.json().items.map((i: { code: string }) => i.code)).toEqual([cases.a.code]);
    const none = await t.request({ url: `/api/archive/incidents?q=${encodeURIComponent('路灯')}`, cookie: operator });
    expect(none.json().items).toEqual([]);
    const business = await t.request({ url: `/api/incidents?q=${encodeURIComponent('井盖缺失')}`, cookie: operator });
    expect(business.json().items.map((i: { code: string }) => i.code)).toEqual([cases.open.code]);
    const page = await t.request({ url: '/api/archive/incidents?pageSize=1', cookie: operator });
    expect(page.json()).toMatchObject({ more: true, truncated: false });
    expect(page.json().items).toHaveLength(1);
  });
});
