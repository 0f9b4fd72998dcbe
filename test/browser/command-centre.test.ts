import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { D01_CATEGORY } from '../incidents/support.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The console as a command centre uses it (issue 15 items 1–4, 8), in a
 * real browser at the desk sizes of a command centre (1366×768 and 1440×900).
 * Needs web/dist. Cases are set up through the API (inject), the screens are
 * what is tested.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
let point: { lng: number; lat: number };
const cookies: Record<string, string> = {};

async function cookieOf(username: string): Promise<string> {
  if (cookies[username]) return cookies[username];
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
  const value = login.cookies.find((c) => c.name === 'cg_session')!.value;
  cookies[username] = value;
  return value;
}

async function call(username: string, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await server.app.inject({ method, url, headers: { cookie: `cg_session=${await cookieOf(username)}` }, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function act(username: string, id: number, body: Record<string, unknown>) {
  const detail = await call(username, 'GET', `/api/incidents/${id}`);
  return call(username, 'POST', `/api/incidents/${id}/actions`, { version: detail.incident.version, ...body });
}

/** A case reported by the operator at the worker's grid, taken as far as `until`. */
async function caseAt(description: string, until: 'reported' | 'registered' | 'dispatched'): Promise<{ id: number; code: string }> {
  const created = await call('operator', 'POST', '/api/incidents', { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' }, reporter: { name: '王先生' } });
  const id = created.incident.id as number;
  if (until !== 'reported') await act('operator', id, { type: 'register', categoryCode: D01_CATEGORY.code });
  if (until === 'dispatched') await act('dispatcher', id, { type: 'dispatch', leadDepartmentCode: 'D01' });
  return { id, code: created.incident.code as string };
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  const me = await call('worker', 'GET', '/api/auth/me');
  const workerGrid = (me.roles as { role: string; scope: { code: string } }[]).find((r) => r.role === 'grid_worker')!.scope.code;
  const card = await call('worker', 'GET', `/api/grids/${workerGrid}`);
  point = { lng: card.labelPoint[0], lat: card.labelPoint[1] };
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(username: string, size: { width: number; height: number } = { width: 1440, height: 900 }): Promise<Page> {
  const { page } = await browser.newPage();
  await page.setViewportSize(size);
  page.on('pageerror', (e) => console.error(`[${username}] page error:`, e.message));
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
  return page;
}

describe('urges reach the department (item 3)', () => {
  test('the handler sees the urged count at home, the urged case first and marked, and who urged it', async () => {
    // The calm case is dispatched first, so by deadline alone it would come first.
    const calm = await caseAt('路灯不亮', 'dispatched');
    const urged = await caseAt('污水井冒溢，多次反映', 'dispatched');
    await act('supervisor', urged.id, { type: 'urge', note: '请今日内处置完毕' });
    await act('supervisor', urged.id, { type: 'urge' });

    const page = await signIn('handler', { width: 1366, height: 768 });
    await page.getByTestId('home-work').waitFor();
    await expect.poll(() => page.getByTestId('home-queue-urged-my-department').textContent()).toMatch(/其中督办 [1-9]/);
    await page.screenshot({ path: '/tmp/console-home-handler.png' });
    await page.getByTestId('home-queue-my-department').click();
    await page.getByTestId('queue-table').waitFor();
    await page.locator('[data-testid^="queue-row-"]').first().waitFor();
    // Urged rows come before every row that was not urged.
    const marks = await page.locator('[data-testid^="queue-row-"]').evaluateAll((rows) => rows.map((r) => r.querySelector('[data-testid="incident-urged"]') !== null));
    expect(marks[0]).toBe(true);
    const order = await page.locator('[data-testid^="queue-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')));
    expect(order.indexOf(`queue-row-${urged.id}`)).toBeLessThan(order.indexOf(`queue-row-${calm.id}`));
    expect(marks.lastIndexOf(true)).toBeLessThan(marks.includes(false) ? marks.indexOf(false) : marks.length);
    await page.screenshot({ path: '/tmp/console-urged-queue.png' });

    await page.goto(`${server.url}/incidents/${urged.id}`);
    await page.getByTestId('incident-urges').waitFor();
    const text = (await page.getByTestId('incident-urges').textContent()) ?? '';
    expect(text).toContain('已督办 2 次');
    expect(text).toContain('值班长 张伟');
    expect(text).toContain('请今日内处置完毕');
    expect(await page.getByTestId('incident-urge').count()).toBe(2);
    expect(await page.getByTestId('page-incident').getByTestId('incident-urged').first().textContent()).toBe('督办 2 次');
  });
});

/** The input inside an AntD control carrying a test id. */
function inputOf(page: Page, testId: string) {
  return page.locator(`input[data-testid="${testId}"], textarea[data-testid="${testId}"], [data-testid="${testId}"] input, [data-testid="${testId}"] textarea`).first();
}

async function offered(page: Page): Promise<string[]> {
  await page.getByTestId('incident-actions').waitFor();
  return page.getByTestId('incident-actions').locator('[data-testid^="action-"]').evaluateAll((els) => els.map((e) => String(e.getAttribute('data-testid')).replace('action-', '')));
}

describe('after an action (item 4)', () => {
  test('a handler who returns a case lands on their queue with a message, not on a 404', async () => {
    const returned = await caseAt('小区门口垃圾堆放', 'dispatched');
    const page = await signIn('handler', { width: 1366, height: 768 });
    await page.goto(`${server.url}/incidents/${returned.id}`);
    await page.getByTestId('action-return').click();
    await page.getByTestId('action-form-return').waitFor();
    await inputOf(page, 'action-reason').fill('属于物业管理范围，非本部门职责');
    await page.getByTestId('action-submit').click();
    await page.waitForURL(/\/queues/);
    const notice = (await page.getByTestId('queue-notice').textContent()) ?? '';
    expect(notice).toContain(returned.code);
    expect(notice).toContain('退回');
    expect(await page.getByTestId('incident-error').count()).toBe(0);
    expect(await page.getByTestId(`queue-row-${returned.id}`).count()).toBe(0);
  });

  test('不予立案 is offered for a report and not once the case is registered', async () => {
    const report = await caseAt('道路积水', 'reported');
    const page = await signIn('operator');
    await page.goto(`${server.url}/incidents/${report.id}`);
    expect(await offered(page)).toContain('reject');
    await page.getByTestId('action-register').click();
    await page.getByTestId('action-form-register').waitFor();
    await page.locator('[data-testid="action-form-register"] .ant-cascader').click();
    await page.keyboard.type(D01_CATEGORY.nameZh);
    await page.locator('.ant-cascader-menu-item', { hasText: D01_CATEGORY.nameZh }).first().click();
    await page.getByTestId('action-submit').click();
    await expect.poll(() => page.getByTestId('page-incident').getByTestId('incident-status').first().getAttribute('data-status')).toBe('registered');
    await expect.poll(() => offered(page)).not.toContain('reject');
  });
});

describe('menus follow the work (item 8)', () => {
  test('roles with no queue do not see 待办队列 nor the work card; the desk still does', async () => {
    for (const username of ['leader', 'admin', 'basedata', 'teamlead']) {
      const page = await signIn(username, { width: 1366, height: 768 });
      await page.getByTestId('menu-item-home').waitFor();
      expect(await page.getByTestId('menu-item-incident-queues').count(), username).toBe(0);
      expect(await page.getByTestId('home-work').count(), username).toBe(0);
      await page.goto(`${server.url}/queues`);
      await page.getByTestId('page-forbidden').waitFor();
      await page.context().close();
    }
    const dispatcher = await signIn('dispatcher', { width: 1366, height: 768 });
    await dispatcher.getByTestId('menu-item-incident-queues').waitFor();
    await dispatcher.getByTestId('home-queue-to-dispatch').waitFor();
  });
});

describe('names, not codes or ids (item 1)', () => {
  test('lists name the grid, the area filter picks by name, merge takes a code, and no internal id shows', async () => {
    const survivor = await caseAt('绿化带垃圾堆积 名称', 'reported');
    const duplicate = await caseAt('绿化带垃圾堆积 重复', 'reported');
    const worker = await call('worker', 'POST', '/api/incidents', { channel: 'grid_worker', description: '路灯损坏 网格员上报', position: { ...point, crs: 'wgs84' } });
    const card = await call('worker', 'GET', `/api/grids/${worker.incident.gridCode as string}`);
    const chain = card.chain as { code: string; name: string; level: string }[];

    const page = await signIn('operator', { width: 1366, height: 768 });
    await page.getByTestId('menu-item-incidents').click();
    await page.getByTestId('incident-filters').waitFor();
    // Street → community → grid, by name.
    await page.locator('[data-testid="filter-grid"]').click();
    for (const name of [chain.find((c) => c.level === 'street')!.name, chain.find((c) => c.level === 'community')!.name, card.name as string]) {
      await page.locator('.ant-cascader-menu-item', { hasText: name }).first().click();
    }
    await page.keyboard.press('Escape');
    await page.getByTestId('filter-search').click();
    await page.getByTestId(`incident-row-${worker.incident.id as number}`).waitFor();
    const gridCells = await page.getByTestId('incident-grid-name').allTextContents();
    expect(gridCells.length).toBeGreaterThan(0);
    expect(gridCells.every((t) => t === card.name)).toBe(true);
    expect(gridCells.some((t) => /^\d{15}$/.test(t))).toBe(false);
    await page.screenshot({ path: '/tmp/console-list-names.png' });

    // The worker's report names its reporter, not "#id".
    await page.goto(`${server.url}/incidents/${worker.incident.id as number}`);
    await expect.poll(() => page.getByTestId('incident-reporter').textContent()).toBe('网格员 陈静');

    // Merge: the likely duplicate is offered by its code; the console lands on the survivor.
    await page.goto(`${server.url}/incidents/${duplicate.id}`);
    await page.getByTestId('action-merge').click();
    await page.getByTestId('action-form-merge').waitFor();
    await page.locator('[data-testid="action-form-merge"] input').first().click();
    await page.getByTestId(`duplicate-${survivor.code}`).click();
    await page.getByTestId('action-submit').click();
    await page.waitForURL(`${server.url}/incidents/${survivor.id}`);
    await page.goto(`${server.url}/incidents/${duplicate.id}`);
    await expect.poll(() => page.getByTestId('incident-merged-into').textContent()).toContain(survivor.code);

    // The main screens show no internal id ("#6", "事件 29727").
    for (const path of ['/', '/queues', '/incidents', `/incidents/${duplicate.id}`, `/incidents/${survivor.id}`]) {
      await page.goto(`${server.url}${path}`);
      await page.waitForLoadState('networkidle');
      const text = await page.locator('main, .ant-layout-content').first().innerText();
      expect(text, path).not.toMatch(/#\d+/);
      expect(text, path).not.toContain(`事件 ${survivor.id}`);
    }
  });
});

describe('reporting without coordinates (item 1)', () => {
  test('the grid is picked by name: street → community → grid', async () => {
    const me = await call('worker', 'GET', '/api/auth/me');
    const unit = (me.roles as { role: string; scope: { code: string } }[]).find((r) => r.role === 'grid_worker')!.scope.code;
    const card = await call('worker', 'GET', `/api/grids/${unit}`);
    const chain = card.chain as { name: string; level: string }[];
    const page = await signIn('operator', { width: 1366, height: 768 });
    await page.getByTestId('menu-item-incident-report').click();
    await page.getByTestId('page-incident-report').waitFor();
    await inputOf(page, 'report-description').fill('楼道堆放杂物 无坐标上报');
    await page.locator('[data-testid="report-grid-code"]').click();
    for (const name of [chain.find((c) => c.level === 'street')!.name, chain.find((c) => c.level === 'community')!.name, card.name as string]) {
      await page.locator('.ant-cascader-menu-item', { hasText: name }).first().click();
    }
    await page.getByTestId('report-submit').click();
    await page.waitForURL(/\/incidents\/\d+$/);
    await expect.poll(() => page.getByTestId('incident-grid').textContent()).toContain(card.name as string);
  });
});

describe('tables fit (item 2)', () => {
  for (const size of [{ width: 1366, height: 768 }, { width: 1440, height: 900 }]) {
    test(`the list and the queue show every column, deadline and report time included, at ${size.width}×${size.height}`, async () => {
      await caseAt('围墙倒塌隐患 表格宽度', 'dispatched');
      const page = await signIn('supervisor', size);
      for (const path of ['/incidents', '/queues?q=urged', '/queues?q=to-approve', '/queues?q=overdue']) {
        await page.goto(`${server.url}${path}`);
        await page.locator('.ant-table').first().waitFor();
        await page.waitForLoadState('networkidle');
        const fit = await page.locator('.ant-table-content, .ant-table-body').first().evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
        expect(fit.scroll, `${path} scrolls sideways`).toBeLessThanOrEqual(fit.client + 1);
        const headers = page.locator('.ant-table-thead th');
        const last = (await headers.last().boundingBox())!;
        expect(last.x + last.width, path).toBeLessThanOrEqual(size.width);
        expect(await headers.allTextContents()).toEqual(expect.arrayContaining(['上报时间', '当前时限']));
      }
      await page.goto(`${server.url}/incidents`);
      await page.getByTestId('incident-due-at').first().waitFor();
      const due = (await page.getByTestId('incident-due-at').first().boundingBox())!;
      expect(due.x + due.width).toBeLessThanOrEqual(size.width);
      await page.screenshot({ path: `/tmp/console-list-${size.width}.png` });
      await page.context().close();
    });
  }

  test('a total past the count cap says so in words', async () => {
    const page = await signIn('operator', { width: 1366, height: 768 });
    // The server stops counting at 10,000 (tested with the API); here its answer is given to the screen.
    await page.route('**/api/incidents?*', async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { total: number; totalCapped: boolean };
      await route.fulfill({ response: res, json: { ...body, total: 10_000, totalCapped: true } });
    });
    await page.getByTestId('menu-item-incidents').click();
    await expect.poll(() => page.locator('.ant-pagination-total-text').textContent()).toBe('超过 10,000 条');
  });
});
