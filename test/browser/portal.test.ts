import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';
import { D01_CATEGORY } from '../incidents/support.js';

/**
 * The work portal in a real browser (issue 17 item 4): the department
 * handler's bell counts a case dispatched to his department and its urge as
 * they happen (the live feed wakes it), lists them, and opens the case.
 * Needs web/dist.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

async function cookieOf(username: string): Promise<string> {
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
  return login.cookies.find((c) => c.name === 'cg_session')!.value;
}

async function call(cookie: string, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await server.app.inject({ method, url, headers: { cookie: `cg_session=${cookie}` }, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the notification bell', () => {
  test('counts a dispatch to the handler\'s department and its urge within seconds, and opens the case', async () => {
    const { page } = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill('handler');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);
    await page.getByTestId('home-notices').waitFor();
    const count = async () => Number(await page.getByTestId('bell-count').getAttribute('data-unread'));
    const before = await count();

    const operator = await cookieOf('operator');
    const dispatcher = await cookieOf('dispatcher');
    const supervisor = await cookieOf('supervisor');
    const units = await call(operator, 'GET', '/api/grids?level=unit&pageSize=5');
    const card = await call(operator, 'GET', `/api/grids/${(units.items as { code: string }[])[0]!.code}`);
    const created = await call(operator, 'POST', '/api/incidents', { channel: 'operator_phone', description: '铃铛测试：井盖缺失', position: { lng: card.labelPoint[0], lat: card.labelPoint[1], crs: 'wgs84' } });
    const id = created.incident.id as number;
    let version = (await call(operator, 'POST', `/api/incidents/${id}/actions`, { type: 'register', categoryCode: D01_CATEGORY.code, version: 1 })).incident.version as number;
    version = (await call(dispatcher, 'POST', `/api/incidents/${id}/actions`, { type: 'dispatch', leadDepartmentCode: 'D01', version })).incident.version as number;
    await expect.poll(count, { timeout: 5000, interval: 100 }).toBe(before + 1);
    await call(supervisor, 'POST', `/api/incidents/${id}/actions`, { type: 'urge', note: '请加快', version });
    await expect.poll(count, { timeout: 5000, interval: 100 }).toBe(before + 2);

    await page.getByTestId('header-bell').click();
    await page.getByTestId('bell-item-urged').first().waitFor();
    await page.getByTestId('bell-item-urged').first().locator('a').click();
    await page.waitForURL(`${server.url}/incidents/${id}`);
    await expect.poll(count, { timeout: 5000 }).toBe(before + 1);
  });
});
