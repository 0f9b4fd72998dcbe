import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The grid map in a real browser against the real server (demo district at
 * scale 0.2). Needs the built bundle (`npm run build:web`). A screenshot is
 * left in $CIVICGRID_SCREENSHOTS (default: the temp dir) for a human look.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

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

async function loginAs(page: Page, username: string): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill('Demo#2026');
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
}

async function mapSettled(page: Page): Promise<void> {
  await page.locator('[data-testid="grid-map"][data-ready="true"][data-moving="false"]').waitFor();
}

describe('grid map', () => {
  test('a dispatcher opens the map, finds a grid, clicks it and sees its card and neighbours', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'dispatcher');
    await page.getByTestId('menu-item-grid').click();
    await page.getByTestId('page-grid').waitFor();
    await mapSettled(page);
    // The unit level is drawn with one label per grid.
    await expect.poll(() => page.locator('.cg-grid-label').count()).toBeGreaterThan(10);

    const unit = await page.evaluate(async () => {
      const res = await fetch('/api/grids?level=unit&pageSize=1&page=7');
      return ((await res.json()) as { items: Array<{ code: string; name: string }> }).items[0]!;
    });

    // Search by code, pick the suggestion: the map flies there and the card opens.
    await page.locator('[data-testid="grid-search-input"] input, input[data-testid="grid-search-input"]').first().fill(unit.code);
    await page.getByTestId(`grid-search-option-${unit.code}`).click();
    await expect.poll(() => page.getByTestId('grid-card-code').textContent()).toBe(unit.code);
    await mapSettled(page);
    await page.getByTestId('grid-card-close').click();
    await page.getByTestId('grid-card').waitFor({ state: 'detached' });

    // Click the centre of the map (the grid's interior point after the flight): the card shows that grid.
    const box = (await page.getByTestId('grid-map').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('grid-card-code').textContent()).toBe(unit.code);
    expect(await page.getByTestId('grid-card-name').textContent()).toBe(unit.name);
    expect(await page.getByTestId('grid-card-chain').textContent()).toContain('雨花区');

    // Neighbours are listed and highlighted.
    await page.getByTestId('grid-neighbours').click();
    await page.getByTestId('grid-neighbour-list').waitFor();
    await expect.poll(() => page.getByTestId('grid-neighbour-list').locator('.ant-list-item').count()).toBeGreaterThan(0);
    await mapSettled(page);
    await page.screenshot({ path: join(SHOTS, 'grid-map-card.png') });

    // Switching to streets redraws the map at that level.
    await page.getByTestId('level-street').click();
    await page.locator('[data-testid="grid-map"][data-level="street"][data-ready="true"]').waitFor();
    await expect.poll(() => page.getByTestId('grid-map-count').getAttribute('data-count')).toBe('2');
    await page.getByTestId('grid-card-close').click();
    await page.getByTestId('grid-card').waitFor({ state: 'detached' });
    // Zoomed out, both street names are labelled.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 6; i++) await page.mouse.wheel(0, 600);
    await expect.poll(() => page.locator('.cg-grid-label').count(), { timeout: 10_000 }).toBe(2);
    await mapSettled(page);
    await page.screenshot({ path: join(SHOTS, 'grid-map-streets.png') });
    expect(errors).toEqual([]);
  });

  test('an admin assigns a worker and edits responsible people on the card, sees the history, and draws a department layer', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'admin');
    // A department's own grids, imported through the API (the console has no department import screen).
    const file = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/grid/department-valid.geojson', import.meta.url)), 'utf8')) as unknown;
    const imported = await page.evaluate(async (f) => {
      const res = await fetch('/api/grids/departments/D01/import', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ file: f, dryRun: false }) });
      return res.status;
    }, file);
    expect(imported).toBe(200);
    const { unit, worker } = await page.evaluate(async () => {
      const units = (await (await fetch('/api/grids?level=unit&pageSize=1&page=9')).json()) as { items: Array<{ code: string; name: string }> };
      const candidates = (await (await fetch('/api/grids/worker-candidates')).json()) as { items: Array<{ userId: number; username: string; displayName: string }> };
      return { unit: units.items[0]!, worker: candidates.items.find((c) => c.username === 'worker')! };
    });

    await page.getByTestId('menu-item-grid').click();
    await mapSettled(page);
    await page.locator('[data-testid="grid-search-input"] input, input[data-testid="grid-search-input"]').first().fill(unit.code);
    await page.getByTestId(`grid-search-option-${unit.code}`).click();
    await expect.poll(() => page.getByTestId('grid-card-code').textContent()).toBe(unit.code);
    // The admin reads incidents: the card counts them (none in this demo).
    expect(await page.getByTestId('grid-card-incidents').getAttribute('data-open')).toBe('0');
    expect(await page.getByTestId('grid-card-workers').textContent()).toContain('未分配');

    // Assign the demo grid worker as full-time worker.
    await page.getByTestId('grid-card-assign').click();
    await page.getByTestId('grid-workers-add').click();
    await page.getByTestId('grid-workers-user-0').click();
    await page.getByTestId(`grid-workers-option-${worker.userId}`).click();
    await page.getByTestId('grid-workers-save').click();
    await expect.poll(() => page.getByTestId('grid-card-workers').textContent()).toContain(worker.displayName);

    // Add a responsible person in the edit form.
    await page.getByTestId('grid-card-edit').click();
    await page.getByTestId('grid-edit-person-add').click();
    await page.getByTestId('grid-edit-person-name-0').fill('王主任');
    await page.getByTestId('grid-edit-person-title-0').fill('社区书记');
    await page.getByTestId('grid-edit-save').click();
    await expect.poll(() => page.getByTestId('grid-card-responsible').textContent()).toContain('王主任 社区书记');

    // The history drawer shows both changes with what changed.
    await page.getByTestId('grid-history').click();
    await page.getByTestId('grid-history-list').waitFor();
    await expect.poll(() => page.getByTestId('grid-history-item').count()).toBeGreaterThanOrEqual(3);
    const history = await page.getByTestId('grid-history-list').textContent();
    expect(history).toContain(`+ ${worker.displayName}（专职）`);
    expect(history).toContain('王主任');
    await page.screenshot({ path: join(SHOTS, 'grid-history.png') });
    await page.keyboard.press('Escape');

    // The department layer: D01's two service areas drawn over the tree.
    await page.getByTestId('department-layer').click();
    await page.getByTestId('department-option-D01').click();
    await expect.poll(() => page.getByTestId('department-count').getAttribute('data-count')).toBe('2');
    await mapSettled(page);
    // The layer is fitted in view (split at 113.07): a click left of the centre is in the west area W01.
    await page.getByTestId('grid-card-close').click();
    await page.getByTestId('grid-card').waitFor({ state: 'detached' });
    const box = (await page.getByTestId('grid-map').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.4, box.y + box.height / 2);
    await expect.poll(() => page.getByTestId('department-at').getAttribute('data-code')).toBe('W01');
    await page.screenshot({ path: join(SHOTS, 'grid-department-layer.png') });
    expect(errors).toEqual([]);
  });

  test('the worker sees only the own grid', async () => {
    const { page } = await browser.newPage();
    await loginAs(page, 'worker');
    await page.goto(`${server.url}/grid`);
    await mapSettled(page);
    await expect.poll(() => page.locator('.cg-grid-label').count()).toBe(1);
  });
});
