import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import { buildHttp } from '../../src/platform.js';
import { REPORT_MESSAGES } from '../../web/src/modules/reports/messages.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';

/**
 * A leader's reports at 1440×900: the latest (scheduled) reports on the home
 * page with their downloads, then a monthly bulletin generated on demand on
 * the reports page, followed to done and downloaded as PDF and XLSX. Needs
 * the built bundle; screenshots go to $CIVICGRID_SCREENSHOTS (default: the temp dir).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const zh = REPORT_MESSAGES['zh-CN'];
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let browser: TestBrowser;
let url: string;
let close: () => Promise<void>;
let scheduled: { id: number; title: string }[];

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite');
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: today } });
  await t.platform.statistics.catchUp();
  // What the schedule makes after a week, a month and a quarter end.
  await t.platform.reports.schedule();
  await t.platform.reports.kick();
  scheduled = (await t.platform.db.primary.selectFrom('reports').select('id').where('status', '=', 'done').execute()).map((r) => ({ id: Number(r.id), title: '' }));
  const { app } = await buildHttp(t.platform);
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  close = async () => {
    await app.close();
    await t.close();
  };
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
});

describe('reports in the console', () => {
  test('a leader sees the latest reports on the home page, generates a monthly bulletin and downloads it', async () => {
    expect(scheduled).toHaveLength(3);
    const { page } = await browser.newPage();
    await page.goto(`${url}/login`);
    await page.getByTestId('login-username').fill('leader');
    await page.getByTestId('login-password').fill('Demo#2026');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${url}/`);

    const home = page.getByTestId('home-reports');
    await home.getByTestId(`home-report-${scheduled[0]!.id}`).waitFor();
    const text = (await home.textContent())!;
    expect(text).toContain(zh['home.title']);
    for (const title of ['一周一调度', '一月一通报', '一季一讲评']) expect(text).toContain(title);
    expect(text).toContain(zh['trigger.schedule']);
    // Names, not internal ids: no report id is printed.
    for (const r of scheduled) expect(text).not.toMatch(new RegExp(`(^|\\D)${r.id}(\\D|$)`));
    const homePdf = page.waitForEvent('download');
    await home.getByTestId(`report-${scheduled[0]!.id}-pdf`).click();
    expect((await homePdf).suggestedFilename()).toMatch(/\.pdf$/);
    await page.screenshot({ path: join(SHOTS, 'reports-home.png') });

    await page.getByTestId('home-open-reports').click();
    await page.getByTestId('page-reports').waitFor();
    const posted = page.waitForResponse((r) => r.url().endsWith('/api/reports') && r.request().method() === 'POST');
    await page.getByTestId('report-generate').click();
    const response = await posted;
    expect(response.status()).toBe(202);
    const report = (await response.json()) as { id: number; kind: string; title: string };
    expect(report.kind).toBe('monthly');
    const pdfLink = page.getByTestId(`report-${report.id}-pdf`);
    await pdfLink.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('reports-table').textContent()).toContain(report.title);
    await page.screenshot({ path: join(SHOTS, 'reports-page.png') });

    const pdf = page.waitForEvent('download');
    await pdfLink.click();
    const pdfFile = await pdf;
    expect(pdfFile.suggestedFilename()).toBe(`${report.title}.pdf`);
    expect(readFileSync((await pdfFile.path())!).subarray(0, 5).toString()).toBe('%PDF-');
    const xlsx = page.waitForEvent('download');
    await page.getByTestId(`report-${report.id}-xlsx`).click();
    const xlsxFile = await xlsx;
    expect(xlsxFile.suggestedFilename()).toBe(`${report.title}.xlsx`);
    // An XLSX is a zip.
    expect(readFileSync((await xlsxFile.path())!).subarray(0, 2).toString()).toBe('PK');
  }, 120_000);
});
