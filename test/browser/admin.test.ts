import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CATEGORY_SHEET_COLUMNS } from '../../src/modules/incidents/configuration.js';
import { DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The configuration screens and the audit log in words, in a real browser at
 * 1440×900 against the demo server. Needs the built bundle. Screenshots go to
 * $CIVICGRID_SCREENSHOTS (default: the temp dir).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

async function apiLogin(username: string): Promise<string> {
  const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: DEMO_PASSWORD } });
  if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode}`);
  return res.cookies.find((c) => c.name === 'cg_session')!.value;
}

async function api(cookie: string, method: string, url: string, body?: unknown) {
  const res = await server.app.inject({ method: method as 'GET', url, headers: { cookie: `cg_session=${cookie}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

async function signIn(username: string): Promise<Page> {
  const { page } = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('menu-item-home').waitFor();
  return page;
}

/** Nothing in the page is wider than the window (no horizontal scrolling at 1440 px). */
async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

async function workbook(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('categories');
  ws.addRow([...CATEGORY_SHEET_COLUMNS]);
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
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

describe('configuration screens', () => {
  test('categories: edit a limit, export, and an import with a bad row shows the row and changes nothing', async () => {
    const page = await signIn('admin');
    await page.getByTestId('menu-item-configuration').click();
    await page.waitForURL(/\/admin\/config\/categories$/);
    await page.getByTestId('cat-row-0101').waitFor();
    expect(await fitsWidth(page)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'admin-categories.png') });
    // The name column keeps room for a name, and the page fits 1366 px too.
    const nameCell = page.getByTestId('cat-row-0101').locator('td').nth(1);
    expect((await nameCell.boundingBox())!.width).toBeGreaterThan(150);
    await page.setViewportSize({ width: 1366, height: 768 });
    expect(await fitsWidth(page)).toBe(true);
    expect((await nameCell.boundingBox())!.width).toBeGreaterThan(100);
    await page.setViewportSize({ width: 1440, height: 900 });

    await page.getByTestId('cat-edit-0101').click();
    await page.getByTestId('cat-limit-handle').fill('5');
    await page.getByTestId('cat-save').click();
    await expect.poll(() => page.getByTestId('cat-limit-0101-handle').textContent(), { timeout: 15_000 }).toContain('5 工作日');

    // A major category renamed in place keeps its place in the list.
    await page.getByTestId('cat-major-01').getByText('编辑').click();
    await page.getByTestId('major-name').fill('社会治安');
    await expect.poll(() => page.getByTestId('major-name').inputValue()).toBe('社会治安');
    await page.getByTestId('major-save').click();
    // The modal closes once the server has taken the name (it stays open, with a message, if not).
    await page.getByTestId('major-name').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(() => page.getByTestId('cat-majors').locator('li').nth(1).textContent(), { timeout: 15_000 }).toContain('社会治安');

    const download = page.waitForEvent('download');
    await page.getByTestId('cat-export').click();
    expect((await download).suggestedFilename()).toMatch(/\.xlsx$/);
    // The format chooser: the same button then downloads the CSV.
    await page.getByTestId('cat-format').click();
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option', { hasText: 'CSV（UTF-8）' }).click();
    const csvDownload = page.waitForEvent('download');
    await page.getByTestId('cat-export').click();
    expect((await csvDownload).suggestedFilename()).toMatch(/\.csv$/);

    const bad = await workbook([
      ['01', '', '', '0198', '好的一行', 'Good row', 'event', 'committed', 'D01', '1h', '1h', '1d', '1d', 'active'],
      ['01', '', '', '0199', '坏的一行', 'Bad row', 'event', 'committed', 'D99', '1h', '1h', '三天', '1d', 'active'],
    ]);
    await page.locator('input[type=file]').setInputFiles({ name: 'bad.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: bad });
    await page.getByTestId('cat-import-error-3').waitFor();
    const problems = (await page.getByTestId('cat-import-error-3').textContent()) ?? '';
    expect(problems).toContain('第 3 行');
    expect(problems).toContain('部门“D99”不存在');
    expect(problems).toContain('处置时限格式不对');
    expect(await page.getByTestId('cat-row-0198').count()).toBe(0);

    // A JSON file: a bad item is named by its list and position.
    const json = { schema: 'civicgrid.categories/1', majors: [], categories: [{ code: '0197', majorCode: '01', nameZh: 'JSON 的一项', nameEn: 'JSON item', type: 'event', caseType: 'committed', departmentCodes: ['D01'], limits: { register: '1h', dispatch: '1h', handle: { amount: 1, unit: 'weeks' }, verify: '1d' } }] };
    await page.locator('input[type=file]').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) });
    await page.getByTestId('cat-import-error-categories-1').waitFor();
    expect(await page.getByTestId('cat-import-error-categories-1').textContent()).toContain('小类第 1 项');
    expect(await page.getByTestId('cat-row-0197').count()).toBe(0);

    const good = await workbook([['01', '', '', '0198', '好的一行', 'Good row', 'event', 'committed', 'D01', '1h', '1h', '1d', '1d', 'active']]);
    await page.locator('input[type=file]').setInputFiles({ name: 'good.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: good });
    await page.getByTestId('cat-search').locator('input').fill('好的一行');
    await page.getByTestId('cat-row-0198').waitFor();
  });

  test('calendar: a holiday and a 调休 day set on the year grid reach the stored calendar', async () => {
    const page = await signIn('admin');
    await page.goto(`${server.url}/admin/config/calendar`);
    await page.getByTestId('cal-year').click();
    await page.locator('.ant-select-item-option', { hasText: /^2027$/ }).click();
    await page.getByTestId('cal-no-year').waitFor();
    // 2027-01-04 is a Monday, 2027-01-09 a Saturday.
    await page.getByTestId('cal-day-2027-01-04').click();
    await page.getByTestId('cal-day-2027-01-09').click();
    expect(await page.getByTestId('cal-day-2027-01-04').getAttribute('data-kind')).toBe('holiday');
    expect(await page.getByTestId('cal-day-2027-01-09').getAttribute('data-kind')).toBe('workingWeekend');
    expect(await fitsWidth(page)).toBe(true);
    await page.getByTestId('cal-save').click();
    await expect.poll(() => page.getByTestId('cal-save').isDisabled(), { timeout: 15_000 }).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'admin-calendar.png') });
    const cal = await api(await apiLogin('admin'), 'GET', '/api/incident-calendar');
    expect((cal.years as { year: number }[]).find((y) => y.year === 2027)).toMatchObject({ holidays: ['2027-01-04'], workingWeekends: ['2027-01-09'] });
  });

  test('departments: create, rename and retire; the retired one leaves the dispatch list', async () => {
    const page = await signIn('admin');
    await page.goto(`${server.url}/admin/config/departments`);
    await page.getByTestId('dept-new').click();
    await page.getByTestId('dept-code').fill('D20');
    await page.getByTestId('dept-name').fill('区数据资源局');
    await page.getByTestId('dept-name-en').fill('Data Bureau');
    await page.getByTestId('dept-save').click();
    await expect.poll(() => page.getByTestId('dept-row-D20').textContent(), { timeout: 15_000 }).toContain('区数据资源局');

    await page.getByTestId('dept-edit-D20').click();
    await page.getByTestId('dept-name').fill('区大数据局');
    await page.getByTestId('dept-save').click();
    await expect.poll(() => page.getByTestId('dept-row-D20').textContent(), { timeout: 15_000 }).toContain('区大数据局');

    await page.getByTestId('dept-retire-D20').click();
    await page.getByTestId('dept-retire-ok').click();
    await expect.poll(() => page.getByTestId('dept-row-D20').count(), { timeout: 15_000 }).toBe(0);
    await page.getByTestId('dept-show-retired').click();
    await expect.poll(() => page.getByTestId('dept-row-D20').textContent(), { timeout: 15_000 }).toContain('停用');
    expect(await fitsWidth(page)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'admin-departments.png') });
    const active = await api(await apiLogin('dispatcher'), 'GET', '/api/departments');
    expect((active.items as { code: string }[]).some((d) => d.code === 'D20')).toBe(false);
  });

  test('audit log in words: gw_test01 found by part of the name, actions and objects named, nothing cut', async () => {
    const admin = await apiLogin('admin');
    const created = await api(admin, 'POST', '/api/admin/users', { username: 'gw_test01', displayName: '测试网格员 林一', password: DEMO_PASSWORD });
    const userId = (created.user as { id: number }).id;
    await api(admin, 'POST', `/api/admin/users/${userId}/assignments`, { role: 'leader', scopeKind: 'department', scopeCode: 'D03' });
    await apiLogin('gw_test01');

    const page = await signIn('auditor');
    await page.getByTestId('menu-item-audit').click();
    await page.getByTestId('audit-object-type').click();
    await page.keyboard.type('用户');
    await page.locator('.ant-select-item-option', { hasText: /^用户$/ }).click();
    await page.getByTestId('audit-search').click();
    await expect.poll(() => page.getByTestId('audit-table').textContent(), { timeout: 15_000 }).toContain('用户：测试网格员 林一 (gw_test01)');
    const table = (await page.getByTestId('audit-table').textContent()) ?? '';
    expect(table).toContain('授予角色');
    expect(table).toContain('新增用户');
    expect(table).not.toContain('permission.grant');

    await page.getByTestId('audit-reset').click();
    await page.getByTestId('audit-user').fill('gw_test');
    await page.getByTestId('audit-search').click();
    // gw_test01's own login only (the records about the user were made by admin).
    await expect.poll(async () => {
      const text = (await page.getByTestId('audit-table').textContent()) ?? '';
      return text.includes('测试网格员 林一 (gw_test01)登录') && !text.includes('新增用户');
    }, { timeout: 15_000 }).toBe(true);
    expect(await page.locator('[data-testid^="audit-row-"]').count()).toBe(1);
    await page.getByTestId('audit-user').fill('系统管理员');
    await page.getByTestId('audit-search').click();
    await expect.poll(() => page.getByTestId('audit-table').textContent(), { timeout: 15_000 }).toContain('停用部门');
    expect(await page.getByTestId('audit-table').textContent()).toContain('部门：区大数据局');
    expect(await page.getByTestId('audit-table').textContent()).toContain('工作日历：2027 年');
    // Whole values: no cell is cut with an ellipsis, and the table fits the window.
    expect(await page.locator('.ant-table-cell-ellipsis').count()).toBe(0);
    expect(await fitsWidth(page)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'admin-audit.png') });
  });

  test('key persons: the named role 综治专干 holds the permission and is edited on the Roles page', async () => {
    const page = await signIn('admin');
    await page.getByTestId('menu-item-roles').click();
    const row = page.getByTestId('role-row-keyperson_officer');
    await row.waitFor();
    expect(await row.textContent()).toContain('综治专干');
    await row.getByText('3 项权限').hover();
    await expect.poll(() => page.locator('.ant-tooltip').last().textContent(), { timeout: 15_000 }).toContain('查看重点人员');
    await page.screenshot({ path: join(SHOTS, 'admin-keyperson-role.png') });
  });
});
