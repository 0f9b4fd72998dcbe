import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import { buildHttp } from '../../src/platform.js';
import { EVALUATION_MESSAGES } from '../../web/src/modules/evaluation/messages.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';
import { insertEvents, insertIncident, planCase, rng } from '../evaluation/timeline.js';

/**
 * 督查考核 in the console at 1440×900: a shift supervisor enters a manual
 * inspection score with a note for a department of last month and sees it in
 * the department's breakdown; a leader closes the period, after which the
 * page shows it frozen and offers no entry. Needs the built bundle;
 * screenshots go to $CIVICGRID_SCREENSHOTS (default: the temp dir).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const zh = EVALUATION_MESSAGES['zh-CN'];
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let browser: TestBrowser;
let url: string;
let close: () => Promise<void>;
let department: string;
let departmentName: string;
/** Last month in Beijing time, the page's default period. */
let period: string;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite');
  await loadDemo(t.platform, { scale: 0.2, workforce: false });
  const db = t.platform.db.primary;
  const depts = await db.selectFrom('departments').select(['code', 'name']).where('status', '=', 'active').orderBy('code').execute();
  department = depts[0]!.code;
  departmentName = depts[0]!.name;
  const grids = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code').limit(6).execute()).map((g) => g.code);
  const now = new Date(Date.now() + 8 * 3_600_000);
  const lastMonthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1) - 8 * 3_600_000;
  period = new Date(lastMonthStart + 8 * 3_600_000).toISOString().slice(0, 7);
  // Cases of last month for a few departments, so the KPI items have values.
  const r = rng(53);
  for (let i = 0; i < 60; i++) {
    const plan = planCase(r, { grids, categories: ['0101'], departments: depts.slice(0, 3).map((d) => d.code), channels: ['citizen'] }, lastMonthStart + r.int(0, 20 * 24) * 3_600_000);
    const id = await insertIncident(db as unknown as Kysely<unknown>, plan, `B${String(i).padStart(6, '0')}`);
    await insertEvents(db as unknown as Kysely<unknown>, id, plan, 0, plan.events.length);
  }
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

async function login(username: string): Promise<Page> {
  const { page } = await browser.newPage();
  await page.goto(`${url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill('Demo#2026');
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${url}/`);
  await page.goto(`${url}/assessment`);
  await page.getByTestId('page-assessment').waitFor();
  await page.getByTestId(`assessment-unit-${department}`).waitFor();
  return page;
}

describe('assessment in the console', () => {
  test('a supervisor enters a manual score with a note; a leader closes the period and it is frozen', async () => {
    const supervisor = await login('supervisor');
    expect(await supervisor.getByTestId('assessment-status').textContent()).toBe(zh['assess.status.unopened']);
    expect(await supervisor.getByTestId('assessment-close').count()).toBe(0);
    await supervisor.getByTestId(`assessment-enter-${department}`).click();
    await supervisor.getByTestId('assessment-score-value').fill('85');
    await supervisor.getByTestId('assessment-score-note').fill('现场抽查 20 处，3 处未整改');
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#c33' } }).png().toBuffer();
    await supervisor.locator('[data-testid="assessment-score-photos"] input[type="file"]').setInputFiles({ name: 'inspection.png', mimeType: 'image/png', buffer: photo });
    await supervisor.getByTestId('assessment-score-photos-preview').waitFor();
    await supervisor.getByTestId('assessment-score-ok').click();
    await expect.poll(() => supervisor.getByTestId('assessment-status').textContent()).toBe(zh['assess.status.open']);
    // The row opens the breakdown: the manual item shows the note and who entered it.
    await supervisor.getByTestId(`assessment-unit-${department}`).click();
    const evidence = supervisor.getByTestId(`assessment-breakdown-${department}`).getByTestId('assessment-evidence-inspection');
    await evidence.waitFor();
    expect(await evidence.textContent()).toContain('现场抽查 20 处，3 处未整改');
    expect(await evidence.textContent()).toContain('值班长 张伟');
    // No internal id on the screen: the department is named.
    expect(await supervisor.getByTestId(`assessment-unit-${department}`).textContent()).toBe(departmentName);
    await supervisor.screenshot({ path: join(SHOTS, 'assessment-entered.png'), fullPage: true });

    const leader = await login('leader');
    // The evidence photo loads for a leader, who did not upload it.
    await leader.getByTestId(`assessment-unit-${department}`).click();
    const img = leader.getByTestId(`assessment-breakdown-${department}`).getByTestId('assessment-photos-inspection').locator('img').first();
    await img.waitFor();
    await leader.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle());
    const open = (await leader.evaluate((u) => fetch(u).then((r) => r.json()), `/api/evaluation/assessment/results?subject=department&period=${period}`)) as { units: { code: string; score: number }[] };
    const score = open.units.find((u) => u.code === department)!.score;
    await leader.getByTestId('assessment-close').click();
    await leader.getByTestId('assessment-close-confirm').click();
    await expect.poll(() => leader.getByTestId('assessment-status').textContent()).toBe(zh['assess.status.closed']);
    expect(await leader.getByTestId(`assessment-enter-${department}`).count()).toBe(0);
    expect(await leader.getByTestId('assessment-close').count()).toBe(0);
    const closed = (await leader.evaluate((u) => fetch(u).then((r) => r.json()), `/api/evaluation/assessment/results?subject=department&period=${period}`)) as { status: string; units: { code: string; score: number }[] };
    expect(closed.status).toBe('closed');
    expect(closed.units.find((u) => u.code === department)!.score).toBe(score);
    await leader.screenshot({ path: join(SHOTS, 'assessment-closed.png'), fullPage: true });

    // The supervisor's page, reloaded, offers no entry any more.
    await supervisor.reload();
    await supervisor.getByTestId(`assessment-unit-${department}`).waitFor();
    expect(await supervisor.getByTestId(`assessment-enter-${department}`).count()).toBe(0);
  }, 120_000);
});
