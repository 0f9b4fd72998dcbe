import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { D01_CATEGORY } from '../incidents/support.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The citizens' public page (/report/) on a phone viewport without an
 * account: report a problem with a photo and the GPS position, follow the
 * private link, staff handle the case to closed through the API, the citizen
 * sees it closed in plain words and rates it; the operator sees the rating on
 * the case page. Needs web/dist (`npm run build:web`).
 */
const DIST_REPORT = fileURLToPath(new URL('../../web/dist/report/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
let photo: Buffer;
let point: { lng: number; lat: number };
const cookies: Record<string, string> = {};
const contexts: BrowserContext[] = [];

async function call(username: string, method: string, url: string, body?: unknown) {
  if (!cookies[username]) {
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
    expect(res.statusCode, res.body).toBe(200);
    cookies[username] = res.cookies.find((c) => c.name === 'cg_session')!.value;
  }
  return server.app.inject({
    method: method as 'GET', url, headers: { cookie: `cg_session=${cookies[username]}` },
    ...(body instanceof Buffer ? { payload: body, headers: { cookie: `cg_session=${cookies[username]}`, 'content-type': 'image/png' } } : body !== undefined ? { payload: body as object } : {}),
  });
}

beforeAll(async () => {
  if (!existsSync(DIST_REPORT)) throw new Error('web/dist/report is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="1200"><rect width="100%" height="100%" fill="#6b4f2b"/><circle cx="800" cy="600" r="400" fill="#ddd"/></svg>';
  photo = await sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
  const me = (await call('worker', 'GET', '/api/auth/me')).json() as { roles: { role: string; scope: { code: string } }[] };
  const workerGrid = me.roles.find((r) => r.role === 'grid_worker')!.scope.code;
  const card = (await call('worker', 'GET', `/api/grids/${workerGrid}`)).json() as { labelPoint: [number, number] };
  point = { lng: card.labelPoint[0], lat: card.labelPoint[1] };
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

async function phone(): Promise<Page> {
  const context = await browser.browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    geolocation: { longitude: point.lng, latitude: point.lat, accuracy: 15 }, permissions: ['geolocation'],
  });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error('[citizen] page error:', e.message));
  return page;
}

async function act(username: string, id: number, body: Record<string, unknown>) {
  const detail = (await call(username, 'GET', `/api/incidents/${id}`)).json() as { incident: { version: number } };
  const res = await call(username, 'POST', `/api/incidents/${id}/actions`, { version: detail.incident.version, ...body });
  expect(res.statusCode, `${username} ${String(body.type)}: ${res.body}`).toBe(200);
}

describe('citizen public page at 390×844', () => {
  test('report without an account → follow link → staff close the case → the citizen rates it → staff see the rating', async () => {
    const page = await phone();
    // The short address leads to the page.
    await page.goto(`${server.url}/report`);
    expect(new URL(page.url()).pathname).toBe('/report/');
    await page.getByTestId('page-public-report').waitFor();
    // Not signed in, and nothing asks to be.
    expect(await page.getByTestId('login-username').count()).toBe(0);
    await page.getByTestId('report-description').fill('人行道井盖缺失，夜里很危险');
    await page.getByTestId('report-photos-input').setInputFiles({ name: 'manhole.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.getByTestId('report-photo').first().waitFor();
    // A tap on the sketch places the report; the GPS then gives the precise point.
    await page.getByTestId('tap-map').click();
    await page.getByTestId('tap-map-point').waitFor();
    await page.getByTestId('report-gps').click();
    await expect.poll(() => page.getByTestId('report-position').textContent()).toContain(point.lng.toFixed(5));
    await page.getByTestId('report-name').fill('林女士');
    await page.getByTestId('report-phone').fill('13566667777');
    await page.getByTestId('report-submit').click();
    await page.getByTestId('report-done').waitFor();
    const code = (await page.getByTestId('report-code').textContent())!.trim();
    expect(code).toMatch(/^\d{12,}$/);

    // The case is in the intake queue as a citizen report with its photo.
    const found = (await call('operator', 'GET', `/api/incidents?q=${code}&pageSize=5`)).json() as { items: { id: number; code: string; channel: string; photos: string[]; status: string }[] };
    const incident = found.items.find((i) => i.code === code)!;
    expect(incident).toMatchObject({ channel: 'citizen', status: 'reported' });
    expect(incident.photos).toHaveLength(1);

    await page.getByTestId('follow-link').click();
    await page.getByTestId('page-follow').waitFor();
    expect(await page.getByTestId('follow-code').textContent()).toBe(code);
    expect(await page.getByTestId('follow-status').getAttribute('data-milestone')).toBe('received');
    expect(await page.getByTestId('follow-rate').count()).toBe(0);

    const upload = await call('handler', 'POST', '/api/files', photo);
    expect(upload.statusCode, upload.body).toBeLessThan(300);
    await act('operator', incident.id, { type: 'register', categoryCode: D01_CATEGORY.code });
    await act('dispatcher', incident.id, { type: 'dispatch', leadDepartmentCode: 'D01' });
    await act('handler', incident.id, { type: 'start-handling' });
    await act('handler', incident.id, { type: 'reply', result: '已补装井盖', photos: [upload.json().hash] });
    await act('worker', incident.id, { type: 'verify-pass', note: '网格员拍照确认井盖已装' });
    await act('operator', incident.id, { type: 'close' });

    await page.getByTestId('follow-refresh').click();
    await expect.poll(() => page.getByTestId('follow-status').getAttribute('data-milestone')).toBe('closed');
    expect(await page.getByTestId('follow-status').textContent()).toBe('已办结');
    const steps = await page.getByTestId('follow-steps').textContent();
    expect(steps).toContain('已交办处置部门');
    // Plain words only: no staff, no department, no notes.
    const text = await page.locator('body').textContent();
    for (const hidden of ['王芳', '李强', '刘洋', '陈静', '已补装井盖', '拍照确认', 'D01', '13566667777']) expect(text).not.toContain(hidden);

    await page.getByTestId('verdict-basically_satisfied').click();
    await page.getByTestId('rating-comment').fill('处理及时，希望加强巡查');
    await page.getByTestId('rating-submit').click();
    await page.getByTestId('follow-rating').waitFor();
    expect(await page.getByTestId('follow-rating').textContent()).toContain('基本满意');
    expect(await page.getByTestId('follow-rate').count()).toBe(0);

    // The public map shows only public categories: this case (高空坠物隐患) is not on it.
    await page.goto(`${server.url}/report/#map`);
    await page.getByTestId('page-public-map').waitFor();
    await page.getByTestId('tap-map').waitFor();
    expect(await page.getByTestId('public-map-list').textContent()).not.toContain(code);

    // The operator sees the rating on the case page.
    const { page: desk } = await browser.newPage();
    await desk.goto(`${server.url}/login`);
    await desk.getByTestId('login-username').fill('operator');
    await desk.getByTestId('login-password').fill(PASSWORD);
    await desk.getByTestId('login-submit').click();
    await desk.waitForURL(`${server.url}/`);
    await desk.goto(`${server.url}/incidents/${incident.id}`);
    await desk.getByTestId('incident-rating').waitFor();
    expect(await desk.getByTestId('incident-rating-verdict').textContent()).toBe('基本满意');
    expect(await desk.getByTestId('incident-rating').textContent()).toContain('处理及时');
  });
});
