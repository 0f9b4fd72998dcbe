import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { toDisplay } from '../../src/modules/grid/rules/map-display.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The base map in a real browser: tiles come from a tiny local tile server
 * (no network), configured as GCJ-02 tiles with a key. The console's maps
 * request them with the key, and a click on the map reports WGS-84.
 * Needs the built bundle (`npm run build:web`).
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const KEY = 'test-key_42';

let tileServer: Server;
const tileRequests: string[] = [];
/** Where the tiles paint a red mark (a position in the tiles' own GCJ-02 frame), once the test has chosen it. */
let mark: [number, number] | null = null;
const MARK = 9;
let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

/** The world pixel of a position at zoom z (256-pixel Web-Mercator tiles). */
function webMercatorPixel([lng, lat]: [number, number], z: number): [number, number] {
  const size = 256 * 2 ** z;
  const s = Math.sin((lat * Math.PI) / 180);
  return [((lng + 180) / 360) * size, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * size];
}

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const plain = { create: { width: 256, height: 256, channels: 3 as const, background: '#cfe8cf' } };
  const red = await sharp({ create: { width: MARK, height: MARK, channels: 3, background: '#ff0000' } }).png().toBuffer();
  tileServer = createServer((req, res) => {
    tileRequests.push(req.url ?? '');
    const [z, x, y] = (/^\/amap\/(\d+)\/(\d+)\/(\d+)\.png/.exec(req.url ?? '') ?? []).slice(1).map(Number);
    const inTile = mark && z !== undefined ? webMercatorPixel(mark, z) : null;
    const left = inTile ? Math.round(inTile[0] - x! * 256) - (MARK >> 1) : -1;
    const top = inTile ? Math.round(inTile[1] - y! * 256) - (MARK >> 1) : -1;
    const image = left >= 0 && top >= 0 && left <= 256 - MARK && top <= 256 - MARK ? sharp(plain).composite([{ input: red, left, top }]) : sharp(plain);
    void image.png().toBuffer().then((png) => {
      res.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' });
      res.end(png);
    });
  });
  await new Promise<void>((resolve) => tileServer.listen(0, '127.0.0.1', resolve));
  const tileOrigin = `http://127.0.0.1:${(tileServer.address() as AddressInfo).port}`;
  server = await startTestServer({
    mapTileUrl: `${tileOrigin}/amap/{z}/{x}/{y}.png?key={key}`,
    mapTileKey: KEY,
    mapTileCrs: 'gcj02',
    mapTileAttribution: '© 测试图源',
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => tileServer?.close(resolve));
});

