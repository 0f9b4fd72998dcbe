import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { CLIENT_MESSAGES } from '../../web/src/modules/clients/messages.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * 外部系统接入 in a real browser at 1440×900 against the demo server: an
 * administrator creates a client and sees its key once, the client calls the
 * platform, the usage chart shows those calls, then the key is rotated and
 * the client revoked. Needs the built bundle; screenshots go to
 * $CIVICGRID_SCREENSHOTS (default: the temp dir).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');
const zh = CLIENT_MESSAGES['zh-CN'];

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

const verify = async (key: string) => (await server.app.inject({ method: 'POST', url: '/api/share/residents/verify', headers: { 'x-api-key': key }, payload: { idNumbers: ['123'] } })).statusCode;

async function readKey(page: Page): Promise<string> {
  const box = page.getByTestId('client-key');
  await box.waitFor();
  const key = (await box.locator('code').textContent())!.trim();
  expect(key).toMatch(/^cgk_[0-9a-f]{12}_/);
  await page.getByTestId('client-key-close').click();
  await box.waitFor({ state: 'hidden' });
  return key;
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  mkdirSync(SHOTS, { recursive: true });
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('API clients in the console', () => {
  test('an admin creates a client, sees the key once, sees its calls in the usage chart, rotates and revokes it', async () => {
    const { page } = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('menu-item-api-clients').click();
    await page.waitForURL(/\/admin\/clients$/);
    await page.getByTestId('page-api-clients').waitFor();

    await page.getByTestId('client-create').click();
    await page.getByTestId('client-name').fill('区人社局核查系统');
    await page.getByTestId('client-scopes').getByText(zh['scope.share.residents.verify']).click();
    await page.getByTestId('scope-picker').click();
    await page.keyboard.type('南溪');
    await page.locator('.ant-select-item-option', { hasText: '南溪街道' }).click();
    await page.getByTestId('client-save').click();
    await page.getByText(zh['key.warning']).waitFor();
    await page.screenshot({ path: join(SHOTS, 'api-clients-key.png') });
    const key = await readKey(page);

    const row = page.getByTestId('client-row-区人社局核查系统');
    await row.waitFor();
    expect(await row.getByTestId('client-prefix').textContent()).toBe(`${key.slice(0, 16)}_…`);
    // Shown once: nowhere on the page once the dialog is closed.
    expect(await page.content()).not.toContain(key);

    for (let i = 0; i < 3; i++) expect(await verify(key)).toBe(200);
    await row.getByTestId('client-usage').click();
    await expect.poll(() => page.getByTestId('client-usage-total').textContent()).toBe(zh['usage.total'].replace('{n}', '3'));
    expect(await page.getByTestId('client-usage-scope-share.residents.verify').textContent()).toBe(`${zh['scope.share.residents.verify']}: 3`);
    // The chart draws the day's bar: one filled bar path in the series colour among the axis lines.
    const chart = page.getByTestId('client-usage-chart');
    await expect.poll(() => chart.locator('svg path[fill]:not([fill="none"])').count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'api-clients-usage.png') });
    await page.keyboard.press('Escape');

    await page.getByTestId('menu-item-data-catalogue').click();
    await expect.poll(() => page.getByTestId('dataset-clients-residents.verify').textContent()).toContain('区人社局核查系统');
    await page.getByTestId('menu-item-api-clients').click();

    await page.getByTestId('client-row-区人社局核查系统').getByTestId('client-rotate').click();
    await page.getByTestId('client-rotate-confirm').click();
    const rotated = await readKey(page);
    expect(rotated).not.toBe(key);
    expect(await verify(key)).toBe(401);
    expect(await verify(rotated)).toBe(200);

    await page.getByTestId('client-row-区人社局核查系统').getByTestId('client-revoke').click();
    await page.getByTestId('client-revoke-confirm').click();
    await expect.poll(() => page.getByTestId('client-row-区人社局核查系统').getByTestId('client-status').textContent()).toBe(zh['status.revoked']);
    expect(await page.getByTestId('client-row-区人社局核查系统').getByTestId('client-rotate').count()).toBe(0);
    expect(await verify(rotated)).toBe(401);
    await page.screenshot({ path: join(SHOTS, 'api-clients-revoked.png'), fullPage: true });
  });

  test('a 12345 order without a position waits beside the intake queue; the operator locates it and the case shows the order number and deadline', async () => {
    const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'admin', password: DEMO_PASSWORD } });
    const admin = `cg_session=${login.cookies.find((c) => c.name === 'cg_session')!.value}`;
    const unit = (await server.app.inject({ method: 'GET', url: '/api/grids?level=unit&pageSize=1', headers: { cookie: admin } })).json().items[0] as { code: string; name: string };
    const district = unit.code.slice(0, 6);
    const created = await server.app.inject({ method: 'POST', url: '/api/clients', headers: { cookie: admin }, payload: { name: '12345 热线', scopes: ['hotline.push'], scopeCode: district } });
    const key = created.json().apiKey as string;
    const pushed = await server.app.inject({
      method: 'POST', url: '/api/hotline/orders', headers: { 'x-api-key': key },
      payload: { externalNo: 'GD2026120499999', content: '路灯不亮已三天', address: '劳动路与韶山路交叉口', deadline: '2026-12-10T18:00:00+08:00', caller: { name: '李四', phone: '13900001111' } },
    });
    expect(pushed.statusCode, pushed.body).toBe(202);

    const { page } = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill('operator');
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('menu-item-incident-queues').click();
    const waiting = page.getByTestId('hotline-awaiting');
    await waiting.waitFor();
    expect(await waiting.textContent()).toContain('139****1111');
    expect(await waiting.textContent()).not.toContain('13900001111');
    await page.getByTestId('hotline-locate-GD2026120499999').click();
    await page.getByTestId('hotline-grid-picker').click();
    await page.keyboard.type(unit.name);
    await page.locator('.ant-select-item-option', { hasText: unit.code }).click();
    await page.getByTestId('hotline-locate-ok').click();
    await page.waitForURL(/\/incidents\/\d+$/);
    const info = page.getByTestId('incident-hotline-order');
    await info.waitFor();
    expect(await info.textContent()).toContain('GD2026120499999');
    expect(await info.textContent()).toContain('2026-12-10 18:00:00');
    await page.screenshot({ path: join(SHOTS, 'hotline-case.png'), fullPage: true });
    const status = await server.app.inject({ method: 'GET', url: '/api/hotline/orders/GD2026120499999', headers: { 'x-api-key': key } });
    expect(status.json()).toMatchObject({ status: 'reported', caseCode: expect.stringMatching(/^\d{12}$/) });
    expect(await page.getByTestId('incident-code').textContent()).toBe(status.json().caseCode);
  });
});

