import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findHotSpots } from '../../src/modules/command/hotspots.js';
import { gatherContent } from '../../src/modules/reports/content.js';
import { periodContaining, shanghaiDay } from '../../src/modules/reports/rules/periods.js';
import { reportWorkbook } from '../../src/modules/reports/xlsx.js';
import ExcelJS from 'exceljs';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { D01_CATEGORY, gridHelper, userWith } from '../incidents/support.js';

/**
 * Hot spots (issue 17 item 6): three cases of one minor category a few metres
 * apart make a hot spot, listed with its cases in the caller's scope only,
 * found by findHotSpots for other modules, and in the weekly review.
 */
describe.each(DIALECTS)('hot spots on %s', (dialect) => {
  let t: TestApp;
  let operator: string;
  let streetA: string;
  let otherStreet: string;
  let streetCode: string;
  const ids: number[] = [];
  let point: { lng: number; lat: number };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    operator = await t.login('operator');
    const grids = await gridHelper(t);
    const [a, b] = grids.streets as [string, string];
    streetCode = a;
    const unit = grids.units.find((u) => u.startsWith(a))!;
    point = grids.pointIn(unit);
    streetA = await userWith(t, 'hot_a', 'street_operator', a);
    otherStreet = await userWith(t, 'hot_b', 'street_operator', b);
    for (let i = 0; i < 3; i++) {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: operator,
        body: { channel: 'operator_phone', description: `同一处反复发生 ${i}`, categoryCode: D01_CATEGORY.code, address: '劳动路 8 号',
          position: { lng: point.lng + i * 0.0003, lat: point.lat, crs: 'wgs84' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().incident.id as number);
    }
  });
  afterAll(async () => t?.close());

  const ours = (items: { cases: { id: number }[] }[]) => items.find((h) => h.cases.some((c) => ids.includes(c.id)));

  it('lists the cluster with its cases to a user of its street, and not to another street', async () => {
    const res = await t.request({ url: '/api/command/hotspots?minCases=3&radiusM=50&days=1', cookie: streetA });
    expect(res.statusCode, res.body).toBe(200);
    const spot = ours(res.json().items);
    expect(spot).toBeDefined();
    expect(spot).toMatchObject({ categoryCode: D01_CATEGORY.code, categoryName: D01_CATEGORY.nameZh });
    expect(spot!.cases.map((c) => c.id).sort()).toEqual([...ids].sort());
    const other = await t.request({ url: '/api/command/hotspots?minCases=3&radiusM=50&days=1', cookie: otherStreet });
    expect(other.statusCode).toBe(200);
    expect(ours(other.json().items)).toBeUndefined();
    // A radius smaller than the spacing (about 29 m) breaks it up.
    expect(ours((await t.request({ url: '/api/command/hotspots?minCases=3&radiusM=20&days=1', cookie: streetA })).json().items)).toBeUndefined();
    const bad = await t.request({ url: '/api/command/hotspots?minCases=1', cookie: streetA });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
  });

  it('answers findHotSpots for another module, and the weekly review lists the spot', async () => {
    const now = Date.now();
    const found = await findHotSpots(t.platform.db, [{ kind: 'grid', code: streetCode }], { minCases: 3, radiusM: 50, days: 1 }, now + 1000);
    expect(ours(found.items)).toBeDefined();

    const period = periodContaining('weekly', shanghaiDay(now));
    const district = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
    const content = await gatherContent(t.platform.evaluation, t.platform.db, { kind: 'weekly', period, scopeCode: district, now }, async () => undefined);
    expect(content.hotSpots).not.toBeNull();
    const codes = (await t.platform.db.primary.selectFrom('incidents').select('code').where('id', 'in', ids).execute()).map((r) => r.code);
    const row = content.hotSpots!.rows.find((r) => codes.every((c) => r.codes.includes(c)));
    expect(row).toMatchObject({ category: D01_CATEGORY.nameZh, address: '劳动路 8 号' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportWorkbook(content)) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('高发点位')!;
    const cells: string[] = [];
    sheet.eachRow((r) => cells.push(String(r.getCell(9).value ?? '')));
    expect(cells.some((v) => codes.every((c) => v.includes(c)))).toBe(true);
    const monthly = await gatherContent(t.platform.evaluation, t.platform.db, { kind: 'monthly', period: periodContaining('monthly', shanghaiDay(now)), scopeCode: district, now }, async () => undefined);
    expect(monthly.hotSpots).toBeNull();
  });
});
