/**
 * Reports end to end: each kind generated on demand as a background job, its
 * XLSX figures equal to the KPI service's, its PDF's text layer in Chinese,
 * the schedule making each district report once even when run twice and by
 * two nodes, and a street operator kept to their own street's reports.
 */
import ExcelJS from 'exceljs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import { EvaluationService } from '../../src/modules/evaluation/service.js';
import { FIGURE_ROWS } from '../../src/modules/reports/figures.js';
import { lastEndedPeriod } from '../../src/modules/reports/rules/periods.js';
import { ReportService } from '../../src/modules/reports/service.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

interface Report {
  id: number;
  kind: string;
  status: string;
  progress: number;
  error: string | null;
  title: string;
  scope: { code: string; name: string };
  period: { key: string; from: string; to: string };
}

async function pdfText(data: Buffer): Promise<string[]> {
  const pdf = await getDocument({ data: new Uint8Array(data) }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= pdf.numPages; i++) {
    const content = await (await pdf.getPage(i)).getTextContent();
    pages.push(content.items.map((x) => ('str' in x ? x.str : '')).join(''));
  }
  return pages;
}

describe.each(DIALECTS)('reports (%s)', (dialect) => {
  let t: TestApp;
  let leader: string;
  let streetOperator: string;
  let district: { code: string; name: string };
  let ownStreet: string;
  let otherStreet: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
    await t.platform.statistics.catchUp();
    leader = await t.login('leader');
    streetOperator = await t.login('street');
    const db = t.platform.db.primary;
    district = (await db.selectFrom('grids').select(['code', 'name']).where('level', '=', 'district').executeTakeFirstOrThrow());
    const operatorScope = await db.selectFrom('users as u').innerJoin('role_assignments as a', 'a.user_id', 'u.id')
      .select('a.scope_code').where('u.username', '=', 'street').executeTakeFirstOrThrow();
    ownStreet = operatorScope.scope_code;
    const streets = await db.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').execute();
    otherStreet = streets.map((s) => s.code).find((c) => c !== ownStreet)!;
  }, 240_000);
  afterAll(async () => t?.close());

  const request = async (cookie: string, body: unknown) => t.request({ method: 'POST', url: '/api/reports', cookie, body });
  const generate = async (kind: string, period: string, scope: string, cookie = leader): Promise<Report> => {
    const res = await request(cookie, { kind, period, scope });
    expect(res.statusCode, res.body).toBe(202);
    const queued = res.json<Report>();
    expect(queued.status).toBe('queued');
    await t.platform.reports.kick();
    const done = await t.request({ url: `/api/reports/${queued.id}`, cookie });
    return done.json<Report>();
  };

  it.each([
    ['weekly', '2026-W13', '一周一调度', { from: '2026-03-23', to: '2026-03-29' }, { from: '2026-03-16', to: '2026-03-22' }],
    ['monthly', '2026-03', '一月一通报', { from: '2026-03-01', to: '2026-03-31' }, { from: '2026-02-01', to: '2026-02-28' }],
    ['quarterly', '2026-Q1', '一季一讲评', { from: '2026-01-01', to: '2026-03-31' }, { from: '2025-10-01', to: '2025-12-31' }],
  ])('generates the %s report whose XLSX has the KPI service figures and whose PDF speaks Chinese', async (kind, period, title, now, before) => {
    const report = await generate(kind, period, district.code);
    expect(report).toMatchObject({ status: 'done', progress: 100, error: null, period: { key: period, ...now } });
    expect(report.title).toContain(title);

    const evaluation = new EvaluationService(t.platform.statistics, t.platform.db);
    const scopes = [{ kind: 'grid' as const, code: district.code }];
    const figuresNow = await evaluation.kpis(scopes, 'district', district.code, now);
    const figuresBefore = await evaluation.kpis(scopes, 'district', district.code, before);
    expect(figuresNow.counts.reported).toBeGreaterThan(0);

    const xlsx = await t.request({ url: `/api/reports/${report.id}/xlsx`, cookie: leader });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const key = wb.getWorksheet('关键指标')!;
    const rows = new Map<string, [unknown, unknown]>();
    key.eachRow((row) => rows.set(String(row.getCell(1).value), [row.getCell(2).value, row.getCell(3).value]));
    for (const f of FIGURE_ROWS) {
      expect(rows.get(f.label), f.label).toEqual([f.value(figuresNow), f.value(figuresBefore)]);
    }
    // Department ranking: names and ranks as the ranking service gives them.
    const ranking = await evaluation.ranking(scopes, 'departments', 'onTimeCloseRate', now);
    const sheet = wb.getWorksheet('部门排名')!;
    const ranked: [unknown, unknown, unknown][] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) ranked.push([row.getCell(1).value, row.getCell(2).value, row.getCell(4).value]);
    });
    expect(ranked).toEqual(ranking.items.map((i) => [i.rank ?? '', i.name, i.counts.reported]));
    expect(wb.getWorksheet('街道排名')!.rowCount).toBeGreaterThan(1);
    // No internal id anywhere in the workbook's rankings: names, not department codes.
    for (const i of ranking.items) expect(ranked.some((r) => r[1] === i.code)).toBe(false);

    const pdf = await t.request({ url: `/api/reports/${report.id}/pdf`, cookie: leader });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent(report.title)}`);
    const pages = await pdfText(pdf.rawPayload);
    expect(pages[0]).toContain(`${district.name}${title}`);
    expect(pages[0]).toContain('关键指标');
    expect(pages.join('')).toContain('部门排名');
    expect(pages[0]).toContain(`本期共上报案件 ${figuresNow.counts.reported.toLocaleString('en-US')} 件`);
  }, 120_000);

  it('lists the reports newest first and refuses a period that is not one', async () => {
    const list = await t.request({ url: '/api/reports?limit=10', cookie: leader });
    expect(list.statusCode).toBe(200);
    const items = list.json<{ items: Report[] }>().items;
    expect(items.length).toBeGreaterThanOrEqual(3);
    expect(items.map((i) => i.id)).toEqual([...items.map((i) => i.id)].sort((a, b) => b - a));

    const bad = await request(leader, { kind: 'monthly', period: '2026-13', scope: district.code });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string }>().code).toBe('REPORT_PERIOD_INVALID');
    const future = await request(leader, { kind: 'quarterly', period: '2999-Q1', scope: district.code });
    expect(future.json<{ code: string }>().code).toBe('REPORT_PERIOD_NOT_STARTED');
    const community = await request(leader, { kind: 'monthly', period: '2026-03', scope: `${ownStreet}001` });
    expect(community.statusCode).toBe(400);
    const missing = await t.request({ url: '/api/reports/999999', cookie: leader });
    expect(missing.statusCode).toBe(404);
  });

  it('the schedule makes each district report once, run twice and by two nodes', async () => {
    const now = Date.parse('2026-04-01T00:30:00+08:00');
    const other = new ReportService(t.platform.db, new EvaluationService(t.platform.statistics, t.platform.db), { dataDir: t.platform.config.dataDir }, t.platform.logger);
    const created = await Promise.all([t.platform.reports.schedule(now), other.schedule(now)]);
    expect(created[0] + created[1]).toBe(3);
    expect(await t.platform.reports.schedule(now + 3_600_000)).toBe(0);
    const rows = await t.platform.db.primary.selectFrom('reports').select(['kind', 'period_key', 'scope_code']).where('trigger', '=', 'schedule').execute();
    expect(rows.map((r) => `${r.kind} ${r.period_key} ${r.scope_code}`).sort()).toEqual([
      `monthly 2026-03 ${district.code}`, `quarterly 2026-Q1 ${district.code}`, `weekly ${lastEndedPeriod('weekly', now).key} ${district.code}`,
    ]);
    // Two nodes running the queue: each report is claimed by one of them and done once.
    await Promise.all([t.platform.reports.kick(), other.kick()]);
    const done = await t.platform.db.primary.selectFrom('reports').select(['status', 'runner']).where('trigger', '=', 'schedule').execute();
    expect(done.every((r) => r.status === 'done')).toBe(true);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select('action').where('action', '=', 'report.schedule').execute();
    expect(audit).toHaveLength(3);
  }, 120_000);

  it('a street operator reads and makes the reports of their own street only', async () => {
    const theirs = await generate('monthly', '2026-03', otherStreet);
    expect(theirs.status).toBe('done');
    const own = await generate('monthly', '2026-03', ownStreet, streetOperator);
    expect(own.status).toBe('done');
    const ownXlsx = await t.request({ url: `/api/reports/${own.id}/xlsx`, cookie: streetOperator });
    expect(ownXlsx.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(ownXlsx.rawPayload as unknown as ArrayBuffer);
    expect(wb.getWorksheet('社区排名')!.rowCount).toBeGreaterThan(1);

    for (const url of [`/api/reports/${theirs.id}`, `/api/reports/${theirs.id}/xlsx`, `/api/reports/${theirs.id}/pdf`]) {
      expect((await t.request({ url, cookie: streetOperator })).statusCode, url).toBe(404);
    }
    const districtReport = (await t.platform.db.primary.selectFrom('reports').select('id').where('scope_code', '=', district.code).executeTakeFirstOrThrow()).id;
    expect((await t.request({ url: `/api/reports/${districtReport}`, cookie: streetOperator })).statusCode).toBe(404);
    const list = (await t.request({ url: '/api/reports', cookie: streetOperator })).json<{ items: Report[] }>().items;
    expect(list.map((r) => r.scope.code)).toEqual([ownStreet]);
    const refused = await request(streetOperator, { kind: 'monthly', period: '2026-03', scope: otherStreet });
    expect(refused.statusCode).toBe(403);
    expect((await request(streetOperator, { kind: 'monthly', period: '2026-03', scope: district.code })).statusCode).toBe(403);
  }, 120_000);

  it('a report that cannot find a Chinese font fails with a clear code', async () => {
    const noFont = new ReportService(t.platform.db, new EvaluationService(t.platform.statistics, t.platform.db), { dataDir: t.platform.config.dataDir, font: '/nonexistent/font.ttf' }, t.platform.logger);
    const queued = await noFont.request([{ kind: 'grid', code: district.code }], { userId: null, username: 'test', ip: null }, { kind: 'weekly', period: '2026-W12', scope: district.code });
    await noFont.kick();
    const report = (await t.request({ url: `/api/reports/${queued.id}`, cookie: leader })).json<Report>();
    expect(report).toMatchObject({ status: 'failed', error: 'REPORT_FONT_MISSING' });
    const pdf = await t.request({ url: `/api/reports/${queued.id}/pdf`, cookie: leader });
    expect(pdf.statusCode).toBe(409);
    expect(pdf.json<{ code: string }>().code).toBe('REPORT_NOT_READY');
  });
});
