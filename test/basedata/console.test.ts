import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeIdNumber } from '../../src/modules/basedata/rules/id-number.js';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The base data screens in a real browser: search, resident page with masked
 * fields, unmask with a reason; places with inspections, components (edited),
 * organizations (credit code refused by the server), key persons, household visits.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const ID = makeIdNumber('430111', '19620505', 3, 'male');

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
let unit: string;
let residentId: number;
let householdId: number;

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
  unit = `${street}001001`;
  const res = await server.app.inject({
    method: 'POST', url: '/api/residents', headers: { cookie },
    payload: { gridCode: unit, name: '欧阳明', idNumber: ID, phone: '13912345678', population: 'registered', tags: ['veteran'] },
  });
  expect(res.statusCode, res.body).toBe(201);
  residentId = res.json().id;
  const household = await server.app.inject({ method: 'POST', url: '/api/households', headers: { cookie }, payload: { householdNo: 'H-CONSOLE-1', gridCode: unit } });
  expect(household.statusCode, household.body).toBe(201);
  householdId = household.json().id;
});

/** A fresh browser context logged in as the demo base data officer (street scope, keypersons.read, incidents.report). */
async function loggedIn(): Promise<Page> {
  const { page } = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill('basedata');
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('menu-item-basedata').click();
  return page;
}

