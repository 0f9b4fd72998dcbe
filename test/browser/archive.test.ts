import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { moveDueCases } from '../../src/modules/archive/move.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { buildHttp } from '../../src/platform.js';
import { INCIDENT_MESSAGES } from '../../web/src/modules/incidents/messages.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { openTestPlatform } from '../support/db.js';
import { DEMO_PASSWORD } from '../support/http.js';

/**
 * An archived case found from the incident search by its code and opened:
 * the case page marked 已归档, read-only, with its timeline and its photo
 * loaded. Needs the built bundle; screenshots go to $CIVICGRID_SCREENSHOTS.
 */
const DIST_INDEX = fileURLToPath(new URL('../../web/dist/index.html', import.meta.url));
const zh = INCIDENT_MESSAGES['zh-CN'];
const SHOTS = process.env.CIVICGRID_SCREENSHOTS ?? join(tmpdir(), 'civicgrid-screenshots');

let browser: TestBrowser;
let url: string;
let close: () => Promise<void>;
let code: string;

beforeAll(async () => {
  if (!existsSync(DIST_INDEX)) throw new Error('web/dist is missing: run `npm run build:web` first');
  const t = await openTestPlatform('sqlite');
  await loadDemo(t.platform, { scale: 0.2, workforce: false });
  const { app } = await buildHttp(t.platform);
  const login = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'operator', password: DEMO_PASSWORD } });
  const cookie = `cg_session=${login.cookies.find((c) => c.name === 'cg_session')!.value}`;
  const png = await sharp(Buffer.alloc(80 * 60 * 3, 90), { raw: { width: 80, height: 60, channels: 3 } }).png().toBuffer();
  const photo = (await app.inject({ method: 'POST', url: '/api/files', headers: { cookie, 'content-type': 'image/png' }, payload: png })).json().hash as string;
  const grid = await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code').limit(1).executeTakeFirstOrThrow();
  const created = await app.inject({ method: 'POST', url: '/api/incidents', headers: { cookie }, payload: { channel: 'operator_phone', description: '井盖缺失，已归档的旧案', gridCode: grid.code, photos: [photo] } });
  expect(created.statusCode, created.body).toBe(201);
  const { id, code: c } = created.json().incident as { id: number; code: string };
  code = c;
  const rejected = await app.inject({ method: 'POST', url: `/api/incidents/${id}/actions`, headers: { cookie }, payload: { type: 'reject', version: 1, reason: '重复上报' } });
  expect(rejected.statusCode, rejected.body).toBe(200);
  expect((await moveDueCases(t.platform.db, t.platform.archive, { olderThanDays: 0, now: Date.now() + 1000 })).moved).toBe(1);
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  close = async () => {
    await app.close();
    await t.close();
  };
  browser = await launchBrowser();
  mkdirSync(SHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await close?.();
});

describe('archived cases in the console', () => {
  test('an operator finds an archived case by its code and opens it: marked 已归档, read-only, timeline and photo shown', async () => {
    const { page } = await browser.newPage();
    await page.goto(`${url}/login`);
    await page.getByTestId('login-username').fill('operator');
    await page.getByTestId('login-password').fill(DEMO_PASSWORD);
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${url}/`);

    await page.goto(`${url}/incidents`);
    await page.getByTestId('filter-text').fill(code);
    await page.getByTestId('filter-search').click();
    const section = page.getByTestId('archived-results');
    await section.getByTestId(`archived-row-${code}`).waitFor();
    expect(await section.textContent()).toContain(zh['archive.section']);
    await section.getByTestId(`archived-row-${code}`).click();

    await page.waitForURL(`${url}/incidents/archived/${code}`);
    const casePage = page.getByTestId('page-archived-incident');
    await casePage.waitFor();
    expect(await page.getByTestId('incident-code').textContent()).toBe(code);
    expect(await page.getByTestId('incident-archived').textContent()).toBe(zh['archive.tag']);
    expect(await page.getByTestId('incident-description').textContent()).toBe('井盖缺失，已归档的旧案');
    // The timeline as it was: reported, then rejected.
    expect(await page.getByTestId('timeline-event-1').getAttribute('data-action')).toBe('report');
    expect(await page.getByTestId('timeline-event-2').getAttribute('data-action')).toBe('reject');
    // The photo still loads from the file store.
    const img = page.getByTestId('incident-photos').locator('img').first();
    await img.waitFor();
    await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle());
    // Read-only: no action buttons.
    expect(await page.getByTestId('incident-actions').count()).toBe(0);
    // No internal id on the screen.
    expect(await casePage.textContent()).not.toMatch(/\bid\b/i);
    await page.screenshot({ path: join(SHOTS, 'archived-incident.png'), fullPage: true });
  }, 120_000);
});
