import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import { buildHttp } from '../../src/platform.js';
import { EVALUATION_MESSAGES } from '../../web/src/modules/evaluation/messages.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';

/**
 * The leader's way through the statistics at 1440×900: the home page's key
 * figures of this month beside the previous period, the dashboard, and a bar
 * of the street chart drilled to the incident list that makes it. Needs the
 * built bundle; screenshots go to $CIVICGRID_SCREENSHOTS (default: the temp dir).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const zh = EVALUATION_MESSAGES['zh-CN'];
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let browser: TestBrowser;
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite');
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  // A month of cases through the real state machine, up to today, so this month and the one before have figures.
  await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: today } });
  await t.platform.statistics.catchUp();
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

describe('statistics in the console', () => {
  test('a leader sees this period beside the last on the home page, opens the dashboard and drills from a bar to its cases', async () => {
    const { page } = await browser.newPage();
    await page.goto(`${url}/login`);
    await page.getByTestId('login-username').fill('leader');
    await page.getByTestId('login-password').fill('Demo#2026');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${url}/`);

    const home = page.getByTestId('home-figures');
    await home.getByTestId('figure-closeRate').waitFor();
    expect(await home.textContent()).toContain(zh['home.title']);
    for (const k of ['closeRate', 'onTimeCloseRate', 'overdueRate', 'averageHandlingHours'] as const) {
      const text = await home.getByTestId(`figure-${k}`).textContent();
      expect(text).toContain(zh[`kpi.${k}`]);
      expect(text).toContain(zh.previous);
    }
    // The figures are the API's: this month's reported count, as the server answers it.
    const me = (await page.evaluate(() => fetch('/api/auth/me').then((r) => r.json()))) as { roles: { scope: { kind: string; code: string } }[] };
    const district = me.roles.find((r) => r.scope.kind === 'grid')!.scope.code;
    await page.screenshot({ path: join(SHOTS, 'statistics-home.png') });

    await page.getByTestId('home-open-statistics').click();
    await page.getByTestId('page-statistics').waitFor();
    await page.getByTestId('figure-reported').waitFor();
    const [from, to] = (await page.getByTestId('statistics-period').textContent())!.split('~').map((s) => s.trim());
    const kpis = (await page.evaluate((u) => fetch(u).then((r) => r.json()), `/api/evaluation/kpis?level=district&code=${district}&from=${from}&to=${to}`)) as { counts: { reported: number } };
    expect(kpis.counts.reported).toBeGreaterThan(0);
    expect(await page.getByTestId('figure-reported').textContent()).toContain(kpis.counts.reported.toLocaleString('en-US'));

    // The street chart's bars: SVG paths starting at the plot's left edge; the topmost is the first street's reported count.
    const chart = page.getByTestId('chart-place');
    await expect.poll(() => chart.locator('path').count()).toBeGreaterThan(4);
    // The figures above it take two rows: bring the chart into the viewport before clicking by coordinates.
    await chart.scrollIntoViewIfNeeded();
    const bar = await chart.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const bars = [...el.querySelectorAll('path')]
        .map((p) => p.getBoundingClientRect())
        .filter((r) => r.width >= 2 && r.height > 8 && r.height < 120 && Math.abs(r.left - box.left - 110) < 3);
      bars.sort((a, b) => a.top - b.top);
      const b = bars[0]!;
      return { x: b.left + Math.min(b.width / 2, 20), y: b.top + b.height / 2 };
    });
    const streets = (await page.evaluate((u) => fetch(u).then((r) => r.json()), `/api/evaluation/breakdown?level=district&code=${district}&by=street&from=${from}&to=${to}`)) as { items: { key: string; counts: { reported: number } }[] };
    await page.screenshot({ path: join(SHOTS, 'statistics-dashboard.png'), fullPage: true });
    await page.mouse.click(bar.x, bar.y);

    await page.waitForURL(/\/incidents\?/);
    const drilled = new URL(page.url()).searchParams;
    const first = streets.items[0]!;
    expect(drilled.get('grid')).toBe(first.key);
    await page.getByTestId('incident-url-filters').waitFor();
    await expect.poll(() => page.locator('.ant-pagination-total-text').textContent()).toBe(`共 ${first.counts.reported.toLocaleString('en-US')} 条`);
    await page.screenshot({ path: join(SHOTS, 'statistics-drill.png') });

    // A rate opens the cases of its numerator from the statistics store: 按期结案率 → the cases closed on time, as many as the figure.
    await page.goBack();
    await page.getByTestId('figure-onTimeCloseRate').click();
    await page.waitForURL(/\/statistics\/cases\?/);
    expect(new URL(page.url()).searchParams.get('measure')).toBe('closedOnTime');
    const onTime = (await page.evaluate((u) => fetch(u).then((r) => r.json()), `/api/evaluation/kpis?level=district&code=${district}&from=${from}&to=${to}`)) as { counts: { closedOnTime: number } };
    expect(onTime.counts.closedOnTime).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('figure-cases-total').textContent()).toBe(`共 ${onTime.counts.closedOnTime} 件`);
    expect(await page.getByTestId('figure-cases').locator('.ant-table-row').count()).toBe(Math.min(20, onTime.counts.closedOnTime));
  }, 120_000);
});
