import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from '../../src/modules/grid/rules/coords.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from './support.js';

/** Intake: idempotent create, grid from the locator, duplicates nearby, search and export. */
describe.each(DIALECTS)('incident intake on %s', (dialect) => {
  let t: TestApp;
  let operator: string;
  let worker: string;
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let workerGrid: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    operator = await t.login('operator');
    worker = await t.login('worker');
    grids = await gridHelper(t);
    workerGrid = await scopeOf(t, 'worker');
  });
  afterAll(async () => t?.close());

  const count = async () => Number((await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('replays a retried create with the same key and creates nothing new', async () => {
    const body = { channel: 'grid_worker', description: '路灯不亮', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' }, categoryCode: D01_CATEGORY.code };
    const headers = { 'idempotency-key': 'retry-key-0001' };
    const first = await t.request({ method: 'POST', url: '/api/incidents', cookie: worker, body, headers });
    expect(first.statusCode, first.body).toBe(201);
    const n = await count();
    const events = Number((await t.platform.db.primary.selectFrom('incident_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const again = await t.request({ method: 'POST', url: '/api/incidents', cookie: worker, body: { ...body, position: { crs: 'wgs84', lat: body.position.lat, lng: body.position.lng } }, headers });
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await count()).toBe(n);
    expect(Number((await t.platform.db.primary.selectFrom('incident_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)).toBe(events);

    const reused = await t.request({ method: 'POST', url: '/api/incidents', cookie: worker, body: { ...body, description: '另一件事' }, headers });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await count()).toBe(n);

    // Keys are per user: the operator's same key is a different request.
    const other = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { ...body, channel: 'operator_phone' }, headers });
    expect(other.statusCode).toBe(201);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await count()).toBe(n + 1);
  });

  it('creates once when the same key is sent twice at the same time', async () => {
    const body = { channel: 'grid_worker', description: '垃圾满溢', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' } };
    const n = await count();
    const headers = { 'idempotency-key': 'concurrent-key-0001' };
    const results = await Promise.all([1, 2, 3].map(() => t.request({ method: 'POST', url: '/api/incidents', cookie: worker, body, headers })));
    for (const r of results) expect([201, 409]).toContain(r.statusCode);
    for (const r of results.filter((x) => x.statusCode === 409)) expect(r.json().code).toBe('IDEMPOTENCY_IN_FLIGHT');
    expect(await count()).toBe(n + 1);
    const ids = new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().incident.id));
    expect(ids.size).toBe(1);
  });

  it('locates the unit grid from GCJ-02, masks a citizen phone, numbers by day', async () => {
    const p = grids.pointIn(workerGrid);
    const [gLng, gLat] = wgs84ToGcj02(p.lng, p.lat);
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie: operator,
      body: { channel: 'citizen', description: '占道经营', position: { lng: gLng, lat: gLat, crs: 'gcj02' }, reporter: { name: '王五', phone: '13712345678' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const inc = res.json().incident;
    expect(inc.gridCode).toBe(workerGrid);
    expect(inc.lng).toBeCloseTo(p.lng, 5);
    expect(inc.lat).toBeCloseTo(p.lat, 5);
    expect(inc.streetCode).toBe(workerGrid.slice(0, 9));
    expect(inc.reporterPhoneMasked).toBe('137****5678');
    expect(inc.reporterUserId).toBeNull();
    expect(inc.code).toMatch(/^\d{12,14}$/);
    const codes = await t.platform.db.primary.selectFrom('incidents').select('code').execute();
    expect(new Set(codes.map((c) => c.code)).size).toBe(codes.length);
  });

  it('takes an address with an explicit grid, and refuses what it cannot place', async () => {
    const other = grids.units.find((u) => u !== workerGrid)!;
    const ok = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: '噪音扰民', address: '某路 1 号', gridCode: other } });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().incident).toMatchObject({ gridCode: other, lng: null, address: '某路 1 号' });
    const nowhere = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: 'x', position: { lng: 100, lat: 30, crs: 'wgs84' } } });
    expect(nowhere.statusCode).toBe(422);
    expect(nowhere.json().code).toBe('INCIDENT_LOCATION_UNRESOLVED');
    const badGrid = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: 'x', gridCode: '999999999999999' } });
    expect(badGrid.statusCode).toBe(422);
    // A grid worker reports inside their own grids.
    const outside = await t.request({ method: 'POST', url: '/api/incidents', cookie: worker, body: { channel: 'grid_worker', description: 'x', gridCode: other } });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().code).toBe('INCIDENT_REPORT_OUT_OF_SCOPE');
  });

  it('offers open incidents of the same category within 50 m as duplicates', async () => {
    const p = grids.pointIn(workerGrid);
    const at = (dLngM: number) => ({ lng: p.lng + dLngM / (111_320 * Math.cos((p.lat * Math.PI) / 180)), lat: p.lat, crs: 'wgs84' });
    const make = async (dM: number, categoryCode?: string) =>
      t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: `dup ${dM}`, position: at(dM), ...(categoryCode ? { categoryCode } : {}) } });
    const base = (await make(0, D01_CATEGORY.code)).json().incident;
    const near = await make(30, D01_CATEGORY.code);
    expect(near.json().possibleDuplicates.map((d: { id: number }) => d.id)).toContain(base.id);
    const nearDistance = near.json().possibleDuplicates.find((d: { id: number }) => d.id === base.id).distanceM;
    expect(nearDistance).toBeGreaterThan(25);
    expect(nearDistance).toBeLessThan(35);
    const far = await make(80, D01_CATEGORY.code);
    expect(far.json().possibleDuplicates.map((d: { id: number }) => d.id)).not.toContain(base.id);
    const otherCategory = await make(10, '0101');
    expect(otherCategory.json().possibleDuplicates.map((d: { id: number }) => d.id)).not.toContain(base.id);

    // At registration, with the category now known.
    const uncategorised = (await make(20)).json().incident;
    const reg = await act(t, operator, uncategorised.id, { type: 'register', categoryCode: D01_CATEGORY.code });
    expect(reg.statusCode).toBe(200);
    expect(reg.json().possibleDuplicates.map((d: { id: number }) => d.id)).toEqual(expect.arrayContaining([base.id, near.json().incident.id]));
    const list = (await t.request({ url: `/api/incidents/${base.id}/duplicates`, cookie: operator })).json();
    expect(list.items.map((d: { id: number }) => d.id)).toEqual(expect.arrayContaining([near.json().incident.id, uncategorised.id]));
    expect(list.items.map((d: { id: number }) => d.id)).not.toContain(far.json().incident.id);
  });

  it('searches with filters and exports the filtered rows as CSV and XLSX', async () => {
    const marker = '导出测试-特殊标记';
    for (const ch of ['operator_phone', 'operator_walk_in']) {
      const r = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: ch, description: `${marker} ${ch}`, gridCode: workerGrid } });
      expect(r.statusCode).toBe(201);
    }
    const list = (await t.request({ url: `/api/incidents?q=${encodeURIComponent(marker)}&channel=operator_phone`, cookie: operator })).json();
    expect(list.total).toBe(1);
    expect(list.items[0].description).toBe(`${marker} operator_phone`);
    const byGrid = (await t.request({ url: `/api/incidents?grid=${workerGrid.slice(0, 12)}&status=reported,registered&pageSize=200`, cookie: operator })).json();
    expect(byGrid.total).toBeGreaterThan(2);
    expect(byGrid.items.every((i: { communityCode: string }) => i.communityCode === workerGrid.slice(0, 12))).toBe(true);
    // Counts stop at the cap and say so; a text search counts no further than its page.
    const settings = t.platform.incidents.settings;
    const cap = settings.listCountCap;
    settings.listCountCap = 2;
    try {
      const capped = (await t.request({ url: `/api/incidents?grid=${workerGrid.slice(0, 12)}&status=reported,registered&pageSize=1`, cookie: operator })).json();
      expect(capped).toMatchObject({ total: 2, totalCapped: true });
      expect(capped.items).toHaveLength(1);
    } finally {
      settings.listCountCap = cap;
    }
    const first = (await t.request({ url: `/api/incidents?q=${encodeURIComponent(marker)}&pageSize=1`, cookie: operator })).json();
    expect(first).toMatchObject({ total: 1, totalCapped: true });
    const second = (await t.request({ url: `/api/incidents?q=${encodeURIComponent(marker)}&pageSize=1&page=2`, cookie: operator })).json();
    expect(second).toMatchObject({ total: 2, totalCapped: false });
    expect(second.items[0].id).not.toBe(first.items[0].id);
    expect(byGrid.totalCapped).toBe(false);
    // The same answers when the text index alone is asked (on MySQL a search first tests the newest incidents).
    const window = settings.searchWindow;
    settings.searchWindow = 1;
    try {
      for (const q of [`q=${encodeURIComponent(marker)}&pageSize=1`, `q=${encodeURIComponent(marker)}&pageSize=1&page=2`, `q=${encodeURIComponent('特殊标记 operator_phone')}`]) {
        const viaIndex = (await t.request({ url: `/api/incidents?${q}`, cookie: operator })).json();
        settings.searchWindow = window;
        const viaRecent = (await t.request({ url: `/api/incidents?${q}`, cookie: operator })).json();
        settings.searchWindow = 1;
        expect(viaIndex.items.map((i: { id: number }) => i.id)).toEqual(viaRecent.items.map((i: { id: number }) => i.id));
        expect(viaIndex.items.length).toBeGreaterThan(0);
      }
    } finally {
      settings.searchWindow = window;
    }
    // Digits only: incident codes beginning with them, newest first.
    const one = list.items[0] as { id: number; code: string };
    const exact = (await t.request({ url: `/api/incidents?q=${one.code}`, cookie: operator })).json();
    expect(exact.items.map((i: { id: number }) => i.id)).toEqual([one.id]);
    const sameDay = (await t.request({ url: `/api/incidents?q=${one.code.slice(0, 8)}&pageSize=200`, cookie: operator })).json();
    expect(sameDay.items.map((i: { id: number }) => i.id)).toContain(one.id);
    expect(sameDay.items.every((i: { code: string }) => i.code.startsWith(one.code.slice(0, 8)))).toBe(true);
    const codes = sameDay.items.map((i: { code: string }) => i.code);
    expect(codes).toEqual([...codes].sort().reverse());
    // Wildcards in q are literal.
    expect((await t.request({ url: '/api/incidents?q=%25', cookie: operator })).json().total).toBe(0);

    const csv = await t.request({ url: `/api/incidents/export?format=csv&q=${encodeURIComponent(marker)}`, cookie: operator });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toContain('事件编号,状态,来源');
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).every((l) => l.includes(marker))).toBe(true);

    const xlsx = await t.request({ url: `/api/incidents/export?format=xlsx&channel=operator_walk_in&q=${encodeURIComponent(marker)}`, cookie: operator });
    expect(xlsx.statusCode).toBe(200);
    const ExcelJS = (await import('exceljs')).default;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(wb.worksheets[0]!.rowCount).toBe(2);

    const queue = (await t.request({ url: '/api/incidents/queues/to-register?pageSize=200', cookie: operator })).json();
    expect(queue.items.every((i: { status: string }) => i.status === 'reported')).toBe(true);
    expect(queue.total).toBeGreaterThan(0);
  });
  it("numbers each day's incidents 1, 2, 3 … with no gap and no repeat, concurrent creates included", async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: `编号 ${i}`, gridCode: workerGrid } }),
      ),
    );
    for (const r of results) expect(r.statusCode, r.body).toBe(201);
    const rows = await t.platform.db.primary.selectFrom('incidents').select('code').execute();
    const byDay = new Map<string, number[]>();
    for (const { code } of rows) byDay.set(code.slice(0, 8), [...(byDay.get(code.slice(0, 8)) ?? []), Number(code.slice(8))]);
    for (const seqs of byDay.values()) expect(seqs.sort((a, b) => a - b)).toEqual(seqs.map((_, i) => i + 1));
    const counters = await t.platform.db.primary.selectFrom('incident_day_counters').select(['day', 'seq']).execute();
    expect(Object.fromEntries(counters.filter((c) => byDay.has(c.day)).map((c) => [c.day, Number(c.seq)]))).toEqual(
      Object.fromEntries([...byDay].map(([day, seqs]) => [day, seqs.length])),
    );
  });
});
