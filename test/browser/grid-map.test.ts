import { existsSync, mkdirSync } from 'node:fs';
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

  test('the worker sees only the own grid', async () => {
    const { page } = await browser.newPage();
    await loginAs(page, 'worker');
    await page.goto(`${server.url}/grid`);
    await mapSettled(page);
    await expect.poll(() => page.locator('.cg-grid-label').count()).toBe(1);
  });
});
