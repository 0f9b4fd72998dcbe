import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { makeIdNumber } from '../../src/modules/basedata/rules/id-number.js';
import { DEFAULT_MINOR_CATEGORIES } from '../../src/modules/incidents/data/categories.js';
import { D01_CATEGORY } from '../incidents/support.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The worker's phone app (/m/) in a phone-sized Chromium (390×844, touch, emulated GPS) with its
 * service worker: a report made offline with a photo survives a reload while offline (the service
 * worker serves the app, IndexedDB keeps the report) and is created exactly once when the network
 * returns, even when the first answer is lost; a replied case is verified from My tasks offline.
 * Needs web/dist (`npm run build:web`).
 */
const DIST_MOBILE = fileURLToPath(new URL('../../web/dist/m/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
let photo: Buffer;
let point: { lng: number; lat: number };
let workerGrid: string;
const cookies: Record<string, string> = {};
const contexts: BrowserContext[] = [];

async function login(username: string): Promise<string> {
  if (cookies[username]) return cookies[username]!;
  const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
  expect(res.statusCode, res.body).toBe(200);
  cookies[username] = res.cookies.find((c) => c.name === 'cg_session')!.value;
  return cookies[username]!;
}

async function call(username: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const cookie = await login(username);
  return server.app.inject({
    method: method as 'GET',
    url,
    headers: { cookie: `cg_session=${cookie}`, ...headers },
    ...(body instanceof Buffer ? { payload: body } : body !== undefined ? { payload: body as object } : {}),
  });
}

beforeAll(async () => {
  if (!existsSync(DIST_MOBILE)) throw new Error('web/dist/m is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="1800"><rect width="100%" height="100%" fill="#8b5a2b"/><circle cx="1200" cy="900" r="600" fill="#fff"/></svg>';
  photo = await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
  const me = (await call('worker', 'GET', '/api/auth/me')).json() as { roles: { role: string; scope: { code: string } }[] };
  workerGrid = me.roles.find((r) => r.role === 'grid_worker')!.scope.code;
  const card = (await call('worker', 'GET', `/api/grids/${workerGrid}`)).json() as { labelPoint: [number, number] };
  point = { lng: card.labelPoint[0], lat: card.labelPoint[1] };
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

/** A phone: 390×844, touch, Beijing time, GPS at `at`, service workers allowed. */
async function phone(at: { lng: number; lat: number }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    geolocation: { longitude: at.lng, latitude: at.lat, accuracy: 12 },
    permissions: ['geolocation'],
    serviceWorkers: 'allow',
  });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[phone] page error:', e.message));
  return { context, page };
}

/** Signs the worker in on the phone and waits until the service worker controls the page. */
async function signIn(page: Page, username = 'worker'): Promise<void> {
  await page.goto(`${server.url}/m/`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('page-report').waitFor();
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 15_000 }).toBe(true);
}

async function incidentsWith(description: string) {
  const res = await call('operator', 'GET', `/api/incidents?q=${encodeURIComponent(description)}&pageSize=50`);
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: { id: number; description: string; photos: string[]; status: string }[] }).items.filter((i) => i.description === description);
}

async function pickCategory(page: Page, name: string, code: string): Promise<void> {
  await page.getByTestId('report-category').click();
  await page.locator('[data-testid="category-search"] input').fill(name);
  await page.getByTestId(`category-${code}`).first().click();
  await expect.poll(() => page.getByTestId('report-category-value').textContent()).toBe(name);
}

