/**
 * Case import from exchange files (docs/exchange.md) over HTTP on both
 * databases: export from one platform, import into a fresh one, export again
 * and find the same records; a second import of the same file makes nothing;
 * a dry run writes nothing; bad rows answer row, field and code and, unless
 * partial, nothing is written; the statistics store counts the imported
 * history, and its rebuild agrees with its incremental upkeep. Also the grids'
 * GeoJSON export imported into the other platform.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLUP_DIMENSIONS, ROLLUP_MEASURES } from '../../src/modules/evaluation/rules/rollup.js';
import type { StatisticsStore } from '../../src/modules/evaluation/store.js';
import { DEFAULT_MINOR_CATEGORIES } from '../../src/modules/incidents/data/categories.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

type Record_ = Record<string, unknown> & { code: string; externalRef: string | null; outcome: string };

async function rollups(store: StatisticsStore) {
  const rows = (await store.db.primary.selectFrom('stat_daily').selectAll().execute()) as unknown as Record<string, unknown>[];
  return rows
    .map((r) => [...ROLLUP_DIMENSIONS.map((d) => String(r[d])), ...ROLLUP_MEASURES.map((m) => Number(r[m]))])
    // A key every case has left keeps a row of zeros under incremental upkeep; the rebuild writes none.
    .filter((r) => r.slice(ROLLUP_DIMENSIONS.length).some((x) => x !== 0))
    .sort((a, b) => a.join('|').localeCompare(b.join('|')));
}

describe.each(DIALECTS)('case import from exchange files on %s', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  const c: Record<string, string> = {};
  let adminB: string;
  let exported: { geojson: string; json: string; csv: string };
  let sourceRecords: Record_[];
  let workerGrid: string;

  beforeAll(async () => {
    a = await openTestApp(dialect);
    b = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'worker', 'leader', 'admin']) c[u] = await a.login(u);
    adminB = await b.login('admin');
    const grids = await gridHelper(a);
    workerGrid = await scopeOf(a, 'worker');
    const report = async (gridCode: string, description: string) => {
      const res = await a.request({
        method: 'POST', url: '/api/incidents', cookie: c.operator!,
        body: { channel: 'operator_phone', description, address: '人民路 1 号', position: { ...grids.pointIn(gridCode), crs: 'wgs84' }, categoryCode: D01_CATEGORY.code },
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().incident as { id: number; code: string };
    };
    const closed = await report(workerGrid, '导入测试：井盖破损，已修复');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#7a3' } }).png().toBuffer();
    const photo = (await a.request({ method: 'POST', url: '/api/files', cookie: c.handler!, body: png, headers: { 'content-type': 'image/png' } })).json().hash as string;
    for (const [user, body] of [
      ['operator', { type: 'register', categoryCode: D01_CATEGORY.code }],
      ['dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' }],
      ['handler', { type: 'start-handling' }],
      ['handler', { type: 'reply', result: '已更换井盖', photos: [photo] }],
      ['worker', { type: 'verify-pass', note: '现场核查通过' }],
      ['operator', { type: 'close' }],
    ] as [string, Record<string, unknown>][]) {
      const res = await act(a, c[user]!, closed.id, body);
      expect(res.statusCode, `${String(body.type)}: ${res.body}`).toBe(200);
    }
    await report(grids.units.find((u) => u !== workerGrid)!, '导入测试：路灯不亮，待受理');
    // Fixed at once by the grid worker (自处置), then closed: a closed case no department handled.
    const quick = DEFAULT_MINOR_CATEGORIES.find((x) => x.caseType === 'immediate')!;
    const workerPhoto = (await a.request({ method: 'POST', url: '/api/files', cookie: c.worker!, body: png, headers: { 'content-type': 'image/png' } })).json().hash as string;
    const found = await a.request({
      method: 'POST', url: '/api/incidents', cookie: c.worker!,
      body: { channel: 'grid_worker', description: '导入测试：小广告，已清除', position: { ...grids.pointIn(workerGrid), crs: 'wgs84' }, categoryCode: quick.code },
    });
    expect(found.statusCode, found.body).toBe(201);
    const quickId = found.json().incident.id as number;
    expect((await act(a, c.worker!, quickId, { type: 'self-resolve', categoryCode: quick.code, beforePhotos: [workerPhoto], afterPhotos: [workerPhoto] })).statusCode).toBe(200);
    const closeQuick = await act(a, c.operator!, quickId, { type: 'close' });
    expect(closeQuick.statusCode, closeQuick.body).toBe(200);
    const fetch = async (format: string) => (await a.request({ url: `/api/exchange/cases?format=${format}&q=${encodeURIComponent('导入测试')}`, cookie: c.leader! })).body;
    sourceRecords = (JSON.parse(await fetch('json')) as { cases: Record_[] }).cases;
    expect(sourceRecords.map((r) => r.outcome).sort()).toEqual(['closed', 'closed', 'open']);
    exported = { geojson: await fetch('geojson'), json: await fetch('json'), csv: await fetch('csv') };
  }, 240_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  const importInto = (t: TestApp, cookie: string, body: string, query: string, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: `/api/exchange/cases/import?${query}`, cookie, body, headers: { 'content-type': 'application/octet-stream', ...headers } });
  const linkCount = async (t: TestApp) => Number((await t.platform.db.primary.selectFrom('exchange_case_imports').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const incidentCount = async (t: TestApp) => Number((await t.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('checks a file in a dry run and writes nothing', async () => {
    const before = await incidentCount(b);
    const res = await importInto(b, adminB, exported.geojson, 'source=district-a&dryRun=true');
    expect(res.statusCode, res.body).toBe(200);
    const open = sourceRecords.filter((r) => r.outcome === 'open').length;
    expect(res.json()).toMatchObject({ dryRun: true, format: 'geojson', rows: sourceRecords.length, intake: open, history: sourceRecords.length - open, known: 0, problems: [], cases: [] });
    expect(await incidentCount(b)).toBe(before);
    expect(await linkCount(b)).toBe(0);
  });

  it('imports the export of another platform, and exports the same records again', async () => {
    const before = await incidentCount(b);
    const res = await importInto(b, adminB, exported.geojson, 'source=district-a');
    expect(res.statusCode, res.body).toBe(200);
    const answer = res.json() as { intake: number; history: number; cases: { sourceCode: string; code: string; kind: string }[] };
    expect(answer.intake + answer.history).toBe(sourceRecords.length);
    expect(await incidentCount(b)).toBe(before + sourceRecords.length);

    const again = (await b.request({ url: `/api/exchange/cases?format=json&q=${encodeURIComponent('导入测试')}`, cookie: adminB })).json() as { cases: Record_[] };
    const bySource = new Map(again.cases.filter((r) => r.externalRef !== null).map((r) => [r.externalRef!, r]));
    for (const src of sourceRecords) {
      const got = bySource.get(src.code);
      expect(got, src.code).toBeDefined();
      expect(answer.cases.find((x) => x.sourceCode === src.code)?.code).toBe(got!.code);
      const place = ['gridCode', 'communityCode', 'streetCode', 'lng', 'lat', 'address', 'description', 'majorCode', 'minorCode', 'caseType'];
      const pick = (r: Record_, keys: string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));
      if (src.outcome === 'closed') {
        // History: the same record but our code and the source's code as the external reference.
        const { code: _c, externalRef: _e, ...rest } = src;
        const { code: _gc, externalRef: _ge, ...gotRest } = got!;
        expect(gotRest, src.code).toEqual(rest);
      } else {
        // An open case enters our intake now, under the import's channel.
        expect(pick(got!, place)).toEqual(pick(src, place));
        expect(got).toMatchObject({ status: 'reported', channel: 'exchange_import', outcome: 'open' });
      }
    }
    const audit = await b.platform.db.primary.selectFrom('audit_log').select('action').where('action', '=', 'exchange.cases.import').execute();
    expect(audit).toHaveLength(1);
  });

  it('makes nothing twice: the same file again, as GeoJSON, JSON or CSV', async () => {
    const before = await incidentCount(b);
    for (const [format, body] of Object.entries(exported)) {
      const res = await importInto(b, adminB, body, `source=district-a&format=${format}`);
      expect(res.statusCode, `${format}: ${res.body}`).toBe(200);
      expect(res.json(), format).toMatchObject({ format, rows: sourceRecords.length, intake: 0, history: 0, known: sourceRecords.length, problems: [] });
    }
    expect(await incidentCount(b)).toBe(before);
    expect(await linkCount(b)).toBe(sourceRecords.length);
  });

  it('counts the imported history in the statistics store, and a rebuild agrees', async () => {
    const store = b.platform.statistics;
    await store.catchUp();
    const incremental = await rollups(store);
    const reported = incremental.reduce((s, r) => s + Number(r[ROLLUP_DIMENSIONS.length]), 0);
    expect(reported).toBe(await incidentCount(b));
    const closedAt = ROLLUP_DIMENSIONS.length + ROLLUP_MEASURES.indexOf('closed');
    const closedHere = incremental.filter((r) => r[1] === workerGrid).reduce((s, r) => s + Number(r[closedAt]), 0);
    const demoClosedB = Number((await b.platform.db.primary.selectFrom('incidents').select((eb) => eb.fn.countAll().as('n'))
      .where('grid_code', '=', workerGrid).where('status', '=', 'closed').executeTakeFirstOrThrow()).n);
    expect(closedHere).toBe(demoClosedB);
    await store.rebuild();
    expect(await rollups(store)).toEqual(incremental);
  });

  it('answers bad records by row, field and code, writes nothing, and keeps the good rows with partial=true', async () => {
    const header = 'code/案件编号,outcome/办理结果代码,description/问题描述,lng/经度,lat/纬度,gridCode/单元网格代码,minorCode/小类代码,leadDepartmentCode/主办部门代码,reportedAt/上报时间,registeredAt/立案时间,dispatchedAt/派遣时间,repliedAt/处置反馈时间,closedAt/结案时间';
    const ok = `X-1,open,好的一行,,,${workerGrid},,,2026-11-01T01:00:00Z,,,,`;
    const lines = [
      header,
      ok,
      `X-2,finished,结果无效,,,${workerGrid},,,2026-11-01T01:00:00Z,,,,`,
      `X-3,closed,分类不存在,,,${workerGrid},9999,D01,2026-11-01T01:00:00Z,2026-11-01T02:00:00Z,2026-11-01T03:00:00Z,2026-11-01T04:00:00Z,2026-11-01T05:00:00Z`,
      `X-4,closed,时间颠倒,,,${workerGrid},${D01_CATEGORY.code},D01,2026-11-01T01:00:00Z,2026-11-01T02:00:00Z,2026-11-01T01:30:00Z,2026-11-01T04:00:00Z,2026-11-01T05:00:00Z`,
      `X-5,rejected,不予立案,,,${workerGrid},,,2026-11-01T01:00:00Z,,,,`,
      `X-1,open,编号重复,,,${workerGrid},,,2026-11-01T01:00:00Z,,,,`,
      'X-6,open,位置不在本区,10.0,10.0,,,,2026-11-01T01:00:00Z,,,,',
      `X-7,closed,部门不存在,,,${workerGrid},${D01_CATEGORY.code},D99,2026-11-01T01:00:00Z,2026-11-01T02:00:00Z,2026-11-01T03:00:00Z,2026-11-01T04:00:00Z,2026-11-01T05:00:00Z`,
    ];
    const csv = `${lines.join('\r\n')}\r\n`;
    const before = await incidentCount(b);
    const res = await importInto(b, adminB, csv, 'source=partner-x', { 'accept-language': 'en' });
    expect(res.statusCode, res.body).toBe(422);
    const problems = (res.json().details.problems as { row: number; field: string; code: string; message: string }[]).map((p) => `${p.row}:${p.field}:${p.code}`);
    expect(problems).toEqual([
      '3:outcome:EXCHANGE_OUTCOME_INVALID',
      '4:minorCode:EXCHANGE_CATEGORY_UNKNOWN',
      '5:dispatchedAt:EXCHANGE_TIMES_OUT_OF_ORDER',
      '6:outcome:EXCHANGE_OUTCOME_NOT_IMPORTED',
      '7:code:EXCHANGE_CODE_REPEATED',
      '8:lng:EXCHANGE_LOCATION_UNRESOLVED',
      '9:leadDepartmentCode:EXCHANGE_DEPARTMENT_UNKNOWN',
    ]);
    expect((res.json().details.problems as { message: string }[])[0]!.message).toMatch(/outcome is not valid/);
    expect(await incidentCount(b)).toBe(before);

    const partial = await importInto(b, adminB, csv, 'source=partner-x&partial=true');
    expect(partial.statusCode, partial.body).toBe(200);
    expect(partial.json()).toMatchObject({ format: 'csv', rows: 8, intake: 1, history: 0, known: 0 });
    expect(partial.json().problems).toHaveLength(7);
    expect(await incidentCount(b)).toBe(before + 1);
    // The same code from another source is another case.
    const other = await importInto(b, adminB, `${header}\r\n${ok}\r\n`, 'source=partner-y');
    expect(other.json()).toMatchObject({ intake: 1, known: 0 });
  });

  it('refuses unreadable files and callers without the permission', async () => {
    expect((await importInto(b, adminB, 'not,a,case,file\r\n1,2,3,4\r\n', 'source=x')).json().code).toBe('EXCHANGE_CSV_COLUMNS');
    expect((await importInto(b, adminB, '{"type":"FeatureCollection"', 'source=x')).json().code).toBe('EXCHANGE_FILE_UNREADABLE');
    expect((await importInto(b, adminB, '{"schema":"other/2","cases":[]}', 'source=x')).json().code).toBe('EXCHANGE_SCHEMA_UNKNOWN');
    expect((await importInto(b, adminB, exported.json, 'source=bad%20name')).json().code).toBe('EXCHANGE_SOURCE_INVALID');
    expect((await importInto(b, await b.login('street'), exported.json, 'source=x')).statusCode).toBe(403);
    expect((await importInto(b, await b.login('operator'), exported.json, 'source=x')).statusCode).toBe(403);
    expect((await b.request({ method: 'POST', url: '/api/exchange/cases/import?source=x', body: exported.json, headers: { 'content-type': 'application/json' } })).statusCode).toBe(401);
  });

  it("imports the other platform's grid export as it is", async () => {
    const fromA = (await a.request({ url: '/api/grids/export', cookie: c.admin! })).json() as { features: unknown[] };
    const res = await b.request({ method: 'POST', url: '/api/grids/import', cookie: adminB, body: { files: [fromA], dryRun: false } });
    expect(res.statusCode, res.body.slice(0, 500)).toBe(200);
    expect(res.json()).toMatchObject({ ok: true, problems: [] });
    expect(res.json().counts).toMatchObject({ features: fromA.features.length, unchanged: fromA.features.length, created: 0, updated: 0, retired: 0 });
    expect((await b.request({ url: '/api/grids/export', cookie: adminB })).json()).toEqual(fromA);
  });
});
