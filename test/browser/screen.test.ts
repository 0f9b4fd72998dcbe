import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';
import { D01_CATEGORY } from '../incidents/support.js';

/**
 * The big screen (issue 17 items 2 and 3) in a real browser at 1920×1080:
 * the district leader's screen and the street account's street screen follow
 * the live feed; cases are created through the API. Needs web/dist.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const FULL_HD = { width: 1920, height: 1080 };

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
const cookies: Record<string, string> = {};
/** A point in a unit grid of the street account's street, and one in another street. */
let ownPoint: { lng: number; lat: number };
let otherPoint: { lng: number; lat: number };

async function cookieOf(username: string): Promise<string> {
  if (cookies[username]) return cookies[username];
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
  cookies[username] = login.cookies.find((c) => c.name === 'cg_session')!.value;
  return cookies[username];
}

async function call(username: string, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await server.app.inject({ method, url, headers: { cookie: `cg_session=${await cookieOf(username)}` }, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function pointInStreet(street: string): Promise<{ lng: number; lat: number }> {
  const units = await call('operator', 'GET', '/api/grids?level=unit&pageSize=500');
  const unit = (units.items as { code: string }[]).find((u) => u.code.startsWith(street))!;
  const card = await call('operator', 'GET', `/api/grids/${unit.code}`);
  return { lng: card.labelPoint[0], lat: card.labelPoint[1] };
}

async function report(point: { lng: number; lat: number }, description: string): Promise<string> {
  const created = await call('operator', 'POST', '/api/incidents', { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' } });
  return created.incident.code as string;
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  const me = await call('street', 'GET', '/api/auth/me');
  const own = (me.roles as { scope: { code: string } }[])[0]!.scope.code;
  const streets = await call('operator', 'GET', '/api/grids?level=street');
  const other = (streets.items as { code: string }[]).map((s) => s.code).find((c) => c !== own)!;
  ownPoint = await pointInStreet(own);
  otherPoint = await pointInStreet(other);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openScreen(username: string): Promise<Page> {
  const { page } = await browser.newPage();
  await page.setViewportSize(FULL_HD);
  page.on('pageerror', (e) => console.error(`[${username}] page error:`, e.message));
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
  // Reached from the menu, and drawn on the whole window.
  await page.getByTestId('menu-item-screen').click();
  await page.waitForURL(`${server.url}/screen`);
  await page.locator('[data-testid="page-screen"][data-live="on"]').waitFor();
  await page.getByTestId('screen-today-reported').filter({ hasText: /^\d+$/ }).waitFor();
  return page;
}

const tickerText = (page: Page) => page.getByTestId('screen-ticker').textContent();

describe('the big screen follows the live feed', () => {
  test('a new case reaches the district screen and its street\'s screen within 2 s; the street screen never shows another street\'s', async () => {
    const district = await openScreen('leader');
    const street = await openScreen('street');
    expect(await district.getByTestId('screen-title').textContent()).toBe('网格化综合指挥大屏');
    expect(await street.getByTestId('screen-title').textContent()).toMatch(/指挥中心$/);
    const reportedBefore = Number(await district.getByTestId('screen-today-reported').textContent());

    const started = Date.now();
    const own = await report(ownPoint, '大屏测试：本街道路面破损');
    const other = await report(otherPoint, '大屏测试：另一街道垃圾堆放');
    await Promise.all([
      expect.poll(() => tickerText(district), { timeout: 2000, interval: 50 }).toContain(own),
      expect.poll(() => tickerText(district), { timeout: 2000, interval: 50 }).toContain(other),
      expect.poll(() => tickerText(street), { timeout: 2000, interval: 50 }).toContain(own),
    ]);
    expect(Date.now() - started).toBeLessThan(2500);
    expect(await tickerText(street)).not.toContain(other);
    // The counts moved with the events, without a reload.
    expect(Number(await district.getByTestId('screen-today-reported').textContent())).toBe(reportedBefore + 2);
    await expect.poll(() => district.getByTestId('screen-map').getAttribute('data-cases')).toMatch(/^[1-9]\d*$/);
    // A street first seen in an event gets its name from the overview read that follows.
    await expect.poll(() => district.getByTestId('screen-by-street').textContent(), { timeout: 5000 }).not.toContain('未知');

    // Later events (the other case registered) keep reaching the district, never the street.
    await call('operator', 'POST', `/api/incidents/${(await call('operator', 'GET', `/api/incidents?q=${other}`)).items[0].id}/actions`, { type: 'reject', reason: '测试：重复上报', version: 1 });
    await expect.poll(async () => (await tickerText(district))!.split(other).length - 1, { timeout: 2000 }).toBe(2);
    // A re-read of the overview (as after a reset) shows the same scope.
    await street.reload();
    await street.locator('[data-testid="page-screen"][data-live="on"]').waitFor();
    await street.getByTestId('screen-today-reported').filter({ hasText: /^\d+$/ }).waitFor();
    expect(await street.locator('body').textContent()).not.toContain(other);
    expect(await street.locator('body').textContent()).not.toContain('大屏测试：另一街道');
    await district.screenshot({ path: '/tmp/screen-district.png' });
    await street.screenshot({ path: '/tmp/screen-street.png' });
  });

  test('draws the street\'s hot spots on its screen', async () => {
    // Three cases of one category at one place: a hot spot with the default N 3, R 100 m.
    for (let i = 0; i < 3; i++) {
      await call('operator', 'POST', '/api/incidents', { channel: 'operator_phone', description: `大屏高发点位 ${i}`, categoryCode: D01_CATEGORY.code, position: { ...ownPoint, crs: 'wgs84' } });
    }
    const hot = await call('street', 'GET', '/api/command/hotspots');
    expect((hot.items as { count: number }[]).length).toBeGreaterThan(0);
    const page = await openScreen('street');
    await expect.poll(() => page.getByTestId('screen-map').getAttribute('data-hotspots'), { timeout: 5000 }).toBe(String(hot.items.length));
  });

  test('speaks English through the shell\'s language switch', async () => {
    const page = await openScreen('supervisor');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('screen-title').textContent()).toBe('Grid Governance Command Screen');
    expect(await page.getByTestId('screen-today').textContent()).toContain('Reported today');
    await page.getByTestId('lang-switch').click();
  });
});
