import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { INCIDENT_MESSAGES } from '../../web/src/modules/incidents/messages.js';
import { D01_CATEGORY } from '../incidents/support.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The incident loop in a real browser, across four users: the operator
 * reports (with a photo) and registers, the dispatcher dispatches to D01, the
 * handler starts handling and replies with an after-photo, the grid worker of
 * the incident's unit grid verifies, the operator closes. Needs web/dist.
 * Five logins in all (the login limit is 20 a minute per address).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const zh = INCIDENT_MESSAGES['zh-CN'];

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
let tmp: string;
let reportPhoto: string;
let afterPhoto: string;
let point: { lng: number; lat: number };
let workerGrid: string;

async function png(path: string, colour: string, width: number, height: number): Promise<void> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${colour}"/><circle cx="${width / 2}" cy="${height / 2}" r="${height / 3}" fill="#fff"/></svg>`;
  writeFileSync(path, await sharp(Buffer.from(svg)).png().toBuffer());
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  tmp = mkdtempSync(join(tmpdir(), 'civicgrid-photos-'));
  reportPhoto = join(tmp, 'manhole.png');
  afterPhoto = join(tmp, 'fixed.png');
  await png(reportPhoto, '#8b5a2b', 800, 600);
  await png(afterPhoto, '#2e8b57', 800, 600);

  // The demo grid worker patrols one unit grid: report the incident there, at the grid's interior point.
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'worker', password: PASSWORD } });
  const cookie = login.cookies.find((c) => c.name === 'cg_session')!.value;
  const me = (await server.app.inject({ url: '/api/auth/me', headers: { cookie: `cg_session=${cookie}` } })).json() as { roles: { role: string; scope: { code: string } }[] };
  workerGrid = me.roles.find((r) => r.role === 'grid_worker')!.scope.code;
  const card = (await server.app.inject({ url: `/api/grids/${workerGrid}`, headers: { cookie: `cg_session=${cookie}` } })).json() as { labelPoint: [number, number] };
  point = { lng: card.labelPoint[0], lat: card.labelPoint[1] };
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function signIn(username: string): Promise<Page> {
  const { page } = await browser.newPage();
  page.on('pageerror', (e) => console.error(`[${username}] page error:`, e.message));
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
  return page;
}

/** The input inside an AntD control carrying a test id (or the control itself). */
function inputOf(page: Page, testId: string) {
  return page.locator(`input[data-testid="${testId}"], textarea[data-testid="${testId}"], [data-testid="${testId}"] input, [data-testid="${testId}"] textarea`).first();
}

async function status(page: Page): Promise<string | null> {
  return page.getByTestId('page-incident').getByTestId('incident-status').first().getAttribute('data-status');
}

/** Opens an action's form, lets `fill` complete it, submits, and waits for the new status. */
async function act(page: Page, action: string, expected: string, fill?: () => Promise<void>): Promise<void> {
  await page.getByTestId(`action-${action}`).click();
  await page.getByTestId(`action-form-${action}`).waitFor();
  if (fill) await fill();
  await page.getByTestId('action-submit').click();
  await expect.poll(() => status(page), { timeout: 15_000 }).toBe(expected);
}

