import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wgs84ToBd09, wgs84ToGcj02 } from '../../src/modules/grid/rules/coords.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { fixture, lattice } from './support.js';

/**
 * Import through the API on the fixture trees (test/fixtures/grid): every
 * problem kind, dry runs, re-import in place with history, split and merge,
 * export round trip, and the locator over the imported tree.
 */
describe.each(DIALECTS)('grid import on %s', (dialect) => {
  let t: TestApp;
  let admin: string;

  const importFiles = (files: unknown[], opts: Record<string, unknown> = {}) =>
    t.request({ method: 'POST', url: '/api/grids/import', cookie: admin, body: { files, ...opts } });
  const counts = async () => {
    const g = await t.platform.db.primary.selectFrom('grids').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const h = await t.platform.db.primary.selectFrom('grid_history').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return { grids: Number(g.n), history: Number(h.n) };
  };
  const fixtureCodes = fixture('valid').features.map((f) => String(f.properties.code));
  const existingFixtureCodes = async () =>
    (await t.platform.db.primary.selectFrom('grids').select('code').where('code', 'in', fixtureCodes).execute()).map((r) => r.code);
  const problemCodes = (body: { problems: Array<{ code: string }> }) => [...new Set(body.problems.map((p) => p.code))].sort();

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
  });
  afterAll(async () => t?.close());

  it('checks grid codes: malformed, zero segments, level mismatches, nesting', async () => {
    const base = fixture('valid');
    const withCode = (code: string, props: Record<string, unknown> = {}) => ({
      ...base,
      features: [...base.features, { ...base.features[5]!, properties: { code, name: 'x', ...props } }],
    });
    for (const [code, expected, props] of [
      ['43011100100100X', 'CODE_MALFORMED', {}],
      ['4301110010010011', 'CODE_MALFORMED', {}],
      ['430111000001001', 'CODE_MALFORMED', {}],
      ['430111001001901', 'CODE_NOT_NESTED', { level: 'community' }],
      ['430111001001901', 'CODE_NOT_NESTED', { parent: '430111002001' }],
      ['430111003001001', 'PARENT_MISSING', {}],
    ] as const) {
      const res = await importFiles([withCode(code, props)]);
      expect(res.statusCode, code).toBe(200);
      expect(res.json().ok).toBe(false);
      expect(problemCodes(res.json()), `${code} ${JSON.stringify(props)}`).toContain(expected);
    }
    const noCode = await importFiles([{ ...base, features: [...base.features, { type: 'Feature', properties: { name: 'x' }, geometry: null }] }]);
    expect(problemCodes(noCode.json())).toContain('FEATURE_INVALID');
  });

  it('answers 400, never 500, to files that are not FeatureCollections (a hostile walk sent [null])', async () => {
    for (const files of [[null], [{ hello: 'world' }], [{ type: 'FeatureCollection' }], [{ type: 'FeatureCollection', features: null }], [42], ['x']]) {
      const res = await importFiles(files as never);
      expect(res.statusCode, JSON.stringify(files)).toBe(400);
      expect(res.json().code).toBe('VALIDATION_FAILED');
    }
    // Readable files with unreadable features are reported feature by feature instead.
    const res = await importFiles([{ type: 'FeatureCollection', features: [null, 7, { type: 'Feature', properties: null }] }] as never);
    expect(res.statusCode).toBe(200);
    expect(res.json().problems.filter((p: { code: string }) => p.code === 'FEATURE_INVALID')).toHaveLength(3);
  });

  it.each([
    ['unclosed-ring', 'RING_NOT_CLOSED', '430111001001001'],
    ['self-intersection', 'RING_SELF_INTERSECTS', '430111001001001'],
    ['outside-parent', 'OUTSIDE_PARENT', '430111001001001'],
    ['overlap', 'SIBLINGS_OVERLAP', '430111001001001'],
    ['gap', 'GAP_IN_PARENT', '430111001001'],
    ['not-nested', 'CODE_NOT_NESTED', '430111002001002'],
    ['duplicate', 'DUPLICATE_CODE', '430111001001001'],
  ])('reports %s as %s in a dry run, and refuses to apply it (nothing written)', async (name, code, featureCode) => {
    const before = await counts();
    const dry = await importFiles([fixture(name)], { dryRun: true });
    expect(dry.statusCode).toBe(200);
    const report = dry.json();
    expect(report.ok).toBe(false);
    expect(report.applied).toBe(false);
    const hit = report.problems.find((p: { code: string }) => p.code === code);
    expect(hit, JSON.stringify(report.problems)).toBeDefined();
    expect(hit.featureCode).toBe(featureCode);
    expect(typeof hit.message).toBe('string');
    if (name !== 'gap') expect(hit.file).toBe(0);

    const apply = await importFiles([fixture(name)], { dryRun: false });
    expect(apply.statusCode).toBe(422);
    expect(apply.json().code).toBe('GRID_IMPORT_INVALID');
    expect(apply.json().details.report.problems.length).toBeGreaterThan(0);
    expect(await counts()).toEqual(before);
  });

  it('applies tolerances: a small overlap passes under a large enough tolerance', async () => {
    // The overlap fixture overlaps by 0.5 lattice rows (~ 200 m × 55 m ≈ 9,800 m²), and leaves no gap.
    const strict = (await importFiles([fixture('overlap')])).json();
    expect(problemCodes(strict)).toEqual(['SIBLINGS_OVERLAP']);
    const lax = (await importFiles([fixture('overlap')], { overlapToleranceM2: 20_000 })).json();
    expect(lax.ok).toBe(true);
    expect(lax.tolerances).toEqual({ overlapM2: 20_000, gapM2: 1 });
  });

  it('a dry run of a valid tree reports the changes and writes nothing', async () => {
    const before = await counts();
    const res = await importFiles([fixture('valid')]);
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ ok: true, dryRun: true, applied: false, problems: [] });
    // The fixture reuses some of the demo's codes (updated in place); the rest of the demo would be retired.
    const existing = await existingFixtureCodes();
    expect(report.counts).toMatchObject({ features: 9, created: 9 - existing.length, updated: existing.length, unchanged: 0 });
    expect(report.counts.retired).toBe(before.grids - existing.length);
    expect(await counts()).toEqual(before);
    // One file per level validates the same way.
    const split = (await importFiles([fixture('valid-upper'), fixture('valid-units')])).json();
    expect(split.ok).toBe(true);
    expect(split.counts.features).toBe(9);
  });

  it('imports, retires what is missing (never deletes), and audits the import', async () => {
    const demoUnit = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code', 'desc').executeTakeFirstOrThrow()).code;
    const existing = await existingFixtureCodes();
    const before = await counts();
    const res = await importFiles([fixture('valid')], { dryRun: false });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, applied: true });
    const after = await counts();
    expect(after.grids).toBe(before.grids + 9 - existing.length);
    const active = await t.platform.db.primary.selectFrom('grids').select('code').where('status', '=', 'active').execute();
    expect(active).toHaveLength(9);
    // The old demo unit still resolves, retired, with a history row saying so.
    const card = await t.request({ url: `/api/grids/${demoUnit}`, cookie: admin });
    expect(card.statusCode).toBe(200);
    expect(card.json()).toMatchObject({ code: demoUnit, status: 'retired' });
    expect(card.json().retiredAt).not.toBeNull();
    const history = (await t.request({ url: `/api/grids/${demoUnit}/history`, cookie: admin })).json();
    expect(history.items[0].change).toBe('retired');
    // Attributes beyond code/name/level/parent are kept.
    expect((await t.request({ url: '/api/grids/430111001001001', cookie: admin })).json().attributes).toEqual({ note: '示例属性' });
    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['details']).where('action', '=', 'grid.import').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details).counts).toMatchObject({ created: 9 - existing.length, retired: before.grids - existing.length });
    // Re-importing the same tree changes nothing.
    const again = (await importFiles([fixture('valid')], { dryRun: false })).json();
    expect(again.counts).toMatchObject({ created: 0, updated: 0, retired: 0, unchanged: 9 });
    expect((await counts()).history).toBe(after.history);
  });

  it('locates at grid edges, in a hole and outside, and converts GCJ-02 and BD-09', async () => {
    const locate = async (lng: number, lat: number, crs = 'wgs84') =>
      (await t.request({ url: `/api/grids/locate?lng=${lng}&lat=${lat}&crs=${crs}`, cookie: admin })).json();
    // Inside a unit: the whole chain.
    const inside = await locate(...lattice(0.5, 0.5));
    expect(inside).toMatchObject({
      inside: true,
      unit: { code: '430111001001001', name: '东一社区第一网格' },
      community: { code: '430111001001', name: '东一社区' },
      street: { code: '430111001', name: '东街道' },
      district: { code: '430111', name: '测试区' },
    });
    // On the vertical edge x = 2 shared by two streets: the grid to the right.
    expect((await locate(...lattice(2, 0.5))).unit.code).toBe('430111002001001');
    // On the horizontal edge y = 2 between two units: the grid above.
    expect((await locate(...lattice(1, 2))).unit.code).toBe('430111001001002');
    // In the hole of 002001001: the grid that fills it.
    expect((await locate(...lattice(3.25, 1.25))).unit.code).toBe('430111002001002');
    // Just outside the hole again.
    expect((await locate(...lattice(3.25, 1.75))).unit.code).toBe('430111002001001');
    // Outside the district.
    expect(await locate(...lattice(5, 5))).toMatchObject({ inside: false, reason: 'GRID_OUTSIDE_DISTRICT' });
    expect((await locate(...lattice(-0.01, 1))).inside).toBe(false);
    // The same point given by a phone SDK in GCJ-02 and BD-09.
    const [lng, lat] = lattice(3.25, 1.25);
    const gcj = wgs84ToGcj02(lng, lat);
    const viaGcj = await locate(gcj[0], gcj[1], 'gcj02');
    expect(viaGcj.unit.code).toBe('430111002001002');
    expect(viaGcj.wgs84.lng).toBeCloseTo(lng, 8);
    expect(viaGcj.wgs84.lat).toBeCloseTo(lat, 8);
    const bd = wgs84ToBd09(lng, lat);
    expect((await locate(bd[0], bd[1], 'bd09')).unit.code).toBe('430111002001002');
    // Unconverted, the GCJ-02 position is hundreds of metres off: outside this small tree.
    expect((await locate(gcj[0], gcj[1], 'wgs84')).unit?.code).not.toBe('430111002001002');
    // The platform port for other modules agrees.
    expect(t.platform.gridLocator.locate(...lattice(0.5, 0.5))).toBe('430111001001001');
    // Bad input is a 400.
    expect((await t.request({ url: '/api/grids/locate?lng=abc&lat=1', cookie: admin })).statusCode).toBe(400);
  });

  it('re-imports in place: renames and reshapes keep the code, with history rows', async () => {
    const before = (await t.request({ url: '/api/grids/430111001001001', cookie: admin })).json();
    const res = (await importFiles([fixture('v2-rename-reshape')], { dryRun: false })).json();
    expect(res).toMatchObject({ ok: true, applied: true });
    expect(res.counts).toMatchObject({ created: 0, updated: 2, retired: 0 });
    const after = (await t.request({ url: '/api/grids/430111001001001', cookie: admin })).json();
    expect(after.name).toBe('东一社区第一网格（更名）');
    expect(after.version).toBe(before.version + 1);
    const items = (await t.request({ url: '/api/grids/430111001001001/history', cookie: admin })).json().items;
    const kinds = items.map((i: { change: string }) => i.change);
    expect(kinds.slice(0, 2).sort()).toEqual(['geometry', 'renamed']);
    // A boundary change carries a size summary for the history view.
    const reshaped = items.find((i: { change: string }) => i.change === 'geometry');
    expect(reshaped.geometrySummary).toMatchObject({ verticesBefore: expect.any(Number), verticesAfter: expect.any(Number) });
    expect(reshaped.geometrySummary.areaAfterM2).not.toBe(reshaped.geometrySummary.areaBeforeM2);
    // The locator was rebuilt: y = 2.25 now lies in unit 001.
    expect(t.platform.gridLocator.locate(...lattice(1, 2.25))).toBe('430111001001001');
  });

  it('a split retires the old code and links it to its successors; a merge links the other way', async () => {
    const split = (await importFiles([fixture('v3-split')], { dryRun: false })).json();
    expect(split.ok).toBe(true);
    expect(split.changes).toEqual(expect.arrayContaining([
      { code: '430111001001002', level: 'unit', kinds: ['retired', 'split'], related: ['430111001001901', '430111001001902'] },
      { code: '430111001001901', level: 'unit', kinds: ['created'], related: ['430111001001002'] },
    ]));
    const old = (await t.request({ url: '/api/grids/430111001001002/history', cookie: admin })).json();
    expect(old.items[0]).toMatchObject({ change: 'split', related: ['430111001001901', '430111001001902'] });
    expect((await t.request({ url: '/api/grids/430111001001002', cookie: admin })).json().status).toBe('retired');

    const merge = (await importFiles([fixture('v4-merge')], { dryRun: false })).json();
    expect(merge.ok).toBe(true);
    const h3 = (await t.request({ url: '/api/grids/430111001001901/history', cookie: admin })).json();
    expect(h3.items[0]).toMatchObject({ change: 'merged', related: ['430111001001905'] });
    const h5 = (await t.request({ url: '/api/grids/430111001001905/history', cookie: admin })).json();
    expect(h5.items[0]).toMatchObject({ change: 'created', related: ['430111001001901', '430111001001902'] });
    expect(t.platform.gridLocator.locate(...lattice(0.5, 3))).toBe('430111001001905');
  });

  it('exports the active tree (or a level) and the export round-trips', async () => {
    const res = await t.request({ url: '/api/grids/export', cookie: admin });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('grids.geojson');
    const exported = res.json();
    expect(exported.type).toBe('FeatureCollection');
    expect(exported.features.map((f: { properties: { code: string } }) => f.properties.code)).toEqual([
      '430111', '430111001', '430111002', '430111001001', '430111002001',
      '430111001001001', '430111001001905', '430111002001001', '430111002001002',
    ]);
    const report = (await importFiles([exported])).json();
    expect(report).toMatchObject({ ok: true, problems: [], changes: [] });
    expect(report.counts).toMatchObject({ features: 9, unchanged: 9, created: 0, updated: 0, retired: 0 });
    const units = (await t.request({ url: '/api/grids/export?level=unit', cookie: admin })).json();
    expect(units.features).toHaveLength(4);
    // A partial import of one level validates against the stored tree and retires nothing.
    const partial = (await importFiles([units], { partial: true })).json();
    expect(partial).toMatchObject({ ok: true, partial: true });
    expect(partial.counts).toMatchObject({ unchanged: 4, retired: 0 });
  });

  it('needs grid.manage with the district scope for a full import', async () => {
    const dispatcher = await t.login('dispatcher');
    const res = await t.request({ method: 'POST', url: '/api/grids/import', cookie: dispatcher, body: { files: [fixture('valid')] } });
    expect(res.statusCode).toBe(403);
  });
});
