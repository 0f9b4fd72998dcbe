import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../../src/infra/http/app.js';

/**
 * How the built web folder is served: the console's routes fall back to index.html, the worker app's
 * routes under /m/ to m/index.html, and the app's shell and service worker are revalidated on every
 * load (so an update reaches phones) with the worker allowed the /m/ scope.
 */
describe('serving the console and the worker app', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'civicgrid-web-'));
    mkdirSync(join(dir, 'm'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<html>console</html>');
    writeFileSync(join(dir, 'm', 'index.html'), '<html>worker app</html>');
    writeFileSync(join(dir, 'm', 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(dir, 'm', 'manifest.webmanifest'), '{"name":"网格通"}');
    writeFileSync(join(dir, 'assets', 'app-abc123.js'), 'console.log(1)');
    ({ app } = await createHttpApp({
      logger: pino({ level: 'silent' }),
      bodyLimitBytes: 1024,
      authenticate: async () => null,
      version: 'test',
      webDir: dir,
    }));
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the worker app\'s own routes with its page, and the console\'s with the console', async () => {
    for (const url of ['/m/', '/m/tasks', '/m/tasks/incident/12?x=1']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe('<html>worker app</html>');
    }
    expect((await app.inject({ url: '/incidents/12' })).body).toBe('<html>console</html>');
    expect((await app.inject({ url: '/mobile' })).body).toBe('<html>console</html>');
    const bare = await app.inject({ url: '/m' });
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe('/m/');
    expect((await app.inject({ url: '/api/nowhere' })).statusCode).toBe(404);
  });

  it('revalidates the app shell and its service worker on every load, with the /m/ scope allowed', async () => {
    const sw = await app.inject({ url: '/m/sw.js' });
    expect(sw.statusCode).toBe(200);
    expect(sw.headers['content-type']).toMatch(/javascript/);
    expect(sw.headers['cache-control']).toBe('no-cache');
    expect(sw.headers['service-worker-allowed']).toBe('/m/');
    expect((await app.inject({ url: '/m/tasks' })).headers['cache-control']).toBe('no-cache');
    const manifest = await app.inject({ url: '/m/manifest.webmanifest' });
    expect(manifest.headers['content-type']).toMatch(/application\/manifest\+json/);
    expect(manifest.headers['cache-control']).toBe('no-cache');
    // Hashed assets and the console keep the static server's own caching.
    expect((await app.inject({ url: '/assets/app-abc123.js' })).headers['cache-control']).not.toBe('no-cache');
    expect((await app.inject({ url: '/' })).headers['service-worker-allowed']).toBeUndefined();
  });
});
