import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { startTestServer } from '../support/server.js';

/**
 * The grid import's problems read in the user's language (issue 15
 * leftover): the server's code and English message stay on hover. Needs the
 * built bundle.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: TestBrowser;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  server = await startTestServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('grid import problems in words', () => {
  test('a file with a feature missing its code is refused with the problem in Chinese, the code on hover', async () => {
    const { page } = await browser.newPage();
    await page.goto(`${server.url}/login`);
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('menu-item-home').waitFor();
    await page.goto(`${server.url}/grid`);
    await page.getByTestId('grid-import-open').click();
    const bad = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { name: '无编码' }, geometry: { type: 'Polygon', coordinates: [[[113, 28], [113.01, 28], [113.01, 28.01], [113, 28]]] } }] };
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('grid-import-files').click();
    await (await chooser).setFiles({ name: 'bad.geojson', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bad)) });
    await page.getByTestId('grid-import-check').click();
    const problem = page.getByTestId('grid-import-problem').first();
    await problem.waitFor();
    expect(await problem.textContent()).toContain('要素不完整');
    expect(await problem.getAttribute('title')).toContain('FEATURE_INVALID');
    const table = (await page.getByTestId('grid-import-problems').textContent()) ?? '';
    expect(table).toContain('问题');
    expect(table).not.toContain('FEATURE_INVALID');
  });
});
