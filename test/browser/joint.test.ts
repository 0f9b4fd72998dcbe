import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { INCIDENT_MESSAGES } from '../../web/src/modules/incidents/messages.js';
import { D01_CATEGORY } from '../incidents/support.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * Joint handling and assigning a person in a real browser: the dispatcher
 * dispatches to D01 with D02 co-handling on its own limit; the D01 handler
 * sees the task table, assigns the case to a colleague by name, and may
 * reply only once D02 has replied its part; the queue names the assignee.
 * Needs web/dist. Two browser logins; the rest goes through the API.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const PASSWORD = 'Demo#2026';
const zh = INCIDENT_MESSAGES['zh-CN'];

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

async function cookieOf(username: string): Promise<string> {
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORD } });
  expect(login.statusCode, login.body).toBe(200);
  return `cg_session=${login.cookies.find((c) => c.name === 'cg_session')!.value}`;
}

async function call(cookie: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await server.app.inject({ method, url, headers: { cookie }, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
  return res.json();
}

/** A handler of a department, created by the admin; returns a session of theirs once the first password is changed. */
async function handlerOf(admin: string, username: string, displayName: string, department: string): Promise<string> {
  const created = await call(admin, 'POST', '/api/admin/users', { username, displayName, password: PASSWORD });
  await call(admin, 'POST', `/api/admin/users/${created.user.id}/assignments`, { role: 'handler', scopeKind: 'department', scopeCode: department });
  const first = await cookieOf(username);
  const changed = await server.app.inject({ method: 'POST', url: '/api/auth/password', headers: { cookie: first }, payload: { currentPassword: PASSWORD, newPassword: 'Joint#2026handler' } });
  expect(changed.statusCode, changed.body).toBe(204);
  const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'Joint#2026handler' } });
  expect(login.statusCode, login.body).toBe(200);
  return `cg_session=${login.cookies.find((c) => c.name === 'cg_session')!.value}`;
}

async function actApi(cookie: string, id: number, body: Record<string, unknown>) {
  const d = await call(cookie, 'GET', `/api/incidents/${id}`);
  return call(cookie, 'POST', `/api/incidents/${id}/actions`, { version: d.incident.version, ...body });
}

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
  page.on('pageerror', (e) => console.error(`[${username}] page error:`, e.message));
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
  return page;
}

function inputOf(page: Page, testId: string) {
  return page.locator(`input[data-testid="${testId}"], textarea[data-testid="${testId}"], [data-testid="${testId}"] input, [data-testid="${testId}"] textarea`).first();
}

async function status(page: Page): Promise<string | null> {
  return page.getByTestId('page-incident').getByTestId('incident-status').first().getAttribute('data-status');
}

async function submitAction(page: Page, action: string, fill?: () => Promise<void>): Promise<void> {
  await page.getByTestId(`action-${action}`).click();
  await page.getByTestId(`action-form-${action}`).waitFor();
  if (fill) await fill();
  await page.getByTestId('action-submit').click();
  await page.getByTestId('action-modal').waitFor({ state: 'detached', timeout: 15_000 });
}

