/**
 * The case exchange export (docs/exchange.md) over HTTP on both databases:
 * a case walked through the loop comes out with its stage and step times as
 * GeoJSON, JSON and CSV, without the reporter's personal data, and only in
 * the caller's scope.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

describe.each(DIALECTS)('case exchange export on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let closedCode: string;
  let openCode: string;
  let workerGrid: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'worker', 'street', 'leader']) c[u] = await t.login(u);
    const grids = await gridHelper(t);
    workerGrid = await scopeOf(t, 'worker');
    const report = async (gridCode: string) => {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: c.operator!,
        body: { channel: 'operator_phone', description: '交换测试：井盖破损', position: { ...grids.pointIn(gridCode), crs: 'wgs84' }, reporter: { name: '张三丰', phone: '13812345678' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().incident as { id: number; code: string };
    };
    const closed = await report(workerGrid);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#7a3' } }).png().toBuffer();
    const photo = (await t.request({ method: 'POST', url: '/api/files', cookie: c.handler!, body: png, headers: { 'content-type': 'image/png' } })).json().hash as string;
    const steps: [string, Record<string, unknown>][] = [
      ['operator', { type: 'register', categoryCode: D01_CATEGORY.code }],
      ['dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' }],
      ['handler', { type: 'start-handling' }],
      ['handler', { type: 'reply', result: '已更换井盖', photos: [photo] }],
      ['worker', { type: 'verify-pass', note: '现场核查通过' }],
      ['operator', { type: 'close' }],
    ];
    for (const [user, body] of steps) {
      const res = await act(t, c[user]!, closed.id, body);
      expect(res.statusCode, `${String(body.type)}: ${res.body}`).toBe(200);
    }
    closedCode = closed.code;
    // A case of another street, left at intake.
    const otherStreet = grids.units.find((u) => !u.startsWith(workerGrid.slice(0, 9)))!;
    openCode = (await report(otherStreet)).code;
  }, 120_000);
  afterAll(async () => t?.close());

  const exported = (format: string, cookie = c.leader!, query = 'q=交换测试') => t.request({ url: `/api/exchange/cases?format=${format}&${query}`, cookie });

  it('exports GeoJSON features with the stage, step times and codes', async () => {
    const res = await exported('geojson');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('application/geo+json');
    const fc = res.json() as { type: string; features: { id: string; geometry: { type: string; coordinates: number[] } | null; properties: Record<string, unknown> }[] };
    expect(fc.type).toBe('FeatureCollection');
    const closed = fc.features.find((f) => f.id === closedCode)!;
    expect(closed.geometry?.type).toBe('Point');
    expect(closed.properties).toMatchObject({
      code: closedCode, stage: 'verify_close', stageName: '核查结案', outcome: 'closed', outcomeName: '已结案',
      minorCode: D01_CATEGORY.code, majorCode: D01_CATEGORY.code.slice(0, 2), caseType: D01_CATEGORY.type, leadDepartmentCode: 'D01', gridCode: workerGrid,
    });
    const times = ['reportedAt', 'registeredAt', 'dispatchedAt', 'repliedAt', 'verifiedAt', 'closedAt'].map((k) => Date.parse(closed.properties[k] as string));
    expect(times.every((x) => Number.isFinite(x))).toBe(true);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const open = fc.features.find((f) => f.id === openCode)!;
    expect(open.properties).toMatchObject({ stage: 'collect', stageName: '信息收集', outcome: 'open', registeredAt: null, closedAt: null });
    // No personal data: the reporter's name and phone never leave.
    expect(res.body).not.toContain('张三丰');
    expect(res.body).not.toContain('13812345678');
  });

  it('exports the same records as JSON and as CSV', async () => {
    const json = (await exported('json')).json() as { schema: string; cases: { code: string; stage: string }[] };
    expect(json.schema).toBe('civicgrid.case/1');
    expect(json.cases.map((x) => x.code).sort()).toEqual([closedCode, openCode].sort());
    const csv = await exported('csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]!.split(',')[0]).toBe('code/案件编号');
    expect(lines).toHaveLength(3);
    const row = lines.find((l) => l.startsWith(closedCode))!.split(',');
    const header = lines[0]!.split(',').map((h) => h.split('/')[0]);
    expect(row[header.indexOf('stageName')]).toBe('核查结案');
    expect(row[header.indexOf('leadDepartmentCode')]).toBe('D01');
  });

  it("answers only the caller's scope", async () => {
    const street = (await exported('json', c.street!)).json() as { cases: { code: string; streetCode: string }[] };
    const streetScope = await scopeOf(t, 'street');
    expect(street.cases.every((x) => x.streetCode.startsWith(streetScope) || x.streetCode === streetScope)).toBe(true);
    expect(street.cases.some((x) => x.code === openCode) && street.cases.some((x) => x.code === closedCode)).toBe(false);
    expect((await exported('geojson', c.worker!)).statusCode).toBe(200);
    expect((await exported('xml')).statusCode).toBe(400);
    expect((await t.request({ url: '/api/exchange/cases' })).statusCode).toBe(401);
  });
});
