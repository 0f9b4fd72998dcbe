import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The 办理流程 tab of the configuration screen in a real browser at 1440×900:
 * the three case types with their steps, an edit saved under its version and
 * kept after a reload. Needs the built bundle.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

async function signIn(username: string): Promise<Page> {
  const { page } = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(DEMO_PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('menu-item-home').waitFor();
  return page;
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  mkdirSync(SHOTS, { recursive: true });
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('workflow configuration screen', () => {
  test('shows each case type with its steps, saves an edit under a new version and keeps it', async () => {
    const page = await signIn('admin');
    await page.getByTestId('menu-item-configuration').click();
    await page.getByTestId('config-tab-workflows').click();
    await page.waitForURL(/\/admin\/config\/workflows$/);
    for (const id of ['immediate', 'committed', 'coordinated']) await page.getByTestId(`wf-card-${id}`).waitFor();
    const card = page.getByTestId('wf-card-coordinated');
    expect(await card.textContent()).toContain('协调件');
    expect(await card.textContent()).toContain('出厂默认');
    expect(await page.getByTestId('wf-steps-coordinated').textContent()).toContain('本网格任一网格员');
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    // 协调件: the centre verifies, the shift supervisor approves the close, dispatch needs co-handlers.
    await page.getByTestId('wf-coordinated-verifier').click();
    await page.locator('.ant-select-item-option', { hasText: /^指挥中心（值班长）$/ }).click();
    await page.getByTestId('wf-coordinated-closer').click();
    await page.locator('.ant-select-item-option', { hasText: /^须值班长审批$/ }).click();
    await page.getByTestId('wf-coordinated-coordinationRequired').click();
    // The steps follow the form before saving.
    expect(await page.getByTestId('wf-steps-coordinated').textContent()).toContain('指挥中心（值班长）');
    await page.getByTestId('wf-coordinated-save').click();
    await expect.poll(() => card.textContent(), { timeout: 15_000 }).toContain('版本 1');
    await page.screenshot({ path: join(SHOTS, 'admin-workflows.png'), fullPage: true });

    const stored = await server.app.inject({ method: 'GET', url: '/api/incident-workflows', headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
    expect(stored.json().workflows.find((w: { caseType: string }) => w.caseType === 'coordinated')).toMatchObject({
      verifier: 'centre', closer: 'supervisor', coordinationRequired: true, version: 1,
    });
    expect(stored.json().workflows.find((w: { caseType: string }) => w.caseType === 'committed')).toMatchObject({ verifier: 'grid', version: 0 });

    await page.reload();
    await page.getByTestId('wf-card-coordinated').waitFor();
    await expect.poll(() => page.getByTestId('wf-steps-coordinated').textContent(), { timeout: 15_000 }).toContain('须值班长审批');
    expect(await page.getByTestId('wf-card-coordinated').textContent()).toContain('版本 1');
    // No internal id on the screen: case types by name, versions as numbers only.
    expect(await page.getByTestId('panel-workflows').textContent()).not.toMatch(/coordinated|committed|immediate/);
  });
});