describe('joint handling in the console', () => {
  test('dispatch with a co-handler on its own limit, the task table, assigning a person, the lead waiting for its co-handler', async () => {
    // Reported and registered through the API, at the demo worker's grid.
    const operator = await cookieOf('operator');
    const me = await call(await cookieOf('worker'), 'GET', '/api/auth/me');
    const grid = me.roles.find((r: { role: string }) => r.role === 'grid_worker').scope.code as string;
    const created = await call(operator, 'POST', '/api/incidents', { channel: 'operator_phone', description: '路灯线路故障，需供电部门配合断电', gridCode: grid });
    const id = created.incident.id as number;
    await actApi(operator, id, { type: 'register', categoryCode: D01_CATEGORY.code });

    // Dispatcher: D01 leads (suggested), D02 co-handles within 2 working hours.
    const dispatcher = await signIn('dispatcher');
    await dispatcher.goto(`${server.url}/incidents/${id}`);
    await dispatcher.getByTestId('page-incident').waitFor();
    await submitAction(dispatcher, 'dispatch', async () => {
      await expect.poll(() => dispatcher.locator('[data-testid="action-form-dispatch"] .ant-select-content, [data-testid="action-form-dispatch"] .ant-select-selection-item').first().textContent()).toContain('D01');
      const co = dispatcher.getByTestId('action-co-handlers');
      const chosen = await co.textContent();
      if (!chosen?.includes('D02')) {
        await co.click();
        await dispatcher.keyboard.type('D02');
        await dispatcher.locator('.ant-select-item-option', { hasText: '（D02）' }).first().click();
        await dispatcher.keyboard.press('Escape');
      }
      await inputOf(dispatcher, 'action-task-limit-D02').fill('2');
    });
    await expect.poll(() => status(dispatcher)).toBe('dispatched');
    const tasks = dispatcher.getByTestId('incident-tasks');
    await tasks.waitFor();
    const d = await call(operator, 'GET', `/api/incidents/${id}`);
    const co = d.tasks.find((t: { departmentCode: string }) => t.departmentCode === 'D02');
    expect(co.handleBy).not.toBe(d.incident.deadlines.handleBy);
    for (const code of d.tasks.map((t: { departmentCode: string }) => t.departmentCode) as string[]) {
      const row = dispatcher.getByTestId(`task-${code}`);
      await expect.poll(() => row.getByTestId('task-status').textContent()).toContain(zh['tasks.status.open']);
      // Departments by name, never by code alone.
      expect(await row.getByTestId('task-department').textContent()).not.toMatch(/^D\d+$/);
    }
    expect(await dispatcher.getByTestId('task-D01').textContent()).toContain(zh['tasks.role.lead']);
    expect(await dispatcher.getByTestId('task-D02').textContent()).toContain(zh['tasks.role.co']);
    await dispatcher.screenshot({ path: '/tmp/joint-dispatched.png', fullPage: true });

    // Handler of D01: assigns the case to a colleague, picked by name.
    const admin = await cookieOf('admin');
    const colleague = { name: '处置员 赵敏' };
    await handlerOf(admin, 'joint_d01', colleague.name, 'D01');
    const d02 = await handlerOf(admin, 'joint_d02', '处置员 孙磊', 'D02');
    const handler = await signIn('handler');
    await handler.goto(`${server.url}/incidents/${id}`);
    await handler.getByTestId('page-incident').waitFor();
    await handler.getByTestId('tasks-waiting').waitFor();
    await submitAction(handler, 'assign', async () => {
      await handler.getByTestId('action-assignee').click();
      await handler.keyboard.type(colleague.name.slice(-2));
      await handler.locator('.ant-select-item-option', { hasText: colleague.name }).first().click();
    });
    await expect.poll(() => handler.getByTestId('task-D01').getByTestId('task-assignee').textContent()).toContain(colleague.name);
    expect(await handler.getByTestId('task-D02').getByTestId('task-assignee').textContent()).toContain(zh['tasks.unassigned']);
    await expect.poll(() => handler.getByTestId('timeline-assign').first().textContent()).toContain(colleague.name);

    // The lead may not reply while D02's part is open.
    await submitAction(handler, 'start-handling');
    await expect.poll(() => status(handler)).toBe('handling');
    expect(await handler.getByTestId('action-reply').count()).toBe(0);

    // D02 replies its part (through the API); the handler sees it in the table and may now reply.
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#2e8b57' } }).png().toBuffer();
    const upload = await server.app.inject({ method: 'POST', url: '/api/files', headers: { cookie: d02, 'content-type': 'image/png' }, payload: png });
    expect(upload.statusCode, upload.body).toBeLessThan(300);
    await actApi(d02, id, { type: 'reply', result: '已配合断电检修', photos: [upload.json().hash] });
    await handler.getByTestId('incident-reload').click();
    await expect.poll(() => handler.getByTestId('task-D02').getByTestId('task-status').textContent()).toContain(zh['tasks.status.replied']);
    expect(await handler.getByTestId('task-D02').getByTestId('task-reply').textContent()).toContain('已配合断电检修');
    await handler.getByTestId('action-reply').waitFor();
    expect(await handler.getByTestId('tasks-waiting').count()).toBe(0);
    await handler.screenshot({ path: '/tmp/joint-handler.png', fullPage: true });

    // The department's queue names the assignee beside the department.
    await handler.getByTestId('menu-item-incident-queues').click();
    await handler.getByTestId(`queue-row-${id}`).waitFor();
    await expect.poll(() => handler.getByTestId(`queue-row-${id}`).getByTestId('incident-assignee').textContent()).toContain(colleague.name);
  });
});
