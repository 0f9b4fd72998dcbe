import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { DEFAULT_MINOR_CATEGORIES } from '../../src/modules/incidents/data/categories.js';
import { buildHttp, type Platform } from '../../src/platform.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';

/**
 * The cascade in a real browser between two running platforms (a city and a
 * district, each its own SQLite database and port): the district's dispatcher
 * reports a case up from its page and sees the city's code and status appear
 * on it; the administrator sees the city on the cascade settings screen.
 * Needs the built bundle (`npm run build:web`).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const CATEGORY = DEFAULT_MINOR_CATEGORIES.find((c) => c.departmentCodes[0] === 'D01' && c.caseType !== 'immediate')!;

type Server = { url: string; app: FastifyInstance; platform: Platform; close(): Promise<void> };
let city: Server;
let district: Server;
let browser: TestBrowser;
let caseId = 0;

async function serve(port: number): Promise<Server> {
  const t = await openTestPlatform('sqlite', { webhookAllowHttp: true, cascadePollMs: 100, cascadeRetryBaseMs: 100, cascadeRetryCapMs: 500 });
  await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 0 } });
  const { app } = await buildHttp(t.platform);
  const url = await app.listen({ port, host: '127.0.0.1' });
  return { url, app, platform: t.platform, async close() { await app.close(); await t.close(); } };
}

async function call(s: Server, cookie: string, method: string, url: string, payload?: object) {
  const res = await s.app.inject({ method: method as 'GET', url, headers: { cookie: `cg_session=${cookie}` }, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

async function cookieOf(s: Server, username: string): Promise<string> {
  const login = await s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: DEMO_PASSWORD } });
  return login.cookies.find((c) => c.name === 'cg_session')!.value;
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  city = await serve(7170);
  district = await serve(7171);
  browser = await launchBrowser();
  const root = (await district.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
  const [cityAdmin, districtAdmin] = [await cookieOf(city, 'admin'), await cookieOf(district, 'admin')];
  const client = { scopes: ['cascade'], scopeCode: root, fields: ['found'], ratePerMinute: 600 };
  const atCity = await call(city, cityAdmin, 'POST', '/api/clients', { name: '雨花区平台', ...client });
  const atDistrict = await call(district, districtAdmin, 'POST', '/api/clients', { name: '长沙市平台', ...client });
  await call(district, districtAdmin, 'POST', '/api/cascade/peers', { role: 'parent', name: '长沙市平台', baseUrl: city.url, apiKey: atCity.apiKey, clientId: atDistrict.id });
  await call(city, cityAdmin, 'POST', '/api/cascade/peers', { role: 'child', name: '雨花区平台', baseUrl: district.url, apiKey: atDistrict.apiKey, clientId: atCity.id });
  const operator = await cookieOf(district, 'operator');
  const unit = (await district.platform.db.primary.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select('role_assignments.scope_code').where('users.username', '=', 'worker').executeTakeFirstOrThrow()).scope_code;
  const created = await call(district, operator, 'POST', '/api/incidents', { channel: 'operator_phone', description: '跨区河道污染', gridCode: unit });
  caseId = (created.incident as { id: number }).id;
  await call(district, operator, 'POST', `/api/incidents/${caseId}/actions`, { type: 'register', categoryCode: CATEGORY.code, version: 1 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await district?.close();
  await city?.close();
});

async function loginAs(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${url}/`);
}

describe('cascade in the console', () => {
  test('the dispatcher reports a case up and its page shows the city\'s code and status', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, district.url, 'dispatcher');
    await page.goto(`${district.url}/incidents/${caseId}`);
    await page.getByTestId('cascade-send').click();
    await page.getByTestId('cascade-note').fill('涉及跨区流域，请市级协调');
    await page.getByRole('button', { name: /确\s?定|OK/ }).click();
    const code = page.getByTestId('cascade-peer-code');
    await expect.poll(async () => {
      await page.getByTestId('incident-reload').click();
      return (await code.textContent().catch(() => '')) ?? '';
    }, { timeout: 15_000 }).toMatch(/^\d{12,}$/);
    const cityCode = (await code.textContent())!;
    const atCity = await city.platform.db.primary.selectFrom('incidents').select(['external_ref', 'channel']).where('code', '=', cityCode).executeTakeFirstOrThrow();
    const own = await district.platform.db.primary.selectFrom('incidents').select('code').where('id', '=', caseId).executeTakeFirstOrThrow();
    expect(atCity).toEqual({ external_ref: own.code, channel: 'cascade_district' });
    expect(await page.getByTestId('cascade-peer-status').textContent()).toBe('待受理');
    expect(await page.getByTestId('incident-cascade').textContent()).toContain('已上报至 长沙市平台');
    expect(await page.getByTestId('cascade-send').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  test('the administrator sees the city platform on the cascade screen', async () => {
    const { page } = await browser.newPage();
    await loginAs(page, district.url, 'admin');
    await page.goto(`${district.url}/admin/cascade`);
    const table = page.getByTestId('cascade-peers');
    await expect.poll(() => table.textContent()).toContain('长沙市平台');
    expect(await table.textContent()).toContain(city.url);
    expect(await table.textContent()).toContain('上级（市级）平台');
  });
});
