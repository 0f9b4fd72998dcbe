import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { buildHttp, type Platform } from '../../src/platform.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';

/**
 * Unsatisfied hotline orders and the category suggestion in a real browser
 * over the demo district with a month of history (so the suggester is trained
 * and the demo orders are loaded): the console's figures and unassigned list,
 * a hand assignment, the worker's revisit on the phone, the figures moving;
 * and a suggested category taken in the phone's and the console's report forms. Needs the built
 * bundle (`npm run build:web`).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));

let server: { url: string; app: FastifyInstance; platform: Platform; close(): Promise<void> };
let browser: TestBrowser;
let workerUnit = '';

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite');
  await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1 } });
  const { app } = await buildHttp(t.platform);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  server = { url, app, platform: t.platform, async close() { await app.close(); await t.close(); } };
  browser = await launchBrowser();
  const row = await t.platform.db.primary.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select('role_assignments.scope_code').where('users.username', '=', 'worker').executeTakeFirstOrThrow();
  workerUnit = row.scope_code;
  // One order nobody can place, received yesterday: it waits in the unassigned list.
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: DEMO_PASSWORD } });
  const cookie = login.cookies.find((c) => c.name === 'cg_session')!.value;
  const res = await app.inject({
    method: 'POST', url: '/api/hotline/revisits', headers: { cookie: `cg_session=${cookie}` },
    payload: { orders: [{ orderNo: 'BT-0001', receivedAt: Date.now() - 86_400_000, callerName: '钱七', callerPhone: '13900001111', address: '地址不详', content: '楼下烧烤摊油烟呛人，反映多次没人管', originalVerdict: '不满意' }] },
  });
  if (res.statusCode !== 200) throw new Error(res.body);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function loginAs(page: Page, username: string): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
}

/** The figures table's total row as numbers: orders, helped, answered, satisfied again, and the rate text. */
async function totalRow(page: Page): Promise<string[]> {
  const cells = page.getByTestId('hotline-figures').locator('tbody tr').last().locator('td');
  return cells.allTextContents();
}

describe('hotline revisits and category suggestions', () => {
  test('the centre sees the seed figures, assigns an unplaced order, the worker revisits it on the phone', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'admin');
    await page.getByTestId('menu-item-hotline').click();
    await page.getByTestId('page-hotline').waitFor();
    // The demo's four weeks plus the order above (not helped): 239 / 207 / 173, 83.5 %.
    await expect.poll(() => totalRow(page)).toEqual(['合计', '263', '239', '207', '173', '83.5%']);

    await page.getByTestId('hotline-state').getByText('待分派').click();
    await page.getByTestId('hotline-orders').getByText('BT-0001').click();
    await page.getByTestId('hotline-assign-grid').fill(workerUnit);
    await page.getByTestId('hotline-assign').click();
    await expect.poll(() => page.getByTestId('hotline-drawer').textContent()).toContain('陈静');

    const phone = await browser.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    phone.setDefaultTimeout(15_000);
    const m = await phone.newPage();
    m.on('pageerror', (e) => errors.push(`[phone] ${e.message}`));
    await m.goto(`${server.url}/m/`);
    await m.getByTestId('login-username').fill('worker');
    await m.getByTestId('login-password').fill(DEMO_PASSWORD);
    await m.getByTestId('login-submit').click();
    await m.getByTestId('page-report').waitFor();
    // The phone's report page suggests too; a tap takes the suggestion.
    await m.getByTestId('report-description').fill('电梯停在两层中间，里面有老人出不来');
    await m.getByTestId('category-suggestion-0311').click();
    await expect.poll(() => m.getByTestId('report-category-value').textContent()).toBe('电梯故障困人');
    await m.getByTestId('tab-tasks').click();
    await m.getByTestId('tasks-tab-hotline').click();
    await m.getByTestId('hotline-list').getByText('BT-0001').click();
    await m.getByTestId('page-hotline-order').waitFor();
    await m.getByTestId('hotline-help-note').fill('协调城管劝离烧烤摊，并加装油烟净化设备');
    await m.getByTestId('hotline-help').click();
    await m.getByTestId('hotline-answer-note').fill('电话回访，诉求人表示问题已解决');
    await m.getByTestId('hotline-verdict').getByText('满意', { exact: true }).click();
    await m.getByTestId('hotline-answer').click();
    await expect.poll(async () => (await server.platform.db.primary.selectFrom('hotline_revisits').select('verdict').where('order_no', '=', 'BT-0001').executeTakeFirstOrThrow()).verdict).toBe('satisfied');
    await phone.close();

    await page.reload();
    await page.getByTestId('page-hotline').waitFor();
    // 240 helped, 208 answered, 174 satisfied again: 83.6 % (174 / 208 = 0.8365…, truncated).
    await expect.poll(() => totalRow(page)).toEqual(['合计', '263', '240', '208', '174', '83.6%']);
    expect(errors).toEqual([]);
  });

  test('the report form suggests categories from the description; one click takes a suggestion', async () => {
    const { page } = await browser.newPage();
    await loginAs(page, 'operator');
    await page.getByTestId('menu-item-incident-report').click();
    await page.getByTestId('report-description').fill('电梯停在两层中间，里面有老人出不来');
    const suggestion = page.getByTestId('category-suggestion-0311');
    await suggestion.waitFor();
    expect(await page.getByTestId('category-suggestions').locator('.ant-tag').count()).toBe(3);
    // Nothing is chosen until the operator clicks.
    expect(await page.getByTestId('report-category').textContent()).not.toContain('电梯故障困人');
    await suggestion.click();
    await expect.poll(() => page.getByTestId('report-category').textContent()).toContain('电梯故障困人');
  });
});
