import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeIdNumber } from '../../src/modules/basedata/rules/id-number.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * Base data editing in the console, as the demo `basedata` account at
 * 1440×900: building → dwelling → household → resident, each created from the
 * page of its parent and landing on the new record; edits land back on the
 * edited record; a refused ID number is explained under its field and the
 * form keeps what was typed.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signIn(username: string): Promise<Page> {
  const { page } = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
  return page;
}

/** Fills a field and waits for the value to stick (antd inputs are controlled). */
async function fill(page: Page, testId: string, value: string): Promise<void> {
  await page.getByTestId(testId).fill(value);
  await expect.poll(() => page.getByTestId(testId).inputValue()).toBe(value);
}

describe('base data editing in the console', () => {
  test('the basedata officer creates a building, dwelling, household and resident, edits them, and a bad ID number loses nothing', async () => {
    const page = await signIn('basedata');
    const grids = await page.request.get(`${server.url}/api/grids?level=unit&pageSize=1`);
    expect(grids.status()).toBe(200);
    const unit = ((await grids.json()) as { items: { code: string }[] }).items[0]!.code;
    const stamp = Date.now() % 100_000;

    // Building, from the drill-down tab; the user lands on the new building.
    await page.goto(`${server.url}/basedata?tab=drill`);
    await page.getByTestId('building-create').click();
    await fill(page, 'building-grid', unit);
    await fill(page, 'building-name', `测试楼${stamp}`);
    await fill(page, 'building-address', `麓山路${stamp}号`);
    await page.getByTestId('building-submit').click();
    await page.waitForURL(/\/basedata\/buildings\/\d+$/);
    await expect.poll(() => page.getByTestId('building-title').textContent()).toContain(`测试楼${stamp}`);
    const buildingUrl = page.url();

    // Editing the building stays on it, with the new address shown.
    await page.getByTestId('building-edit').click();
    await fill(page, 'building-edit-address', `麓山南路${stamp}号`);
    await page.getByTestId('building-edit-submit').click();
    await expect.poll(() => page.getByTestId('building-address').textContent()).toContain(`麓山南路${stamp}号`);
    expect(page.url()).toBe(buildingUrl);

    // A dwelling in it.
    await page.getByTestId('dwelling-create').click();
    await fill(page, 'dwelling-entrance', '2单元');
    await fill(page, 'dwelling-room', '502');
    await page.getByTestId('dwelling-submit').click();
    await page.waitForURL(/\/basedata\/dwellings\/\d+$/);
    await expect.poll(() => page.getByTestId('dwelling-title').textContent()).toContain(`麓山南路${stamp}号2单元502`);

    // Correcting the dwelling: a new room number is in its address at once.
    const dwellingUrl = page.url();
    await page.getByTestId('dwelling-edit').click();
    await fill(page, 'dwelling-edit-room', '503');
    await page.getByTestId('dwelling-edit-submit').click();
    await expect.poll(() => page.getByTestId('dwelling-title').textContent()).toContain(`麓山南路${stamp}号2单元503`);
    expect(page.url()).toBe(dwellingUrl);

    // A household living there.
    await page.getByTestId('household-create').click();
    await fill(page, 'household-no', `HB${stamp}`);
    await page.getByTestId('household-submit').click();
    await page.waitForURL(/\/basedata\/households\/\d+$/);
    await expect.poll(() => page.getByTestId('household-title').textContent()).toContain(`HB${stamp}`);

    // A member with an ID number whose check character is wrong: explained under the field, nothing typed is lost.
    const valid = makeIdNumber('430104', '19850612', stamp % 500, 'female');
    const wrong = `${valid.slice(0, 17)}${valid[17] === '0' ? '1' : '0'}`;
    await page.getByTestId('resident-create').click();
    await fill(page, 'resident-name', '周晓梅');
    await fill(page, 'resident-id-number', wrong);
    await fill(page, 'resident-phone', '13812345678');
    await page.getByTestId('resident-submit').click();
    const explain = page.locator('[data-testid="resident-form"] .ant-form-item-explain-error');
    await expect.poll(() => explain.allTextContents()).toContain('身份证号校验位错误');
    expect(page.url()).toMatch(/\/basedata\/households\/\d+$/);
    expect(await page.getByTestId('resident-name').inputValue()).toBe('周晓梅');
    expect(await page.getByTestId('resident-id-number').inputValue()).toBe(wrong);
    expect(await page.getByTestId('resident-phone').inputValue()).toBe('13812345678');

    // A too-short number is caught before it is sent.
    await fill(page, 'resident-id-number', valid.slice(0, 10));
    await page.getByTestId('resident-submit').click();
    await expect.poll(() => explain.allTextContents()).toContain('身份证号应为 18 位数字，末位可为 X');

    await fill(page, 'resident-id-number', valid);
    await page.getByTestId('resident-submit').click();
    await page.waitForURL(/\/basedata\/residents\/\d+$/);
    // Masked on screen: first 6 and last 4.
    await expect.poll(() => page.getByTestId('id-number').textContent()).toBe(`${valid.slice(0, 6)}********${valid.slice(14)}`);

    // Editing the resident lands back on the resident, with the change shown.
    await page.getByTestId('resident-edit').click();
    await fill(page, 'resident-edit-name', '周晓敏');
    await page.getByTestId('resident-edit-submit').click();
    await expect.poll(() => page.locator('.ant-card-head-title').first().textContent()).toContain('周晓敏');
    expect(page.url()).toMatch(/\/basedata\/residents\/\d+$/);

    // The resident is a member of the household, reached from the resident page.
    await page.getByTestId('resident-household').click();
    await page.waitForURL(/\/basedata\/households\/\d+$/);
    await expect.poll(() => page.getByTestId('resident-link').allTextContents()).toEqual(['周晓敏']);

    // Naming the household's head among its members, by name.
    await page.getByTestId('household-edit').click();
    await page.getByTestId('household-edit-head').click();
    await page.locator('.ant-select-item-option', { hasText: '周晓敏' }).click();
    await page.getByTestId('household-edit-submit').click();
    await expect.poll(() => page.getByTestId('household-head').textContent()).toContain('周晓敏');
  });

  test('a resident outside any household is registered from the search tab, in a unit grid the officer picks', async () => {
    const page = await signIn('basedata');
    const grids = await page.request.get(`${server.url}/api/grids?level=unit&pageSize=1`);
    const unit = ((await grids.json()) as { items: { code: string }[] }).items[0]!.code;
    const idNumber = makeIdNumber('430111', '19920304', (Date.now() % 500), 'male');
    await page.goto(`${server.url}/basedata`);
    await page.getByTestId('resident-register').click();
    await fill(page, 'resident-grid', unit);
    await fill(page, 'resident-name', '孙流动');
    await fill(page, 'resident-id-number', idNumber);
    await page.getByTestId('resident-submit').click();
    await page.waitForURL(/\/basedata\/residents\/\d+$/);
    await expect.poll(() => page.getByTestId('id-number').textContent()).toBe(`${idNumber.slice(0, 6)}********${idNumber.slice(14)}`);
  });
});
