import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The bell on the worker's phone (issue 17 item 4) in a 390×844 Chromium: a
 * field task sent from the map reaches the open app within 2 s (the live
 * feed's notice event), the list shows it in zh-CN, opening it marks it read
 * and opens the case's task page; the same bell speaks English.
 * Needs web/dist (`npm run build:web`).
 */
const DIST_MOBILE = fileURLToPath(new URL('../../web/dist/m/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const SHANGHAI_MS = 8 * 3_600_000;
const DAY = 86_400_000;

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;
const cookies: Record<string, string> = {};

async function call(username: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  cookies[username] ??= (await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } })).cookies.find((c) => c.name === 'cg_session')!.value;
  const res = await server.app.inject({ method, url, headers: { cookie: `cg_session=${cookies[username]}` }, ...(payload ? { payload } : {}) });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}

let workerId = 0;
let point = { lng: 0, lat: 0 };

beforeAll(async () => {
  if (!existsSync(DIST_MOBILE)) throw new Error('web/dist/m is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
  // In the day's last minute, wait for the next day: the worker's shift below ends at 23:59.
  const local = (Date.now() + SHANGHAI_MS) % DAY;
  if (local >= DAY - 61_000) await new Promise((r) => setTimeout(r, DAY - local + 1000));
  const me = await call('worker', 'GET', '/api/auth/me') as { id: number; roles: { role: string; scope: { code: string } }[] };
  workerId = me.id;
  const unit = me.roles.find((r) => r.role === 'grid_worker')!.scope.code;
  const card = await call('worker', 'GET', `/api/grids/${unit}`) as { labelPoint: [number, number] };
  point = { lng: card.labelPoint[0], lat: card.labelPoint[1] };
  // On duty (docs/field-dispatch.md): in a team, with a shift covering now today, and on patrol.
  const community = unit.slice(0, 12);
  const teams = await call('admin', 'GET', '/api/teams') as { items: { id: number; communityCode: string }[] };
  const teamId = teams.items.find((x) => x.communityCode === community)?.id ?? (await call('admin', 'POST', '/api/teams', { communityCode: community }) as { id: number }).id;
  const today = new Date(Date.now() + SHANGHAI_MS).toISOString().slice(0, 10);
  let team = await call('admin', 'GET', `/api/teams/${teamId}`) as { members: { id: number; userId: number | null }[] };
  if (!team.members.some((m) => m.userId === workerId)) {
    await call('admin', 'POST', `/api/teams/${teamId}/members`, { userId: workerId, roleCode: 'part_time_worker', gridCodes: [unit], fromDate: today });
    team = await call('admin', 'GET', `/api/teams/${teamId}`) as typeof team;
  }
  const memberId = team.members.find((m) => m.userId === workerId)!.id;
  await call('admin', 'POST', `/api/teams/${teamId}/rota/exceptions`, { date: today, memberId, shift: { start: '00:00', end: '23:59' }, note: '铃铛测试' });
  const patrol = randomUUID();
  await call('worker', 'POST', '/api/patrols', { id: patrol, startedAt: new Date(Date.now() - 5000).toISOString(), position: point });
  await call('worker', 'POST', `/api/patrols/${patrol}/points`, { points: [{ ...point, at: new Date(Date.now() - 2000).toISOString() }] });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the bell on the worker app at 390×844', () => {
  test('a field task sent from the map arrives within 2 s, opens its case and is read; the bell speaks English too', async () => {
    const context = await browser.browser.newContext({
      viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
    });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('[phone] page error:', e.message));
    await page.goto(`${server.url}/m/`);
    await page.getByTestId('login-username').fill('worker');
    await page.getByTestId('login-password').fill(PASSWORD);
    // The bell reads its count and opens the live stream once signed in; a notice is not replayed, so the stream must be up first.
    const counted = page.waitForResponse((r) => r.url().includes('/api/notifications'));
    const streaming = page.waitForResponse((r) => r.url().includes('/api/live/incidents') && r.status() === 200);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('page-report').waitFor();
    await Promise.all([counted, streaming]);
    const count = async () => Number(await page.getByTestId('m-bell-count').getAttribute('data-unread'));
    await page.waitForTimeout(300);
    const before = await count();

    const created = await call('operator', 'POST', '/api/incidents', { channel: 'operator_phone', description: '手机铃铛：路灯不亮', position: { ...point, crs: 'wgs84' } }) as { incident: { id: number; code: string } };
    const id = created.incident.id;
    const sentAt = Date.now();
    await call('dispatcher', 'POST', `/api/command/cases/${id}/field-tasks`, { userId: workerId, kind: 'inspect', note: '请到现场看一下' });
    await expect.poll(count, { timeout: 2000, interval: 50 }).toBe(before + 1);
    expect(Date.now() - sentAt).toBeLessThan(2000);

    await page.getByTestId('m-bell').click();
    const item = page.getByTestId('m-bell-item-field_task').first();
    await item.waitFor();
    expect(await item.textContent()).toContain('指挥中心派您到现场');
    expect(await item.textContent()).toContain(created.incident.code);
    expect(await item.getAttribute('data-read')).toBe('no');
    await item.click();
    await page.waitForURL(`${server.url}/m/tasks/incident/${id}`);
    await expect.poll(count, { timeout: 5000 }).toBe(before);
    const list = await call('worker', 'GET', '/api/notifications?limit=5') as { items: { incidentId: number; readAt: string | null }[] };
    expect(list.items.find((n) => n.incidentId === id)!.readAt).not.toBeNull();

    // English: the language switch on 我的 changes the bell's words.
    await page.getByTestId('tab-me').click();
    await page.getByTestId('me-language').click();
    await page.getByTestId('m-bell').click();
    await expect.poll(async () => (await page.getByTestId('m-bell-item-field_task').first().textContent()) ?? '').toContain('The command centre sends you on site');
    await context.close();
  });
});
