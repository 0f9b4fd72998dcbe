import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { buildHttp, type Platform } from '../../src/platform.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';

/**
 * The 基层党建, 群工联点 and 民生实事 screens in a real browser against the
 * real server (demo district at scale 0.2 with a few residents, so the demo's
 * organisations, cadres and projects are there), as the street command
 * centre operator: only their street's rows, a need taken to done through the
 * dialogs, and the 党建 layer on the grid map. Needs `npm run build:web`.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));

let server: { url: string; app: FastifyInstance; platform: Platform; close(): Promise<void> };
let browser: TestBrowser;
let street = '';

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite');
  await loadDemo(t.platform, { scale: 0.2, residentsScale: 0.001 });
  const { app } = await buildHttp(t.platform);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  server = { url, app, platform: t.platform, async close() { await app.close(); await t.close(); } };
  browser = await launchBrowser();
  street = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').limit(1).executeTakeFirstOrThrow()).code;
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function loginAs(page: Page, username: string): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
}

async function cookieOf(username: string): Promise<string> {
  const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: DEMO_PASSWORD } });
  return res.cookies.find((c) => c.name === 'cg_session')!.value;
}

const count = async (table: 'party_organizations' | 'livelihood_needs', prefix: string) =>
  (await server.platform.db.primary.selectFrom(table).select('grid_code').execute()).filter((r) => r.grid_code.startsWith(prefix)).length;

describe('party building and mechanisms console', () => {
  test('a street operator sees its street\'s organisations with masked members, and the 党建 map layer', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'street');
    await page.getByTestId('menu-item-party').click();
    const table = page.getByTestId('party-organizations');
    const own = await count('party_organizations', street);
    expect(own).toBeGreaterThan(0);
    await expect.poll(() => table.getAttribute('data-total')).toBe(String(own));
    await table.locator('tbody tr.ant-table-row').first().click();
    const members = page.getByTestId('party-members');
    await members.locator('tbody tr.ant-table-row').first().waitFor();
    // ID numbers leave the server masked: 6 digits, 8 stars, 4 characters.
    expect(await members.textContent()).toMatch(/\d{6}\*{8}[\dX]{4}/);

    await page.goto(`${server.url}/grid`);
    await page.getByTestId('party-layer').click();
    await expect.poll(() => page.getByTestId('party-layer-count').getAttribute('data-count'), { timeout: 15_000 }).toBe(String(own));
    expect(errors).toEqual([]);
  });

  test('a member is transferred to another organisation through the 组织关系转接 dialog, with its history', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const db = server.platform.db.primary;
    const orgs = (await db.selectFrom('party_organizations').select(['id', 'name', 'grid_code']).where('dissolved_on', 'is', null).orderBy('grid_code').orderBy('id').execute())
      .filter((o) => o.grid_code.startsWith(street));
    const first = orgs[0]!;
    const target = orgs.find((o) => o.id !== first.id)!;
    const memberId = (await db.selectFrom('party_members').select('id').where('organization_id', '=', first.id).where('ended_on', 'is', null).orderBy('id').executeTakeFirstOrThrow()).id;
    await loginAs(page, 'street');
    await page.getByTestId('menu-item-party').click();
    await page.getByTestId('party-organizations').locator('tbody tr.ant-table-row').first().click();
    await page.getByTestId(`party-member-transfer-${memberId}`).click();
    await page.getByTestId('party-transfer-to').click();
    await page.keyboard.type(target.name);
    await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: target.name }).first().click();
    await page.getByTestId('party-transfer-reason').fill('居住地变更');
    await page.locator('.ant-modal-footer:visible .ant-btn-primary').click();
    await expect.poll(() => page.getByTestId(`party-member-transfer-${memberId}`).count(), { timeout: 10_000 }).toBe(0);
    const moved = await db.selectFrom('party_members').select(['organization_id', 'grid_code']).where('id', '=', memberId).executeTakeFirstOrThrow();
    expect(moved).toEqual({ organization_id: target.id, grid_code: target.grid_code });
    const history = await db.selectFrom('party_member_transfers').select(['from_organization_id', 'to_organization_id', 'reason']).where('member_id', '=', memberId).execute();
    expect(history).toEqual([{ from_organization_id: first.id, to_organization_id: target.id, reason: '居住地变更' }]);
    const view = await server.app.inject({ url: `/api/party/members/${memberId}`, headers: { cookie: `cg_session=${await cookieOf('street')}` } });
    expect(view.json().transfers[0]).toMatchObject({ fromOrganizationName: first.name, toOrganizationName: target.name, reason: '居住地变更' });
    expect(errors).toEqual([]);
  });

  test('a need is collected, accepted, approved and done through the dialogs; the figures count it', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'street');
    await page.getByTestId('menu-item-livelihood').click();
    const list = page.getByTestId('livelihood-list');
    const before = await count('livelihood_needs', street);
    await expect.poll(() => list.getAttribute('data-total')).toBe(String(before));
    const community = (await server.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'community').where('parent_code', '=', street).orderBy('code').limit(1).executeTakeFirstOrThrow()).code;

    await page.getByTestId('livelihood-new').click();
    await page.getByTestId('livelihood-new-grid').fill(community);
    await page.getByTestId('livelihood-new-title').fill('浏览器测试：增设休闲座椅');
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    await expect.poll(() => list.getAttribute('data-total')).toBe(String(before + 1));
    await list.locator('tbody tr.ant-table-row', { hasText: '浏览器测试：增设休闲座椅' }).click();
    const drawer = page.getByTestId('livelihood-drawer');
    const status = drawer.getByTestId('livelihood-status');
    await expect.poll(() => status.textContent()).toBe('已收集');

    const ok = () => page.locator('.ant-modal-wrap:visible .ant-modal-footer .ant-btn-primary').click();
    await drawer.getByTestId('livelihood-action-accept').click();
    await ok();
    await expect.poll(() => status.textContent()).toBe('已采纳');
    await drawer.getByTestId('livelihood-action-approve').click();
    await page.getByTestId('livelihood-owner').fill('社区居委会 王主任');
    await page.getByTestId('livelihood-budget').fill('5000');
    await page.getByTestId('livelihood-deadline').fill('2099-12-31');
    await ok();
    await expect.poll(() => status.textContent()).toBe('已立项');
    await drawer.getByTestId('livelihood-action-complete').click();
    await page.getByTestId('livelihood-note').fill('座椅已安装');
    await ok();
    await expect.poll(() => status.textContent()).toBe('已办结');
    const row = await server.platform.db.primary.selectFrom('livelihood_needs').select(['status', 'owner', 'budget_cents']).where('title', '=', '浏览器测试：增设休闲座椅').executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'done', owner: '社区居委会 王主任', budget_cents: 500000 });

    await page.goto(`${server.url}/livelihood`);
    await page.getByRole('tab', { name: '统计', exact: true }).click();
    const today = new Date(Date.now() + 8 * 3_600_000);
    const from = new Date(today.getTime() - 364 * 86_400_000).toISOString().slice(0, 10);
    const figures = (await server.app.inject({ method: 'GET', url: `/api/livelihood/figures?from=${from}&to=${today.toISOString().slice(0, 10)}`, headers: { cookie: `cg_session=${await cookieOf('street')}` } })).json();
    // The need done today is among them.
    const done = (await server.platform.db.primary.selectFrom('livelihood_needs').select('grid_code').where('done_at', '>=', Date.parse(`${from}T00:00:00+08:00`)).execute())
      .filter((r) => r.grid_code.startsWith(street)).length;
    expect(figures.total.done).toBe(done);
    await expect.poll(() => page.getByTestId('livelihood-figures-total').textContent()).toBe(`收集 ${figures.total.collected} 件，办结 ${figures.total.done} 件`);
    expect(errors).toEqual([]);
  });

  test('the cadre screens show this month\'s links without a visit and the visits per cadre', async () => {
    const { page } = await browser.newPage();
    await loginAs(page, 'street');
    await page.getByTestId('menu-item-cadres').click();
    await page.getByTestId('cadre-list').locator('tbody tr.ant-table-row').first().waitFor();
    await page.getByRole('tab', { name: '本月未走访' }).click();
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    const cookie = await cookieOf('street');
    const api = (await server.app.inject({ method: 'GET', url: `/api/cadres/not-visited?month=${month}`, headers: { cookie: `cg_session=${cookie}` } })).json();
    expect(api.links).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('cadre-not-visited-summary').textContent()).toBe(`共 ${api.links} 个联系点，本月未走访 ${api.items.length} 个`);
    await page.getByRole('tab', { name: '走访统计' }).click();
    const figures = (await server.app.inject({ method: 'GET', url: `/api/cadres/figures?month=${month}`, headers: { cookie: `cg_session=${cookie}` } })).json();
    await expect.poll(() => page.getByTestId('cadre-figures-total').textContent()).toBe(`本月完成走访 ${figures.totalDone} 次`);
  });
});
