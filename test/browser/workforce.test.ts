import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import { createRandom } from '../../src/modules/grid/demo/random.js';
import { Locator } from '../../src/modules/grid/rules/locator.js';
import type { GridGeometry } from '../../src/modules/grid/rules/types.js';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { walkPatrol } from '../../src/modules/demo/tracks.js';
import { areaOf } from '../../src/modules/demo/workforce.js';
import { buildHttp, type Platform } from '../../src/platform.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';

/**
 * The workforce console in a real browser against the real server (demo
 * district at scale 0.2): a worker's day (clock records, a patrol walked
 * inside their grid, a case reported on the way) set up through the API,
 * then the attendance screens and the track replay. Needs the built bundle
 * (`npm run build:web`). Screenshots go to $CIVICGRID_SCREENSHOTS (default:
 * the temp dir).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');
const SHANGHAI = 8 * 3_600_000;
const DAY = 86_400_000;

let server: { url: string; app: FastifyInstance; platform: Platform; close(): Promise<void> };
let browser: TestBrowser;
/** Yesterday, local. */
const Y = new Date(Date.now() + SHANGHAI - DAY).toISOString().slice(0, 10);
const at = (h: number, m = 0) => Date.parse(`${Y}T00:00:00+08:00`) + h * 3_600_000 + m * 60_000;
let walkerId = 0;
let absentId = 0;
let caseId = 0;
let caseCode = '';
let communityName = '';
let otherStreetName = '';