describe('incident loop in the console', () => {
  test('report → register → dispatch → handle → reply → verify → close across four users', async () => {
    // Operator: report with a photo, then register.
    const operator = await signIn('operator');
    await operator.getByTestId('menu-item-incident-report').click();
    await operator.getByTestId('page-incident-report').waitFor();
    await inputOf(operator, 'report-lng').fill(String(point.lng));
    await inputOf(operator, 'report-lat').fill(String(point.lat));
    await inputOf(operator, 'report-description').fill('人行道井盖破损，存在安全隐患');
    await inputOf(operator, 'report-address').fill('测试路 1 号');
    await expect.poll(() => operator.getByTestId('report-located').textContent()).toContain(workerGrid);
    await operator.locator('[data-testid="report-photos"] input[type="file"]').setInputFiles(reportPhoto);
    await expect.poll(() => operator.locator('[data-testid="report-photos"] img[src*="/api/files/"]').count()).toBe(1);
    await operator.getByTestId('report-submit').click();
    await operator.waitForURL(/\/incidents\/\d+$/);
    const incidentUrl = operator.url();
    await operator.getByTestId('page-incident').waitFor();
    expect(await status(operator)).toBe('reported');
    await expect.poll(() => operator.locator('[data-testid="incident-photos"] img').count()).toBe(1);
    // Only what the operator may do is offered.
    const offered = await operator.locator('[data-testid^="action-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(offered).toContain('action-register');
    expect(offered).not.toContain('action-dispatch');
    expect(offered).not.toContain('action-close');

    await act(operator, 'register', 'registered', async () => {
      await operator.locator('[data-testid="action-form-register"] .ant-cascader').click();
      await operator.keyboard.type(D01_CATEGORY.nameZh);
      await operator.locator('.ant-cascader-menu-item', { hasText: D01_CATEGORY.nameZh }).first().click();
    });
    await expect.poll(() => operator.getByTestId('incident-category').textContent()).toContain(D01_CATEGORY.nameZh);
    await expect.poll(() => operator.locator('.maplibregl-canvas').count()).toBe(1);
    await operator.waitForTimeout(500);
    await operator.screenshot({ path: '/tmp/incident-page.png', fullPage: true });

    // Dispatcher: finds it in the to-dispatch queue; the form is pre-filled with the suggested department.
    const dispatcher = await signIn('dispatcher');
    await dispatcher.getByTestId('menu-item-incident-queues').click();
    await dispatcher.getByTestId('queue-tab-to-dispatch').waitFor();
    await expect.poll(() => dispatcher.getByTestId('queue-count-to-dispatch').textContent()).toBe('1');
    const id = Number(incidentUrl.split('/').pop());
    await dispatcher.getByTestId(`queue-row-${id}`).waitFor();
    await dispatcher.screenshot({ path: '/tmp/incident-queue.png', fullPage: true });
    await dispatcher.getByTestId(`incident-link-${id}`).click();
    await dispatcher.getByTestId('page-incident').waitFor();
    await act(dispatcher, 'dispatch', 'dispatched', async () => {
      await expect.poll(() => dispatcher.locator('[data-testid="action-form-dispatch"] .ant-select-content, [data-testid="action-form-dispatch"] .ant-select-selection-item').first().textContent()).toContain('D01');
      // D01 alone: the category also suggests D02 as co-handler, and a joint case waits for its co-handlers' parts (test/browser/joint.test.ts).
      const co = dispatcher.getByTestId('action-co-handlers');
      await co.click();
      while ((await co.textContent())?.includes('D02')) await dispatcher.keyboard.press('Backspace');
      await dispatcher.keyboard.press('Escape');
    });
    await expect.poll(() => dispatcher.getByTestId('incident-lead').textContent()).toContain('城市管理');

    // Handler of D01: my-department queue, start handling, reply with an after-photo.
    const handler = await signIn('handler');
    await handler.getByTestId('menu-item-incident-queues').click();
    await handler.getByTestId(`queue-row-${id}`).click();
    await handler.getByTestId('page-incident').waitFor();
    await act(handler, 'start-handling', 'handling');
    await act(handler, 'reply', 'replied', async () => {
      await inputOf(handler, 'action-result').fill('已更换井盖并恢复路面');
      await handler.locator('[data-testid="action-photos"] input[type="file"]').setInputFiles(afterPhoto);
      await expect.poll(() => handler.locator('[data-testid="action-photos"] img[src*="/api/files/"]').count()).toBe(1);
    });

    // The grid worker of that unit grid verifies on site.
    const worker = await signIn('worker');
    await worker.goto(incidentUrl);
    await worker.getByTestId('page-incident').waitFor();
    await act(worker, 'verify-pass', 'verified', async () => {
      await inputOf(worker, 'action-note').fill('现场核查，已修复');
    });
    // The reply's after-photo shows on the worker's timeline (they may see the incident, so the photo).
    await expect.poll(() => worker.locator('[data-testid="incident-timeline"] img[src*="/api/files/"]').count()).toBeGreaterThanOrEqual(2);

    // The operator closes it.
    await operator.getByTestId('incident-reload').click();
    await expect.poll(() => status(operator)).toBe('verified');
    await act(operator, 'close', 'closed');
    await expect.poll(() => operator.getByTestId('incident-no-actions').count()).toBe(1);

    const actions = await operator.locator('[data-testid^="timeline-event-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    expect(actions).toEqual(['report', 'register', 'dispatch', 'start-handling', 'reply', 'verify-pass', 'close']);
    const timeline = (await operator.getByTestId('incident-timeline').textContent()) ?? '';
    for (const word of [zh['action.register'], zh['action.dispatch'], zh['action.reply'], zh['action.verify-pass'], zh['action.close'], zh['role.handler'], '处置员 刘洋', '网格员 陈静']) {
      expect(timeline).toContain(word);
    }
    await operator.screenshot({ path: '/tmp/incident-closed.png', fullPage: true });

    // The incident list finds it by its code; the map shows it.
    const code = (await operator.getByTestId('incident-code').textContent())!;
    await operator.getByTestId('menu-item-incidents').click();
    await inputOf(operator, 'filter-text').fill(code);
    await operator.getByTestId('filter-search').click();
    await operator.getByTestId(`incident-row-${id}`).waitFor();
    await operator.getByTestId('menu-item-incident-map').click();
    await operator.getByTestId('map-open-only').click();
    await expect.poll(() => operator.getByTestId('map-count').textContent()).toMatch(/[1-9]/);
    await operator.waitForTimeout(800);
    await operator.screenshot({ path: '/tmp/incident-map.png', fullPage: true });
  });
});
