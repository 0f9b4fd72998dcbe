import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MESSAGES } from '../../web/src/shell/messages.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The console in a real browser against the real server over a fresh demo
 * database. Needs the built bundle (`npm run build:web`, which `npm test`
 * runs first).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const zh = MESSAGES['zh-CN'];
const en = MESSAGES.en;

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

async function openLogin(): Promise<Page> {
  const { page } = await browser.newPage();
  await page.goto(`${server.url}/`);
  // Not signed in: the console sends us to the login page.
  await page.waitForURL(/\/login$/);
  await expect.poll(() => page.getByTestId('login-title').textContent()).toBe(zh['login.title']);
  return page;
}

async function login(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function menuKeys(page: Page): Promise<string[]> {
  await page.getByTestId('menu-item-home').waitFor();
  const ids = await page.locator('[data-testid^="menu-item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
  return ids.map((id) => String(id).replace('menu-item-', ''));
}

describe('web console', () => {
  test('a dispatcher sees Home and Grid map only, and logs out back to the login page', async () => {
    const page = await openLogin();
    await login(page, 'dispatcher');
    await page.waitForURL(`${server.url}/`);
    expect(await menuKeys(page)).toEqual(['home', 'grid', 'incident-queues', 'incidents', 'incident-map']);
    await expect.poll(() => page.getByTestId('menu-item-home').textContent()).toBe(zh['menu.home']);
    await expect.poll(() => page.getByTestId('menu-item-grid').textContent()).toBe(zh['menu.grid']);
    expect(await page.getByTestId('header-display-name').textContent()).toBe('派遣员 李强');
    expect(await page.getByTestId('header-roles').textContent()).toContain('派遣员');

    // A page outside the role's permissions is refused even by direct URL.
    await page.goto(`${server.url}/admin/users`);
    await page.getByTestId('page-forbidden').waitFor();
    await page.getByTestId('menu-item-grid').click();
    await page.getByTestId('page-grid').waitFor();

    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login$/);
    await page.getByTestId('login-title').waitFor();
    // The session is gone on the server too: the console stays on the login page.
    await page.goto(`${server.url}/grid`);
    await page.waitForURL(/\/login$/);
  });

  test('an admin sees Users and Roles, finds the dispatcher and grants a scoped role', async () => {
    const page = await openLogin();
    await login(page, 'admin');
    await page.waitForURL(`${server.url}/`);
    // The built-in admin role manages users and roles but does not read the
    // audit log: that belongs to the auditor (separation of duties, MLPS).
    expect(await menuKeys(page)).toEqual(['home', 'grid', 'incidents', 'incident-map', 'statistics', 'assessment', 'reports', 'screen', 'workforce', 'users', 'roles', 'configuration', 'api-clients', 'data-catalogue', 'exchange-import', 'webhooks', 'cascade', 'party', 'cadres', 'livelihood', 'hotline', 'meetings', 'campaigns', 'hotspots']);
    await page.getByTestId('menu-item-users').click();
    await page.waitForURL(/\/admin\/users$/);
    const row = page.getByTestId('user-row-dispatcher');
    await row.waitFor();
    expect(await row.textContent()).toContain('派遣员 李强');
    await expect.poll(() => page.locator('.ant-spin-spinning').count()).toBe(0);
    await page.screenshot({ path: '/tmp/console.png', fullPage: true });

    // Grant the operator a second role, scoped to a street found by the scope search.
    await page.getByTestId('user-roles-operator').click();
    await page.getByTestId('assignment-role').click();
    await page.locator('.ant-select-item-option', { hasText: '(leader)' }).click();
    await page.getByTestId('scope-picker').click();
    await page.keyboard.type('南溪');
    await page.locator('.ant-select-item-option', { hasText: '南溪街道' }).click();
    await page.getByTestId('assignment-add').click();
    await expect.poll(() => page.getByTestId('user-row-operator').textContent()).toContain('领导 · 南溪街道');
    await page.locator('.ant-drawer-close').click();

    await page.getByTestId('menu-item-roles').click();
    await page.getByTestId('role-row-dispatcher').waitFor();
  });

  test('an auditor sees the audit log with the logins recorded', async () => {
    const page = await openLogin();
    await login(page, 'auditor');
    await page.waitForURL(`${server.url}/`);
    expect(await menuKeys(page)).toEqual(['home', 'audit']);
    await page.getByTestId('menu-item-audit').click();
    // The auditor's own login has just been recorded.
    await page.getByTestId('audit-user').fill('auditor');
    await page.getByTestId('audit-search').click();
    await expect.poll(() => page.locator('[data-testid^="audit-row-"]').count()).toBeGreaterThan(0);
    await page.locator('[data-testid^="audit-detail-"]').first().click();
    await page.getByTestId('audit-drawer').waitFor();
    await expect.poll(() => page.getByTestId('audit-drawer').textContent()).toContain('审计员 周琳 (auditor)');
    expect(await page.getByTestId('audit-drawer').textContent()).toContain('登录');
  });

  test('a reset password is shown once and must be changed at the next login', async () => {
    const page = await openLogin();
    await login(page, 'admin');
    await page.getByTestId('menu-item-users').click();
    await page.getByTestId('user-reset-worker').click();
    await page.getByTestId('user-reset-confirm').click();
    const generated = (await page.getByTestId('generated-password').textContent()) ?? '';
    expect(generated.length).toBeGreaterThanOrEqual(8);
    await page.getByTestId('generated-password-ok').click();
    await page.getByTestId('logout').click();
    await page.waitForURL(/\/login$/);

    await login(page, 'worker', generated);
    await page.waitForURL(/\/change-password$/);
    await page.getByTestId('password-forced').waitFor();
    // Nothing else opens until the password is changed.
    await page.goto(`${server.url}/grid`);
    await page.waitForURL(/\/change-password$/);

    const change = async (next: string) => {
      await page.getByTestId('password-current').fill(generated);
      await page.getByTestId('password-new').fill(next);
      await page.getByTestId('password-confirm').fill(next);
      await page.getByTestId('password-submit').click();
    };
    await change('abcdefgh');
    await expect.poll(() => page.getByTestId('password-error').textContent()).toContain(zh['password.violation.classes']);
    await change('Grid#Patrol2027');
    await page.waitForURL(`${server.url}/`);
    // A grid worker keeps the base data of their grid (residents.read) and sees their own attendance.
    expect(await menuKeys(page)).toEqual(['home', 'grid', 'incident-queues', 'incident-report', 'incidents', 'incident-map', 'my-attendance', 'basedata', 'campaigns']);
  });

  test('the language switch turns the login page to English and stays chosen', async () => {
    const page = await openLogin();
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.getByTestId('login-title').textContent()).toBe(en['login.title']);
    expect(await page.getByTestId('login-submit').textContent()).toContain(en['login.submit']);
    await page.reload();
    await expect.poll(() => page.getByTestId('login-title').textContent()).toBe(en['login.title']);
  });

  test('a wrong password shows the server message, in the chosen language', async () => {
    const page = await openLogin();
    await login(page, 'leader', 'not-the-password');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('用户名或密码错误');
    expect(page.url()).toMatch(/\/login$/);

    await page.getByTestId('lang-switch').click();
    await login(page, 'leader', 'still-not-it');
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('Wrong username or password');
  });
});