async function loginAs(page: Page, username: string): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill('Demo#2026');
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${server.url}/`);
}

function inputOf(page: Page, testId: string) {
  return page.locator(`input[data-testid="${testId}"], [data-testid="${testId}"] input`).first();
}

async function numberIn(page: Page, testId: string): Promise<number> {
  return Number(await inputOf(page, testId).inputValue());
}

/** The pixel (relative to the map) a MapLibre marker points at: its translate() is the point plus the default marker's offset (0, -14). */
async function markerPoint(page: Page, mapTestId: string): Promise<[number, number]> {
  const transform = await page.locator(`[data-testid="${mapTestId}"] .maplibregl-marker`).first().evaluate((el) => (el as HTMLElement).style.transform);
  const m = /translate\((-?[\d.]+)px,\s*(-?[\d.]+)px\)/.exec(transform.replace(/translate\(-50%,\s*-100%\)\s*/, '').replace(/translate\(-50%,\s*-50%\)\s*/, ''));
  if (!m) throw new Error(`unexpected marker transform ${transform}`);
  return [Number(m[1]), Number(m[2]) + 14];
}

describe('base map', () => {
  test('the grid map draws the configured tiles, requested with the key, with their attribution', async () => {
    const { page } = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await loginAs(page, 'dispatcher');
    await page.getByTestId('menu-item-grid').click();
    await page.locator('[data-testid="grid-map"][data-ready="true"]').waitFor();
    await expect.poll(() => page.getByTestId('grid-map').getAttribute('data-basemap')).toBe('tiles');
    expect(tileRequests.length).toBeGreaterThan(0);
    for (const url of tileRequests) expect(url).toMatch(new RegExp(`^/amap/\\d+/\\d+/\\d+\\.png\\?key=${KEY}$`));
    expect(await page.locator('.maplibregl-ctrl-attrib').textContent()).toContain('© 测试图源');
    expect(errors).toEqual([]);
  });

  test('a click on the GCJ-02 map reports the WGS-84 point of that spot: its marker lands where the click was', async () => {
    const { page } = await browser.newPage();
    await loginAs(page, 'operator');
    const before = tileRequests.length;
    await page.getByTestId('menu-item-incident-report').click();
    await page.getByTestId('page-incident-report').waitFor();
    await expect.poll(() => page.getByTestId('report-map').getAttribute('data-basemap')).toBe('tiles');
    expect(tileRequests.length).toBeGreaterThan(before);
    const box = (await page.getByTestId('report-map').boundingBox())!;
    // Wait for the map to settle on the grids (fitBounds) before clicking.
    await page.waitForTimeout(500);

    // A click in the middle of the map: the form gets a WGS-84 point and the marker lands where the click was.
    const click: [number, number] = [Math.round(box.width / 2), Math.round(box.height / 2)];
    await page.mouse.click(box.x + click[0], box.y + click[1]);
    await expect.poll(() => numberIn(page, 'report-lng')).not.toBe(0);
    const picked: [number, number] = [await numberIn(page, 'report-lng'), await numberIn(page, 'report-lat')];
    const at = await markerPoint(page, 'report-map');
    expect(Math.abs(at[0] - click[0])).toBeLessThanOrEqual(1);
    expect(Math.abs(at[1] - click[1])).toBeLessThanOrEqual(1);
    // The marker is drawn at the point's GCJ-02 image (the next test checks that against the tiles), so landing
    // on the click means the reported point is the WGS-84 position of the clicked spot.
    expect(picked[0]).toBeGreaterThan(110);
  });

  test('a stored WGS-84 point sits on the spot of the GCJ-02 tiles where that place is', async () => {
    const { page } = await browser.newPage();
    await loginAs(page, 'operator');
    // A place inside the district (a unit grid's interior point); the tiles mark its GCJ-02 position in red.
    const place = await page.evaluate(async () => {
      const res = await fetch('/api/grids/geojson?level=unit');
      const fc = (await res.json()) as { features: Array<{ properties: { lx: number; ly: number } }> };
      const p = fc.features[Math.floor(fc.features.length / 2)]!.properties;
      return [p.lx, p.ly] as [number, number];
    });
    mark = toDisplay('gcj02', ...place);
    await page.getByTestId('menu-item-incident-report').click();
    await page.getByTestId('page-incident-report').waitFor();
    await expect.poll(() => page.getByTestId('report-map').getAttribute('data-basemap')).toBe('tiles');
    await inputOf(page, 'report-lng').fill(String(place[0]));
    await inputOf(page, 'report-lat').fill(String(place[1]));
    await page.locator('[data-testid="report-map"] .maplibregl-marker').waitFor();
    await page.waitForTimeout(800);
    const at = await markerPoint(page, 'report-map');
    // The canvas under the marker's point is the red mark (blended with the grids' white fill above the tiles).
    const rgb = await page.evaluate(([x, y]) => {
      const canvas = document.querySelector('[data-testid="report-map"] canvas') as HTMLCanvasElement;
      const copy = document.createElement('canvas');
      copy.width = canvas.width;
      copy.height = canvas.height;
      const ctx = copy.getContext('2d')!;
      ctx.drawImage(canvas, 0, 0);
      const ratio = canvas.width / canvas.clientWidth;
      return Array.from(ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data.slice(0, 3));
    }, at);
    expect(rgb[0]! - rgb[1]!, `pixel ${rgb.join(',')} at ${at.join(',')}`).toBeGreaterThan(60);
  });

  test('when the tiles cannot be reached, the grid map falls back to the offline outline', async () => {
    // A port nobody listens on: every tile fails.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const unreachable = await startTestServer({ mapTileUrl: `http://127.0.0.1:${deadPort}/{z}/{x}/{y}.png?key={key}`, mapTileKey: KEY });
    try {
      const { page } = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${unreachable.url}/login`);
      await page.getByTestId('login-username').fill('dispatcher');
      await page.getByTestId('login-password').fill('Demo#2026');
      await page.getByTestId('login-submit').click();
      await page.waitForURL(`${unreachable.url}/`);
      await page.getByTestId('menu-item-grid').click();
      await page.locator('[data-testid="grid-map"][data-ready="true"]').waitFor();
      await expect.poll(() => page.getByTestId('grid-map').getAttribute('data-basemap')).toBe('failed');
      await page.getByTestId('grid-map-tiles-failed').waitFor();
      await expect.poll(() => page.locator('.cg-grid-label').count()).toBeGreaterThan(10);
      expect(errors).toEqual([]);
    } finally {
      await unreachable.close();
    }
  });

  test('the worker app draws the same base map, requested with the key', async () => {
    const context = await browser.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      geolocation: { longitude: 113.07, latitude: 28.115, accuracy: 12 },
      permissions: ['geolocation'],
    });
    try {
      const page = await context.newPage();
      const before = tileRequests.length;
      await page.goto(`${server.url}/m/`);
      await page.getByTestId('login-username').fill('worker');
      await page.getByTestId('login-password').fill('Demo#2026');
      await page.getByTestId('login-submit').click();
      await page.getByTestId('page-report').waitFor();
      await expect.poll(() => page.getByTestId('report-basemap').getAttribute('data-basemap')).toBe('tiles');
      const fresh = tileRequests.slice(before);
      expect(fresh.length).toBeGreaterThan(0);
      for (const url of fresh) expect(url).toMatch(new RegExp(`^/amap/\\d+/\\d+/\\d+\\.png\\?key=${KEY}$`));
    } finally {
      await context.close();
    }
  });
});