async function api(cookie: string, method: string, url: string, body?: unknown) {
  const res = await server.app.inject({ method: method as 'POST', url, headers: { cookie: `cg_session=${cookie}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

async function loginApi(username: string): Promise<string> {
  const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: DEMO_PASSWORD } });
  return res.cookies.find((c) => c.name === 'cg_session')!.value;
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  mkdirSync(SHOTS, { recursive: true });
  const t = await openTestPlatform('sqlite');
  await loadDemo(t.platform, { scale: 0.2 });
  const { app } = await buildHttp(t.platform);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  server = { url, app, platform: t.platform, async close() { await app.close(); await t.close(); } };
  browser = await launchBrowser();

  const p = t.platform;
  const admin = await loginApi('admin');
  const grids = await p.db.primary.selectFrom('grids').select(['code', 'name', 'level', 'parent_code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).orderBy('code').execute();
  const streets = grids.filter((g) => g.level === 'street');
  const unit = grids.find((g) => g.level === 'unit')!;
  const community = grids.find((g) => g.code === unit.parent_code)!;
  communityName = community.name;
  otherStreetName = streets[1]!.name;
  const otherUnit = grids.find((g) => g.level === 'unit' && g.code.startsWith(streets[1]!.code))!;
  // Two workers in the first community, one in another street.
  const users: Record<string, number> = {};
  for (const [username, display, scope, grid] of [['walker', '网格员 李巡', community.code, unit.code], ['stayhome', '网格员 王缺', community.code, unit.code], ['faraway', '网格员 赵远', otherUnit.code.slice(0, 12), otherUnit.code]] as const) {
    const created = await api(admin, 'POST', '/api/admin/users', { username, displayName: display, password: DEMO_PASSWORD });
    const id = (created.user as { id: number }).id;
    await api(admin, 'POST', `/api/admin/users/${id}/assignments`, { role: 'grid_worker', scopeKind: 'grid', scopeCode: scope });
    await p.db.primary.updateTable('users').set({ must_change_password: 0 }).where('id', '=', id).execute();
    await p.grid.setWorkers(null, SYSTEM_ACTOR, grid, [{ userId: id, role: 'full_time', from: '2020-01-01' }, ...((await p.grid.workersOf([grid])).get(grid) ?? []).filter((w) => w.userId !== id).map((w) => ({ userId: w.userId, role: w.role, from: w.from }))]);
    users[username] = id;
  }
  walkerId = users.walker!;
  absentId = users.stayhome!;
  const team = await api(admin, 'POST', '/api/teams', { communityCode: community.code });
  await api(admin, 'POST', `/api/teams/${team.id as number}/members`, { userId: walkerId, roleCode: 'full_time_worker', gridCodes: [unit.code], fromDate: Y });
  await api(admin, 'POST', `/api/teams/${team.id as number}/members`, { userId: absentId, roleCode: 'part_time_worker', gridCodes: [unit.code], fromDate: Y });
  const other = await api(admin, 'POST', '/api/teams', { communityCode: otherUnit.code.slice(0, 12) });
  await api(admin, 'POST', `/api/teams/${other.id as number}/members`, { userId: users.faraway!, roleCode: 'full_time_worker', gridCodes: [otherUnit.code], fromDate: Y });
  // Every day on duty 08:30–17:30, so yesterday counts whatever day of the week it was.
  const detail = await api(admin, 'GET', `/api/teams/${team.id as number}`);
  await api(admin, 'PUT', `/api/teams/${team.id as number}/rota`, { weekly: Array(7).fill({ start: '08:30', end: '17:30' }), followCalendar: false, version: detail.version });
  const otherDetail = await api(admin, 'GET', `/api/teams/${other.id as number}`);
  await api(admin, 'PUT', `/api/teams/${other.id as number}/rota`, { weekly: Array(7).fill({ start: '08:30', end: '17:30' }), followCalendar: false, version: otherDetail.version });

  // The walker's yesterday: in at 08:40 (late), a patrol 09:00–10:00 inside the grid, a case at 09:30 where the walk was, out at 17:35.
  const walker = await loginApi('walker');
  const locator = new Locator(grids.filter((g) => g.level === 'unit').map((g) => ({ code: g.code, geometry: JSON.parse(g.geometry) as GridGeometry })));
  const area = areaOf(locator, [{ code: unit.code, box: [unit.min_lng, unit.min_lat, unit.max_lng, unit.max_lat] }], unit.code);
  const walk = walkPatrol(createRandom('browser-walk'), area, at(9), at(10), [], { intervalMs: 10_000, spikeChance: 0 });
  const [clockLng, clockLat] = area.randomPoint(createRandom('clock'));
  await api(walker, 'POST', '/api/attendance/clock', { id: crypto.randomUUID(), kind: 'in', at: new Date(at(8, 40)).toISOString(), position: { lng: clockLng, lat: clockLat } });
  const patrol = crypto.randomUUID();
  await api(walker, 'POST', '/api/patrols', { id: patrol, startedAt: new Date(at(9)).toISOString() });
  for (let i = 0; i < walk.points.length; i += 100) {
    await api(walker, 'POST', `/api/patrols/${patrol}/points`, { points: walk.points.slice(i, i + 100).map((x) => ({ at: new Date(x.at).toISOString(), lng: x.lng, lat: x.lat, accuracyM: x.accuracyM })) });
  }
  await api(walker, 'POST', `/api/patrols/${patrol}/stop`, { endedAt: new Date(at(10)).toISOString() });
  await api(walker, 'POST', '/api/attendance/clock', { id: crypto.randomUUID(), kind: 'out', at: new Date(at(17, 35)).toISOString(), position: { lng: clockLng, lat: clockLat } });
  const onTheWay = walk.points.find((x) => x.at >= at(9, 30))!;
  const reported = await api(walker, 'POST', '/api/incidents', { channel: 'grid_worker', description: '人行道井盖破损', position: { lng: onTheWay.lng, lat: onTheWay.lat, crs: 'wgs84' } });
  const incident = reported.incident as { id: number; code: string };
  caseId = incident.id;
  caseCode = incident.code;
  // Reported while walking yesterday (the API stamps the server's time; the setup moves it back).
  await p.db.primary.updateTable('incidents').set({ reported_at: onTheWay.at }).where('id', '=', caseId).execute();
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

describe('workforce console', () => {
  test('attendance: the day, an area filter, the month and its Excel export', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'admin');
    await page.getByTestId('menu-item-workforce').click();
    await page.getByTestId('workforce-tab-attendance').click();
    await page.goto(`${server.url}/workforce/attendance?date=${Y}`);
    const table = page.getByTestId('attendance-day-table');
    const row = (id: number) => table.getByTestId(`attendance-row-${id}`);
    await row(walkerId).waitFor();
    expect(await row(walkerId).getByTestId('status-late').count()).toBe(1);
    expect(await row(walkerId).textContent()).toContain('08:40');
    expect(await row(walkerId).textContent()).toContain('17:35');
    expect(await row(walkerId).textContent()).toContain(communityName);
    expect(await row(absentId).getByTestId('status-absent').count()).toBe(1);
    // Names only: no user ids or grid codes in the table.
    expect(await table.textContent()).not.toMatch(/430111\d{6}/);
    await expect.poll(() => table.locator('tbody tr.ant-table-row').count(), { timeout: 15_000 }).toBe(3);

    // Only the other street: the first community's workers go.
    await page.getByTestId('attendance-area').click();
    await page.locator('.ant-cascader-menu-item', { hasText: otherStreetName }).first().click();
    await page.keyboard.press('Escape');
    await expect.poll(() => table.locator('tbody tr.ant-table-row').count(), { timeout: 15_000 }).toBe(1);
    expect(await row(walkerId).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'workforce-attendance-day.png') });

    // The month, per worker and per community, and the export.
    await page.goto(`${server.url}/workforce/attendance?view=month&month=${Y.slice(0, 7)}`);
    const month = page.getByTestId('attendance-month-table');
    await expect.poll(() => month.locator('tbody tr.ant-table-row').count(), { timeout: 15_000 }).toBe(3);
    expect(await month.textContent()).toContain('网格员 李巡');
    const download = page.waitForEvent('download');
    await page.getByTestId('attendance-export').click();
    const file = await download;
    const stamp = new Date(Date.now() + SHANGHAI).toISOString().slice(0, 10).replaceAll('-', '');
    expect(file.suggestedFilename()).toBe(`考勤-${Y.slice(0, 7)}-导出${stamp}.xlsx`);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(readFileSync(await file.path()) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['人员汇总', '社区汇总', '街道汇总', '每日明细']);
    expect(wb.getWorksheet('人员汇总')!.getColumn(4).values).toContain('网格员 李巡');
    await page.screenshot({ path: join(SHOTS, 'workforce-attendance-month.png') });
    expect(errors).toEqual([]);
  });

  test('track replay: from the attendance row to the worker\'s day on the map, played, with the case reported on the way', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'supervisor');
    await page.goto(`${server.url}/workforce/attendance?date=${Y}`);
    await page.getByTestId(`attendance-track-${walkerId}`).click();
    await page.waitForURL(/\/workforce\/tracks\?/);
    const map = page.locator('[data-testid="track-map"][data-ready="true"]');
    await map.waitFor();
    expect(await map.getAttribute('data-features')).toBe('1');
    expect(Number(await map.getAttribute('data-vertices'))).toBeGreaterThan(300);
    await expect.poll(() => page.getByTestId('track-worker').textContent(), { timeout: 15_000 }).toContain('网格员 李巡');
    await expect.poll(() => page.getByTestId('track-patrols').locator('tbody tr.ant-table-row').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.getByTestId('track-patrols').textContent()).toContain('09:00');
    expect(await page.getByTestId('track-clocks').textContent()).toContain('08:40');
    // The slider starts at the first fix.
    expect(await page.getByTestId('track-time').textContent()).toMatch(/^09:00:\d\d$/);
    const marker = page.getByTestId('track-marker');
    const start = await marker.getAttribute('data-lnglat');

    // Playing moves the clock and the marker along the track.
    await page.getByTestId('track-play').click();
    await expect.poll(() => page.getByTestId('track-time').textContent(), { timeout: 10_000 }).not.toMatch(/^09:00:/);
    await page.getByTestId('track-play').click();
    expect(await marker.getAttribute('data-lnglat')).not.toBe(start);
    // The slider's end is the last fix, at the end of the patrol.
    await page.getByRole('slider').focus();
    await page.keyboard.press('End');
    await expect.poll(() => page.getByTestId('track-time').textContent(), { timeout: 15_000 }).toMatch(/^09:59:\d\d$/);
    await page.screenshot({ path: join(SHOTS, 'workforce-track-replay.png') });

    // The case reported on the way is listed and opens its incident page.
    await page.getByTestId(`track-case-${caseCode}`).click();
    await page.waitForURL(`${server.url}/incidents/${caseId}`);
    await expect.poll(() => page.locator('body').textContent(), { timeout: 15_000 }).toContain(caseCode);
    expect(errors).toEqual([]);
  });
});
