import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { D01_CATEGORY } from '../incidents/support.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * Joint meetings and campaigns in the browser. A street operator plans a
 * community meeting, puts an escalated case on its agenda, decides to make
 * it a new incident dispatched with a deadline, decides a free item as a
 * 民生实事 need (whose drawer links back to the meeting) and closes the meeting; then
 * drafts a fire safety campaign from its template, pushes it to the
 * community, the grid worker fills two places on the phone (390×844), one
 * with a finding, the other offline (sent from the outbox when the network
 * returns), each with the required scene photo (refused without it), and the
 * console shows the progress and the photos (thumbnail, opened on click). Needs web/dist
 * (`npm run build:web`); screenshots go to $CIVICGRID_SCREENSHOTS.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
const cookies: Record<string, string> = {};
let unit: string;
let community: { code: string; name: string };
let escalated: number;
const places: number[] = [];
/** Two different pictures for the campaign's photo question (a phone would take them with its camera). */
const scenePhotos: Buffer[] = [];

async function call(username: string, method: string, url: string, body?: unknown) {
  if (!cookies[username]) {
    const res = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
    cookies[username] = res.cookies.find((c) => c.name === 'cg_session')!.value;
  }
  const res = await server.app.inject({ method: method as 'GET', url, headers: { cookie: `cg_session=${cookies[username]}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

async function act(id: number, body: Record<string, unknown>) {
  const { incident } = await call('street', 'GET', `/api/incidents/${id}`);
  return call('street', 'POST', `/api/incidents/${id}/actions`, { version: incident.version, ...body });
}

async function signIn(page: Page, base: string, username: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
}

/** Picks an option of an Ant Design select by its visible text (typed first where the select searches: its list is virtual). */
async function choose(page: Page, testId: string, text: string, search = false): Promise<void> {
  await page.getByTestId(testId).click();
  if (search) await page.keyboard.type(text);
  await page.locator('.ant-select-dropdown:visible .ant-select-item-option').filter({ hasText: text }).first().click();
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
  const me = await call('worker', 'GET', '/api/auth/me') as { roles: { role: string; scope: { code: string } }[] };
  unit = me.roles.find((r) => r.role === 'grid_worker')!.scope.code;
  community = await call('worker', 'GET', `/api/grids/${unit.slice(0, 12)}`) as { code: string; name: string };
  const created = await call('street', 'POST', '/api/incidents', { channel: 'operator_phone', description: '小区消防通道被长期占用', gridCode: unit });
  escalated = created.incident.id;
  await act(escalated, { type: 'register', categoryCode: D01_CATEGORY.code });
  await act(escalated, { type: 'dispatch', leadDepartmentCode: 'D01' });
  await act(escalated, { type: 'escalate', departmentCodes: ['D02'] });
  for (const colour of ['#c33', '#36c']) scenePhotos.push(await sharp({ create: { width: 640, height: 480, channels: 3, background: colour } }).jpeg().toBuffer());
  for (const name of ['张记小吃', '便民超市']) places.push((await call('basedata', 'POST', '/api/places', { gridCode: unit, name, type: 'small_shop' })).id);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('joint meetings and campaigns in the console and on the phone', () => {
  test('a community meeting takes an escalated case, decides a new incident with a deadline and a livelihood need linked both ways', async () => {
    const { page } = await browser.newPage();
    await signIn(page, server.url, 'street');
    await page.waitForURL(`${server.url}/`);
    await page.getByTestId('menu-item-meetings').click();
    await page.getByTestId('meeting-new').click();
    await choose(page, 'meeting-node', community.name);
    await page.getByTestId('meeting-title').fill('社区联席会议');
    await page.getByTestId('meeting-held-at').fill('2026-12-10T09:30');
    await page.getByTestId('meeting-attendees').fill('王建国 社区党委\n李秀英 社区居委会');
    await page.getByTestId('meeting-create').click();
    await page.waitForURL(/\/meetings\/\d+$/);
    const meetingId = Number(page.url().split('/').pop());

    await page.getByTestId(`candidate-add-${escalated}`).click();
    const decide = page.locator('[data-testid^="meeting-decide-"]').first();
    await decide.click();
    await page.getByText('转为事件派遣').click();
    await page.getByTestId('decision-content').fill('城管与消防联合清理消防通道');
    await choose(page, 'decision-category', D01_CATEGORY.code, true);
    await choose(page, 'decision-department', 'D02', true);
    await page.getByTestId('decision-deadline').fill('2026-12-20T18:00');
    await page.getByTestId('decision-submit').click();
    const link = page.locator('[data-testid^="decision-incident-"]').first();
    await link.waitFor();
    expect(await link.textContent()).toMatch(/^事件 \d+/);
    await page.screenshot({ path: join(SHOTS, 'meeting-decision.png') });

    const detail = await call('street', 'GET', `/api/meetings/${meetingId}`);
    const decision = detail.items[0].decisions[0];
    expect(decision).toMatchObject({ kind: 'incident', deadline: '2026-12-20T10:00:00.000Z' });
    const incident = (await call('street', 'GET', `/api/incidents/${decision.incident.id}`)).incident;
    expect(incident).toMatchObject({ status: 'dispatched', leadDepartmentCode: 'D02', gridCode: unit });
    expect(incident.dueAt).not.toBeNull();

    await page.getByTestId('meeting-free-title').fill('老年助餐点建设');
    await page.getByTestId('meeting-add-free').click();
    await page.locator('[data-testid^="meeting-decide-"]').nth(1).click();
    await page.locator('.ant-modal').getByText('民生实事', { exact: true }).click();
    await page.getByTestId('decision-content').fill('在社区服务中心开设老年助餐点');
    await page.getByTestId('decision-need-grid').fill(community.code);
    await page.getByTestId('decision-deadline').fill('2026-12-31T18:00');
    await page.getByTestId('decision-submit').click();
    const needLink = page.locator('[data-testid^="decision-need-"] a').first();
    await needLink.waitFor();
    expect(await needLink.textContent()).toMatch(/^民生实事 #\d+$/);
    const needDecision = (await call('street', 'GET', `/api/meetings/${meetingId}`)).items[1].decisions[0];
    expect(needDecision).toMatchObject({ kind: 'need', need: { title: '老年助餐点建设', gridCode: community.code, status: 'collected' } });

    await page.getByTestId('meeting-minutes').fill('会议研究了消防通道占用问题，决定由城管与消防联合清理。');
    await page.getByTestId('meeting-minutes-save').click();
    await expect.poll(async () => (await call('street', 'GET', `/api/meetings/${meetingId}`)).minutes).toContain('联合清理');
    await page.getByTestId('meeting-close').click();
    await page.getByTestId('meeting-close-ok').click();
    await expect.poll(() => page.getByTestId('meeting-status').textContent()).toBe('已结束');

    // The decision's link opens the need, whose drawer links back to the meeting.
    await needLink.click();
    await page.waitForURL(/\/livelihood\?need=\d+$/);
    const back = page.getByTestId('livelihood-meeting-link');
    await back.waitFor();
    expect(await back.textContent()).toBe('社区联席会议');
    await back.click();
    await page.waitForURL(`${server.url}/meetings/${meetingId}`);
  });

  test('a campaign pushed in the console is filled on the phone and its progress shows', async () => {
    const { page } = await browser.newPage();
    await signIn(page, server.url, 'street');
    await page.waitForURL(`${server.url}/`);
    await page.getByTestId('menu-item-campaigns').click();
    await page.getByTestId('campaign-new').click();
    await choose(page, 'campaign-template', '消防安全排查');
    await page.getByTestId('campaign-deadline').fill('2026-12-31T18:00');
    await choose(page, 'campaign-grids', community.name);
    await page.getByTestId('campaign-create').click();
    await page.waitForURL(/\/campaigns\/\d+$/);
    const campaignId = Number(page.url().split('/').pop());
    await page.getByTestId('campaign-push').click();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('已下发');
    const total = (await call('street', 'GET', `/api/campaigns/${campaignId}`)).progress.total as number;
    expect(total).toBeGreaterThanOrEqual(2);

    const context = await browser.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    context.setDefaultTimeout(15_000);
    const phone = await context.newPage();
    await phone.goto(`${server.url}/m/`);
    await phone.getByTestId('login-username').fill('worker');
    await phone.getByTestId('login-password').fill(PASSWORD);
    await phone.getByTestId('login-submit').click();
    await phone.getByTestId('page-report').waitFor();
    await phone.getByTestId('tab-tasks').click();
    await phone.getByTestId('tasks-tab-campaigns').click();
    await phone.getByTestId(`task-campaign-${campaignId}`).click();
    for (const [i, placeId] of places.entries()) {
      // The second form is filled with no network: it waits in the outbox and goes when the network returns.
      if (i === 1) await context.setOffline(true);
      await phone.getByTestId(`campaign-target-${placeId}`).click();
      const form = phone.getByTestId('campaign-form');
      await form.getByTestId('answer-q1').getByText(i === 0 ? '否' : '是').click();
      await form.getByTestId('answer-q2').getByText('畅通').click();
      await form.getByTestId('answer-q3').getByText('否').click();
      if (i === 0) {
        // The template's photo question is required: no photo, no form in the outbox.
        await form.getByTestId('campaign-submit').click();
        await phone.getByText('请为「现场照片」拍照').waitFor();
        expect(await phone.getByTestId('campaign-queued').count()).toBe(0);
      }
      await form.getByTestId('answer-q5-photos-input').setInputFiles({ name: `scene-${i}.jpg`, mimeType: 'image/jpeg', buffer: scenePhotos[i]! });
      await expect.poll(() => form.getByTestId('answer-q5-photos-thumb').count(), { timeout: 10_000 }).toBe(1);
      await form.getByTestId('campaign-submit').click();
      await expect.poll(() => phone.getByTestId(`campaign-target-${placeId}`).count(), { timeout: 10_000 }).toBe(0);
      if (i === 0) await expect.poll(() => phone.getByTestId('campaign-progress').textContent(), { timeout: 20_000 }).toBe(`已填 1/${total}`);
    }
    await expect.poll(() => phone.getByTestId('campaign-queued').count()).toBe(1);
    expect((await call('street', 'GET', `/api/campaigns/${campaignId}`)).progress.done).toBe(1);
    await context.setOffline(false);
    // The photo is uploaded first, then the form: give the outbox its time on a loaded machine.
    await expect.poll(() => phone.getByTestId('campaign-queued').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => phone.getByTestId('campaign-progress').textContent(), { timeout: 10_000 }).toBe(`已填 2/${total}`);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: join(SHOTS, 'campaign-phone.png') });
    await context.close();

    await page.reload();
    await expect.poll(() => page.getByTestId('campaign-progress').textContent()).toBe(`2/${total}`);
    const progress = (await call('street', 'GET', `/api/campaigns/${campaignId}/progress`)).items as { gridCode: string; done: number; problems: number }[];
    expect(progress.find((g) => g.gridCode === unit)).toMatchObject({ done: 2, problems: 1 });
    const finding = (await call('worker', 'GET', `/api/campaigns/${campaignId}/targets?status=done`)).items.find((x: { targetId: number }) => x.targetId === places[0]);
    expect(finding.response.incident).not.toBeNull();
    await expect.poll(() => page.getByTestId('campaign-targets-table').textContent()).toContain(finding.response.incident.code);
    // Each filled form carries its photo (the offline one uploaded when the network returned), once; the console shows it and opens it.
    const done = (await call('street', 'GET', `/api/campaigns/${campaignId}/targets?status=done`)).items as { targetId: number; response: { answers: { q5: string[] } } }[];
    expect(done.map((x) => x.response.answers.q5.length)).toEqual([1, 1]);
    expect(new Set(done.map((x) => x.response.answers.q5[0])).size).toBe(2);
    // Ant Design's Image puts the test id on its wrapper: the picture is the img inside.
    const thumbs = page.getByTestId('campaign-answer-photos').locator('img.ant-image-img');
    await expect.poll(() => thumbs.count(), { timeout: 10_000 }).toBe(2);
    await expect.poll(() => thumbs.first().evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    await thumbs.first().click();
    const preview = page.locator('.ant-image-preview-img');
    await preview.waitFor();
    await expect.poll(() => preview.evaluate((img) => (img as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await preview.getAttribute('src')).toMatch(/^\/api\/files\/[0-9a-f]{64}$/);
    await page.screenshot({ path: join(SHOTS, 'campaign-progress.png') });
  });
});
