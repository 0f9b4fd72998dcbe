import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadDemo, DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { buildHttp, type Platform } from '../../src/platform.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';

/**
 * 案件交换导入 in a real browser: the administrator chooses an exchange CSV,
 * checks it (a bad row listed, nothing written), then imports the good rows
 * and reads the cases written with our codes. Needs the built bundle.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));

let server: { url: string; app: FastifyInstance; platform: Platform; close(): Promise<void> };
let browser: TestBrowser;
let workerUnit = '';

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite');
  await loadDemo(t.platform, { scale: 0.2, workforce: false });
  const { app } = await buildHttp(t.platform);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  server = { url, app, platform: t.platform, async close() { await app.close(); await t.close(); } };
  browser = await launchBrowser();
  workerUnit = (await t.platform.db.primary.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select('role_assignments.scope_code').where('users.username', '=', 'worker').executeTakeFirstOrThrow()).scope_code;
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('checks an exchange file, then imports its good rows', async () => {
  const { page } = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill('admin');
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
  await page.getByTestId('menu-item-exchange-import').click();
  await page.waitForURL(`${server.url}/admin/exchange-import`);
  const csv = [
    'code/案件编号,outcome/办理结果代码,description/问题描述,gridCode/单元网格代码,reportedAt/上报时间',
    `P-1,open,交换导入浏览器测试：路面坑洼,${workerUnit},2026-11-01T01:00:00Z`,
    `P-2,finished,结果代码写错了,${workerUnit},2026-11-01T01:00:00Z`,
  ].join('\r\n');
  await page.getByTestId('exchange-import-source').fill('partner-b');
  await page.locator('input[type=file]').setInputFiles({ name: 'cases.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${csv}\r\n`) });
  await page.getByTestId('exchange-import-check').click();
  const report = page.getByTestId('exchange-import-report');
  await report.waitFor();
  await expect.poll(() => report.textContent()).toContain('检查结果（未写入）');
  expect(await page.getByTestId('exchange-import-problems').textContent()).toContain('办理结果代码无效');
  const count = async () => Number((await server.platform.db.primary.selectFrom('exchange_case_imports').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  expect(await count()).toBe(0);
  // All or nothing: refused with the row listed.
  await page.getByTestId('exchange-import-run').click();
  await page.getByTestId('exchange-import-refused').waitFor();
  expect(await count()).toBe(0);
  await page.getByText('跳过错误行，导入其余').click();
  await page.getByTestId('exchange-import-run').click();
  await expect.poll(() => page.getByTestId('exchange-import-report').textContent()).toContain('导入结果');
  expect(await page.getByTestId('exchange-import-intake').textContent()).toBe('1');
  expect(await count()).toBe(1);
  const code = (await server.platform.db.primary.selectFrom('incidents').select('code').where('external_ref', '=', 'P-1').executeTakeFirstOrThrow()).code;
  expect(await page.getByTestId('exchange-import-report').textContent()).toContain(code);
  await page.close();
}, 120_000);
