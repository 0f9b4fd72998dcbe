import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeIdNumber } from '../../src/modules/basedata/rules/id-number.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/** The base data screens in a real browser: search, resident page with masked fields, unmask with a reason. */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const ID = makeIdNumber('430111', '19620505', 3, 'male');

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'basedata', password: PASSWORD } });
  const cookie = `cg_session=${login.cookies.find((c) => c.name === 'cg_session')!.value}`;
  const me = (await server.app.inject({ url: '/api/auth/me', headers: { cookie } })).json();
  const street = me.roles[0].scope.code as string;
  const grids = (await server.app.inject({ url: `/api/buildings?gridCode=${street}`, headers: { cookie } })).statusCode;
  expect(grids).toBe(200);
  const unit = `${street}001001`;
  const res = await server.app.inject({
    method: 'POST', url: '/api/residents', headers: { cookie },
    payload: { gridCode: unit, name: '欧阳明', idNumber: ID, phone: '13912345678', population: 'registered', tags: ['veteran'] },
  });
  expect(res.statusCode, res.body).toBe(201);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('base data console', () => {
  test('finds a resident, shows masked values, and unmasks with a reason', async () => {
    const { page } = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill('basedata');
    await page.getByTestId('login-password').fill(PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('menu-item-basedata').click();
    await page.getByTestId('resident-search').locator('input').first().fill('oym');
    await page.getByTestId('resident-search').locator('button[type=submit]').click();
    await page.getByTestId('resident-link').first().click();
    await expect.poll(() => page.getByTestId('id-number').textContent()).toBe(`${ID.slice(0, 6)}********${ID.slice(14)}`);
    await page.getByTestId('unmask').click();
    await page.getByTestId('unmask-reason').fill('核实身份信息');
    await page.getByRole('button', { name: /确\s*定|OK/ }).click();
    await expect.poll(() => page.getByTestId('id-number').textContent()).toBe(ID);
  });
});
