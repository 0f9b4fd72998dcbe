import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { WEBHOOK_MESSAGES } from '../../web/src/modules/webhooks/messages.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { buildHttp } from '../../src/platform.js';
import { gridHelper } from '../incidents/support.js';
import { openTestPlatform } from '../support/db.js';

/**
 * The Webhook 订阅 page: an administrator subscribes an API client to a local
 * receiver, sees the secret once, and finds the delivery of a new case in
 * the subscription's log. Needs the built bundle.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const zh = WEBHOOK_MESSAGES['zh-CN'];

let server: { url: string; close(): Promise<void> };
let point: { lng: number; lat: number };
let browser: TestBrowser;
let receiver: Server;
let receiverUrl = '';
const received: string[] = [];

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite', { webhookAllowHttp: true });
  await loadDemo(t.platform, { scale: 0.2 });
  const grids = await gridHelper({ platform: t.platform } as never);
  point = grids.pointIn(grids.units[0]!);
  const { app } = await buildHttp(t.platform);
  server = {
    url: await app.listen({ port: 0, host: '127.0.0.1' }),
    async close() {
      await app.close();
      await t.close();
    },
  };
  browser = await launchBrowser();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function apiLogin(username: string): Promise<string> {
  const res = await fetch(`${server.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'Demo#2026' }) });
  return /cg_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')![1]!;
}

describe('Webhook 订阅 in the console', () => {
  test('an administrator subscribes a client and sees the delivery in its log', async () => {
    const admin = await apiLogin('admin');
    const district = await fetch(`${server.url}/api/grids?level=district`, { headers: { cookie: `cg_session=${admin}` } }).then((r) => r.json() as Promise<{ items: { code: string }[] }>);
    const made = await fetch(`${server.url}/api/clients`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: `cg_session=${admin}` },
      body: JSON.stringify({ name: '12345 热线系统', scopes: ['webhooks'], scopeCode: district.items[0]!.code }),
    });
    expect(made.status).toBe(201);

    const { page } = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill('Demo#2026');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${server.url}/`);
    await page.getByTestId('menu-item-webhooks').click();
    await page.waitForURL(/\/admin\/webhooks$/);
    await page.getByTestId('webhook-new').click();
    await page.getByTestId('webhook-client').click();
    await page.locator('.ant-select-item-option', { hasText: '12345 热线系统' }).click();
    await page.getByTestId('webhook-url').fill(receiverUrl);
    await page.locator('.ant-modal-footer .ant-btn-primary').click();
    const secret = await page.getByTestId('webhook-secret').textContent();
    expect(secret).toMatch(/^whsec_/);
    await page.locator('.ant-modal-confirm-btns .ant-btn').click();
    await page.getByTestId('webhooks-table').getByText(receiverUrl).waitFor();
    await expect.poll(() => page.getByTestId('webhooks-table').textContent()).toContain(zh['status.active']);

    const operator = await apiLogin('operator');
    const incident = await fetch(`${server.url}/api/incidents`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: `cg_session=${operator}` },
      body: JSON.stringify({ channel: 'operator_phone', description: '控制台推送测试：井盖缺失', position: { ...point, crs: 'wgs84' } }),
    });
    expect(incident.status, await incident.clone().text()).toBe(201);
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    // The delivery log is written a moment after the receiver's answer (batched every 250 ms): wait for it before opening it.
    const subs = await fetch(`${server.url}/api/webhooks`, { headers: { cookie: `cg_session=${admin}` } }).then((r) => r.json() as Promise<{ items: { id: number; clientId: number; url: string }[] }>);
    const sub = subs.items.find((x) => x.url === receiverUrl)!;
    await expect.poll(async () => {
      const log = await fetch(`${server.url}/api/clients/${sub.clientId}/webhooks/${sub.id}/deliveries`, { headers: { cookie: `cg_session=${admin}` } }).then((r) => r.json() as Promise<{ items: { status: string }[] }>);
      return log.items.some((d) => d.status === 'delivered');
    }, { timeout: 10_000 }).toBe(true);
    await page.getByTestId('webhooks-table').getByRole('button', { name: zh['action.deliveries'] }).click();
    await expect.poll(() => page.getByTestId('webhook-deliveries').textContent(), { timeout: 10_000 }).toContain(zh['deliveries.status.delivered']);
  });
});