describe('worker app at 390×844', () => {
  test('a report made offline with a photo survives a reload and is created exactly once with its photo', async () => {
    const { context, page } = await phone(point);
    await signIn(page);
    // What the app needs offline is fetched once online: the grid outline (drawn), the categories (listed).
    await page.getByTestId('grid-sketch').waitFor();
    await expect.poll(() => page.getByTestId('report-grid').getAttribute('data-inside')).toBe('true');
    expect(await page.getByTestId('report-grid').textContent()).toContain(workerGrid);
    await expect.poll(() => page.getByTestId('report-accuracy').textContent()).toContain('12');
    await page.getByTestId('report-category').click();
    await page.getByTestId(`category-${D01_CATEGORY.code}`).first().waitFor();
    await page.keyboard.press('Escape');
    // The page fits the phone: nothing wider than the screen.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

    await context.setOffline(true);
    await expect.poll(() => page.getByTestId('offline-bar').count()).toBe(1);
    // Offline, the grid comes from the kept outline.
    await expect.poll(() => page.getByTestId('report-grid').textContent()).toContain('离线');
    await page.getByTestId('report-photos-input').setInputFiles({ name: 'manhole.jpg', mimeType: 'image/jpeg', buffer: photo });
    await expect.poll(() => page.getByTestId('report-photos-thumb').count()).toBe(1);
    await pickCategory(page, D01_CATEGORY.nameZh, D01_CATEGORY.code);
    const description = `离线上报 井盖破损 ${Date.now()}`;
    await page.locator('textarea[data-testid="report-description"]').fill(description);
    await page.getByTestId('report-submit').click();
    const item = page.locator('[data-testid="recent-sends"] [data-testid="outbox-item"]').first();
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state')).toBe('waiting');
    await page.screenshot({ path: '/tmp/mobile-report-offline.png', fullPage: true });

    // Closed and opened again without a network: the service worker serves the app, IndexedDB the report.
    await page.reload();
    await page.getByTestId('page-report').waitFor();
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state')).toBe('waiting');
    expect(await incidentsWith(description)).toHaveLength(0);

    await context.setOffline(false);
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('sent');
    const created = await incidentsWith(description);
    expect(created).toHaveLength(1);
    expect(created[0]!.photos).toHaveLength(1);
    // The photo was made smaller in the phone: 1600 px on the longest side, JPEG.
    const file = await call('worker', 'GET', `/api/files/${created[0]!.photos[0]}`);
    expect(file.headers['content-type']).toBe('image/jpeg');
    const meta = await sharp(file.rawPayload).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(1600);

    // Opening the app again sends nothing more.
    await page.reload();
    await page.getByTestId('page-report').waitFor();
    await page.waitForTimeout(1500);
    expect(await incidentsWith(description)).toHaveLength(1);
    await page.screenshot({ path: '/tmp/mobile-report-sent.png', fullPage: true });
  });

  test('a report whose answer is lost is sent again with its key and created once', async () => {
    const { context, page } = await phone(point);
    await signIn(page);
    await page.getByTestId('grid-sketch').waitFor();
    // The server makes the incident, but the phone never hears back (as when the network drops mid-answer).
    let lost = 0;
    await context.route('**/api/incidents', async (route) => {
      if (route.request().method() !== 'POST' || lost > 0) return route.fallback();
      lost += 1;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByTestId('report-photos-input').setInputFiles({ name: 'a.jpg', mimeType: 'image/jpeg', buffer: photo });
    await expect.poll(() => page.getByTestId('report-photos-thumb').count()).toBe(1);
    await pickCategory(page, D01_CATEGORY.nameZh, D01_CATEGORY.code);
    const description = `应答丢失 ${Date.now()}`;
    await page.locator('textarea[data-testid="report-description"]').fill(description);
    await page.getByTestId('report-submit').click();
    const item = page.locator('[data-testid="recent-sends"] [data-testid="outbox-item"]').first();
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('sent');
    expect(lost).toBe(1);
    const created = await incidentsWith(description);
    expect(created).toHaveLength(1);
    expect(created[0]!.photos).toHaveLength(1);
  });

  test('a replied case is verified from My tasks while offline and reaches the server once, though its answer is lost', async () => {
    // The loop up to the department's reply, through the API: operator reports and registers, dispatcher dispatches, handler replies.
    const description = `待核查 路灯不亮 ${Date.now()}`;
    const created = await call('operator', 'POST', '/api/incidents', { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().incident.id as number;
    const step = async (user: string, body: Record<string, unknown>) => {
      const detail = (await call(user, 'GET', `/api/incidents/${id}`)).json() as { incident: { version: number } };
      const res = await call(user, 'POST', `/api/incidents/${id}/actions`, { version: detail.incident.version, ...body });
      expect(res.statusCode, res.body).toBe(200);
    };
    await step('operator', { type: 'register', categoryCode: D01_CATEGORY.code });
    await step('dispatcher', { type: 'dispatch', leadDepartmentCode: 'D01' });
    await step('handler', { type: 'start-handling' });
    const upload = await call('handler', 'POST', '/api/files', photo, { 'content-type': 'image/jpeg' });
    expect(upload.statusCode, upload.body).toBeLessThan(300);
    await step('handler', { type: 'reply', result: '已修复', photos: [upload.json().hash] });

    const { context, page } = await phone(point);
    await signIn(page);
    await page.getByTestId('tab-tasks').click();
    await page.getByTestId(`task-incident-${id}`).click();
    await page.getByTestId('page-task-incident').waitFor();
    await expect.poll(() => page.getByTestId('task-status').getAttribute('data-status')).toBe('replied');

    await context.setOffline(true);
    await page.getByTestId('task-action-verify-pass').click();
    await page.locator('textarea[data-testid="action-text"]').fill('现场查看，已修复');
    await page.getByTestId('action-photos-input').setInputFiles({ name: 'check.jpg', mimeType: 'image/jpeg', buffer: photo });
    await expect.poll(() => page.getByTestId('action-photos-thumb').count()).toBe(1);
    await page.getByTestId('action-submit').click();
    await page.getByTestId('page-tasks').waitFor();
    await page.reload();
    await page.getByTestId('tab-me').click();
    const item = page.locator('[data-testid="outbox-item"][data-kind="action"]').first();
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state')).toBe('waiting');
    const stillReplied = (await call('operator', 'GET', `/api/incidents/${id}`)).json() as { incident: { status: string } };
    expect(stillReplied.incident.status).toBe('replied');

    // The first answer is lost on the way back: the retry meets a changed version (409), finds its own
    // verification on the timeline and counts it as sent; nothing is applied twice.
    let lost = 0;
    await context.route('**/api/incidents/*/actions', async (route) => {
      if (lost > 0) return route.fallback();
      lost += 1;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await context.setOffline(false);
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('sent');
    expect(lost).toBe(1);
    const after = (await call('operator', 'GET', `/api/incidents/${id}`)).json() as { incident: { status: string }; timeline: { action: string; attachments: string[] }[] };
    expect(after.incident.status).toBe('verified');
    const passes = after.timeline.filter((e) => e.action === 'verify-pass');
    expect(passes).toHaveLength(1);
    expect(passes[0]!.attachments).toHaveLength(1);
    await page.screenshot({ path: '/tmp/mobile-outbox.png', fullPage: true });
  });

  test('a 即办 category offers self-resolve with after photos, and the case arrives verified', async () => {
    const immediate = DEFAULT_MINOR_CATEGORIES.find((c) => c.caseType === 'immediate')!;
    const { page } = await phone(point);
    await signIn(page);
    await page.getByTestId('grid-sketch').waitFor();
    await page.getByTestId('report-photos-input').setInputFiles({ name: 'before.jpg', mimeType: 'image/jpeg', buffer: photo });
    await pickCategory(page, immediate.nameZh, immediate.code);
    await page.getByTestId('report-self-resolve').click();
    await page.getByTestId('report-after-photos-input').setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: await sharp(photo).negate().toBuffer() });
    await expect.poll(() => page.getByTestId('report-after-photos-thumb').count()).toBe(1);
    const description = `即办 ${Date.now()}`;
    await page.locator('textarea[data-testid="report-description"]').fill(description);
    await page.getByTestId('report-submit').click();
    const item = page.locator('[data-testid="recent-sends"] [data-testid="outbox-item"]').first();
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('sent');
    const [incident] = await incidentsWith(description);
    expect(incident?.status).toBe('verified');
    expect(incident?.photos).toHaveLength(1);
    const detail = (await call('operator', 'GET', `/api/incidents/${incident!.id}`)).json() as { timeline: { action: string; attachments: string[]; data: Record<string, unknown> }[] };
    const resolved = detail.timeline.filter((e) => e.action === 'self-resolve');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]!.data.beforePhotos).toEqual(incident!.photos);
    expect(resolved[0]!.data.afterPhotos).toHaveLength(1);
  });

  test('an urged case in the grid is in My tasks with what the state machine allows: the worker fixes it on the spot', async () => {
    const immediate = DEFAULT_MINOR_CATEGORIES.find((c) => c.caseType === 'immediate')!;
    const description = `督办 待处理 ${Date.now()}`;
    const created = await call('operator', 'POST', '/api/incidents', { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().incident.id as number;
    const urged = await call('supervisor', 'POST', `/api/incidents/${id}/actions`, { type: 'urge', version: created.json().incident.version, note: '尽快处理' });
    expect(urged.statusCode, urged.body).toBe(200);

    const { page } = await phone(point);
    await signIn(page);
    await page.getByTestId('tab-tasks').click();
    await page.getByTestId('tasks-tab-watch').click();
    await page.getByTestId(`task-incident-${id}`).click();
    await expect.poll(() => page.getByTestId('task-status').getAttribute('data-status')).toBe('reported');
    // A reported case offers the worker only what the state machine allows: no verification yet.
    expect(await page.getByTestId('task-action-verify-pass').count()).toBe(0);
    await page.getByTestId('task-action-self-resolve').click();
    await page.getByTestId('action-category').click();
    await page.locator('[data-testid="category-search"] input').fill(immediate.nameZh);
    await page.getByTestId(`category-${immediate.code}`).first().click();
    await page.getByTestId('action-photos-input').setInputFiles({ name: 'before.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByTestId('action-after-photos-input').setInputFiles({ name: 'after.jpg', mimeType: 'image/jpeg', buffer: await sharp(photo).negate().toBuffer() });
    await expect.poll(() => page.getByTestId('action-after-photos-thumb').count()).toBe(1);
    await page.getByTestId('action-submit').click();
    await page.getByTestId('page-tasks').waitFor();
    await expect.poll(async () => ((await call('operator', 'GET', `/api/incidents/${id}`)).json() as { incident: { status: string } }).incident.status, { timeout: 20_000 }).toBe('verified');
    const detail = (await call('operator', 'GET', `/api/incidents/${id}`)).json() as { incident: { categoryCode: string }; timeline: { action: string; attachments: string[] }[] };
    expect(detail.incident.categoryCode).toBe(immediate.code);
    expect(detail.timeline.find((e) => e.action === 'self-resolve')?.attachments).toHaveLength(2);
  });

  test('a household due a visit is listed in My tasks and the visit recorded from the phone is stored once', async () => {
    const household = await call('basedata', 'POST', '/api/households', { householdNo: `H-M-${Date.now()}`, gridCode: workerGrid });
    expect(household.statusCode, household.body).toBe(201);
    const householdId = household.json().id as number;
    const resident = await call('basedata', 'POST', '/api/residents', {
      gridCode: workerGrid, name: '独居老人甲', idNumber: makeIdNumber('430111', '19400101', 11, 'female'), population: 'registered', householdId, relation: '户主', tags: ['elderly_alone'],
    });
    expect(resident.statusCode, resident.body).toBe(201);

    const { page } = await phone(point);
    await signIn(page);
    await page.getByTestId('tab-tasks').click();
    await page.getByTestId('tasks-tab-visits').click();
    await page.getByTestId(`task-visit-${householdId}`).click();
    await page.getByTestId('page-visit').waitFor();
    expect(await page.getByTestId('page-visit').textContent()).toContain('独居老人');
    await page.locator('textarea[data-testid="visit-summary"]').fill('入户走访，老人身体尚好');
    await page.getByTestId('visit-submit').click();
    await page.getByTestId('page-tasks').waitFor();
    await page.getByTestId('tab-me').click();
    const item = page.locator('[data-testid="outbox-item"][data-kind="visit"]').first();
    await expect.poll(() => item.getByTestId('outbox-state').getAttribute('data-state'), { timeout: 20_000 }).toBe('sent');
    const visits = (await call('basedata', 'GET', `/api/households/${householdId}/visits`)).json() as { summary: string; visitorName: string }[];
    expect(visits.map((v) => v.summary)).toEqual(['入户走访，老人身体尚好']);
    // Visited now: no longer due.
    const due = (await call('worker', 'GET', `/api/basedata/visits-due?gridCode=${workerGrid}`)).json() as { items: { householdId: number }[] };
    expect(due.items.map((i) => i.householdId)).not.toContain(householdId);
  });

  test('clock-in outside the grid is refused with the distance and the tolerance', async () => {
    const outside = { lng: point.lng + 0.05, lat: point.lat + 0.05 };
    const { page } = await phone(outside);
    await signIn(page);
    await page.getByTestId('tab-patrol').click();
    await page.getByTestId('grid-sketch').waitFor();
    await page.getByTestId('clock-in').click();
    const refused = page.getByTestId('clock-refused');
    await refused.waitFor({ timeout: 20_000 });
    expect(await refused.textContent()).toMatch(/不在您负责的网格范围内.*\d+\s*米/);
    await page.screenshot({ path: '/tmp/mobile-clock-refused.png', fullPage: true });
  });

  test('a patrol started and stopped on the phone stores its track on the server', async () => {
    const { context, page } = await phone(point);
    await signIn(page);
    await page.getByTestId('tab-patrol').click();
    await page.getByTestId('patrol-start').click();
    await page.getByTestId('patrol-active').waitFor();
    // Walk north about 13 m at a time, at a brisk pace (the server drops points faster than 12 m/s as GPS spikes).
    for (let i = 1; i <= 4; i++) {
      await page.waitForTimeout(1600);
      await context.setGeolocation({ longitude: point.lng, latitude: point.lat + i * 0.00012, accuracy: 8 });
      await expect.poll(() => page.getByTestId('patrol-stats').textContent()).toContain(`${i + 1} 个轨迹点`);
    }
    await page.getByTestId('patrol-stop').click();
    await page.getByTestId('patrol-start').waitFor();
    await page.getByTestId('tab-me').click();
    await expect.poll(async () => page.locator('[data-testid="outbox-item"] [data-state="waiting"], [data-testid="outbox-item"] [data-state="sending"]').count(), { timeout: 20_000 }).toBe(0);
    const me = (await call('worker', 'GET', '/api/auth/me')).json() as { id: number };
    const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const patrols = await call('supervisor', 'GET', `/api/patrols?userId=${me.id}&date=${day}`);
    expect(patrols.statusCode, patrols.body).toBe(200);
    const ended = (patrols.json() as { patrols: { endedAt: string | null; pointCount: number; distanceM: number }[] }).patrols.filter((p) => p.endedAt !== null);
    expect(ended.at(-1)?.pointCount).toBe(5);
    expect(ended.at(-1)?.distanceM).toBeGreaterThan(40);
    expect(ended.at(-1)?.distanceM).toBeLessThan(60);
  });
});