/** Picks an option of the antd Select with that test id (the option list renders at the end of the body). */
async function pick(page: Page, select: string, option: string): Promise<void> {
  await page.getByTestId(select).click();
  await page.locator('.ant-select-item-option:visible').filter({ hasText: option }).first().click();
}

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('base data console', () => {
  test('finds a resident, shows masked values, and unmasks with a reason', async () => {
    const page = await loggedIn();
    await page.getByTestId('resident-search').locator('input').first().fill('oym');
    await page.getByTestId('resident-search').locator('button[type=submit]').click();
    await page.getByTestId('resident-link').first().click();
    await expect.poll(() => page.getByTestId('id-number').textContent()).toBe(`${ID.slice(0, 6)}********${ID.slice(14)}`);
    await page.getByTestId('unmask').click();
    await page.getByTestId('unmask-reason').fill('核实身份信息');
    await page.getByRole('button', { name: /确\s*定|OK/ }).click();
    await expect.poll(() => page.getByTestId('id-number').textContent()).toBe(ID);
  });

  test('registers a place, records an inspection and shows it in the history', async () => {
    const page = await loggedIn();
    await page.getByTestId('tab-places').click();
    await page.getByTestId('place-register').click();
    await page.getByTestId('place-grid').fill(unit);
    await page.getByTestId('place-name').fill('红星小吃店');
    await pick(page, 'place-type', '小餐饮');
    await page.getByTestId('place-address').fill('劳动路 3 号');
    await page.getByTestId('place-submit').click();
    // Registering opens the new place, with no inspections yet.
    await expect.poll(() => page.getByTestId('inspection-history').textContent()).toContain('尚无检查记录');
    await page.getByTestId('inspection-result').getByText('存在隐患').click();
    await page.getByTestId('inspection-notes').fill('灭火器过期');
    await page.getByTestId('inspection-submit').click();
    await expect.poll(() => page.getByTestId('inspection-history').locator('tbody').textContent()).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}存在隐患灭火器过期基础数据管理员 吴磊/);
    await page.getByTestId('inspection-submit').click();
    await expect.poll(() => page.getByTestId('inspection-history').locator('tbody tr').count()).toBe(2);
    // The list shows it with the date of the last inspection.
    await page.getByRole('button', { name: /返\s*回/ }).click();
    await expect.poll(() => page.getByTestId('place-list').locator('tbody').textContent()).toContain('红星小吃店');
    expect(await page.getByTestId('place-list').locator('tbody').textContent()).toMatch(/九小·小餐饮劳动路 3 号.*\d{4}-\d{2}-\d{2}/);
    await pick(page, 'place-filter-type', '九小·小网吧');
    await page.getByTestId('place-filter').locator('button[type=submit]').click();
    await expect.poll(() => page.getByTestId('place-list').locator('tbody').textContent()).not.toContain('红星小吃店');
  });

  test('registers a city component and edits its status', async () => {
    const page = await loggedIn();
    await page.getByTestId('tab-components').click();
    await page.getByTestId('component-register').click();
    await page.getByTestId('component-grid').fill(unit);
    await page.getByTestId('component-class').fill('0101');
    await page.getByTestId('component-name').fill('上水井盖');
    await page.getByTestId('component-lng').fill('113.012345');
    await page.getByTestId('component-lat').fill('28.123456');
    await page.getByTestId('component-submit').click();
    await expect.poll(() => page.getByTestId('component-list').locator('tbody').textContent()).toContain('上水井盖');
    expect(await page.getByTestId('component-list').locator('tbody').textContent()).toContain('0101 公用设施');
    // Newest first: the new component is the first row, and the pager counts it.
    const row = page.getByTestId('component-list').locator('tbody tr').first();
    expect(await row.textContent()).toContain('上水井盖');
    const pager = page.locator('.ant-table-wrapper', { has: page.getByTestId('component-list') }).locator('.ant-pagination-total-text');
    expect(await pager.textContent()).toMatch(/^共 \d+ 条$/);
    await row.getByTestId('component-edit').click();
    await pick(page, 'component-edit-status', '损坏');
    await page.getByTestId('component-edit-submit').click();
    await expect.poll(() => page.getByTestId('component-list').locator('tbody tr').first().textContent()).toContain('损坏');
    expect(await page.getByTestId('component-list').locator('tbody tr').first().textContent()).toContain('上水井盖');
  });

  test('shows the server refusal of a credit code in the form, then registers the organization', async () => {
    const page = await loggedIn();
    await page.getByTestId('tab-organizations').click();
    await page.getByTestId('org-register').click();
    await page.getByTestId('org-grid').fill(unit);
    await page.getByTestId('org-name').fill('全聚德烤鸭店');
    await page.getByTestId('org-credit-code').fill('91110000101623741A');
    await page.getByTestId('org-submit').click();
    const fieldError = page.getByTestId('org-form').locator('.ant-form-item-explain-error');
    await expect.poll(() => fieldError.textContent()).toBe('统一社会信用代码校验位错误');
    await page.getByTestId('org-credit-code').fill('91110000101623741K');
    await page.getByTestId('org-submit').click();
    await expect.poll(() => page.getByTestId('org-list').locator('tbody').textContent()).toContain('全聚德烤鸭店');
    expect(await page.getByTestId('org-list').locator('tbody').textContent()).toContain('91110000101623741K');
    await page.getByTestId('org-query').fill('烤鸭');
    await page.getByTestId('org-search').click();
    await expect.poll(() => page.getByTestId('org-list').locator('tbody tr').count()).toBe(1);
  });

  test('sets a key person on the resident page and lists it', async () => {
    const page = await loggedIn();
    await page.goto(`${server.url}/basedata/residents/${residentId}`);
    await expect.poll(() => page.getByTestId('keyperson-section').textContent()).toContain('未列为重点人员');
    await page.getByTestId('keyperson-edit').click();
    await pick(page, 'keyperson-category-select', '社区矫正人员');
    await page.getByTestId('keyperson-form').getByText('重点关注').click();
    await page.getByTestId('keyperson-submit').click();
    await expect.poll(() => page.getByTestId('keyperson-category').textContent()).toBe('社区矫正人员');
    await page.goto(`${server.url}/basedata?tab=keypersons`);
    await expect.poll(() => page.getByTestId('keyperson-list').locator('tbody').textContent()).toContain('欧阳明');
    expect(await page.getByTestId('keyperson-list').locator('tbody').textContent()).toContain('重点关注');
  });

  test('records a household visit whose finding becomes an incident, and shows it in the history', async () => {
    const page = await loggedIn();
    await page.goto(`${server.url}/basedata/households/${householdId}`);
    await page.getByTestId('visit-summary').fill('入户走访，了解独居情况');
    await page.getByTestId('visit-submit').click();
    await expect.poll(() => page.getByTestId('visit-history').locator('tbody').textContent()).toContain('入户走访，了解独居情况');
    await page.getByTestId('visit-summary').fill('再次入户走访');
    await page.getByTestId('visit-finding').fill('楼道堆放杂物，存在消防隐患');
    await page.getByTestId('visit-create-incident').check();
    await page.getByTestId('visit-submit').click();
    await expect.poll(() => page.getByTestId('visit-history').locator('tbody tr').count()).toBe(2);
    const first = page.getByTestId('visit-history').locator('tbody tr').first();
    expect(await first.textContent()).toContain('楼道堆放杂物，存在消防隐患');
    const link = first.getByTestId('visit-incident');
    expect(await link.textContent()).toMatch(/^事件 \d{12,}$/);
    const code = (await link.textContent())!.replace('事件 ', '');
    expect(await page.getByTestId('visit-result').textContent()).toContain(code);
    await link.click();
    await expect.poll(() => page.url()).toMatch(/\/incidents\/\d+$/);
    await expect.poll(() => page.locator('body').textContent()).toContain(code);
  });
});
