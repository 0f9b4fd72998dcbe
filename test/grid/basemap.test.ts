import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/infra/config.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

/**
 * The base map settings (docs/grid-map.md): validated at start with the
 * setting named, served resolved (key put in, labels, coordinate system) to
 * every map of the console and the worker app, and their origin allowed by
 * the Content-Security-Policy.
 */
describe('base map settings at start', () => {
  const load = (env: Record<string, string>) => loadConfig({ CIVICGRID_CONFIG: '', ...env });

  it('accepts a URL with {key}, its key, a label layer and GCJ-02', () => {
    const c = load({
      CIVICGRID_MAP_TILE_URL: 'https://webrd01.example.cn/tile?x={x}&y={y}&z={z}&key={key}',
      CIVICGRID_MAP_TILE_LABEL_URL: 'https://webrd01.example.cn/label?x={x}&y={y}&z={z}&key={key}',
      CIVICGRID_MAP_TILE_KEY: 'k-123',
      CIVICGRID_MAP_TILE_CRS: 'gcj02',
    });
    expect(c.mapTileCrs).toBe('gcj02');
    expect(c.mapTileKey).toBe('k-123');
    expect(load({}).mapTileCrs).toBe('wgs84');
  });

  it('stops with a message naming the setting', () => {
    expect(() => load({ CIVICGRID_MAP_TILE_URL: 'https://t.example/{z}/{x}.png' })).toThrow(/CIVICGRID_MAP_TILE_URL \(mapTileUrl\): must contain \{y\}/);
    expect(() => load({ CIVICGRID_MAP_TILE_URL: 'https://t.example/{z}/{x}/{y}?k={key}' })).toThrow(/CIVICGRID_MAP_TILE_KEY \(mapTileKey\): mapTileUrl has \{key\} but no key is set/);
    expect(() => load({ CIVICGRID_MAP_TILE_PRESET: 'tianditu-vec' })).toThrow(/CIVICGRID_MAP_TILE_KEY \(mapTileKey\): the tianditu-vec preset needs a key/);
    expect(() => load({ CIVICGRID_MAP_TILE_PRESET: 'google' })).toThrow(/CIVICGRID_MAP_TILE_PRESET/);
    expect(() => load({ CIVICGRID_MAP_TILE_CRS: 'bd09' })).toThrow(/CIVICGRID_MAP_TILE_CRS/);
    expect(() => load({ CIVICGRID_MAP_TILE_KEY: 'a key with spaces' })).toThrow(/CIVICGRID_MAP_TILE_KEY/);
    expect(() => load({ CIVICGRID_MAP_TILE_PRESET: 'tianditu-img', CIVICGRID_MAP_TILE_KEY: 'k', CIVICGRID_MAP_TILE_CRS: 'gcj02' })).toThrow(/CIVICGRID_MAP_TILE_CRS \(mapTileCrs\): Tianditu tiles are CGCS2000/);
    expect(() => load({ CIVICGRID_MAP_TILE_LABEL_URL: 'https://t.example/{z}/{x}/{y}' })).toThrow(/mapTileLabelUrl\): a label layer needs a tile URL/);
    expect(() => load({ CIVICGRID_MAP_TILE_PRESET: 'tianditu-img' })).toThrow(ConfigError);
  });
});

describe.each(DIALECTS)('map settings API on %s', (dialect) => {
  describe('with a GCJ-02 source, its key and labels', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(dialect, {
        mapTileUrl: 'http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png?key={key}',
        mapTileLabelUrl: 'https://labels.example.cn/{z}/{x}/{y}.png?key={key}',
        mapTileKey: 's3cret',
        mapTileCrs: 'gcj02',
        mapTileAttribution: '© 测试图源',
      });
    });
    afterAll(async () => t?.close());

    it('serves the resolved source to the console and the worker app, only to signed-in users', async () => {
      const expected = {
        tileUrl: 'http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png?key=s3cret',
        tiles: ['http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png?key=s3cret'],
        labelTiles: ['https://labels.example.cn/{z}/{x}/{y}.png?key=s3cret'],
        tileAttribution: '© 测试图源',
        tileCrs: 'gcj02',
      };
      for (const user of ['dispatcher', 'worker', 'handler']) {
        const res = await t.request({ url: '/api/grids/map-settings', cookie: await t.login(user) });
        expect(res.statusCode, user).toBe(200);
        expect(res.json()).toEqual(expected);
      }
      expect((await t.request({ url: '/api/grids/map-settings' })).statusCode).toBe(401);
    });

    it('lets the browser fetch tiles from the configured origins (an intranet http: server too)', async () => {
      const csp = String((await t.request({ url: '/api/health' })).headers['content-security-policy']);
      expect(csp).toMatch(/img-src [^;]*http:\/\/10\.1\.2\.3:8080/);
      expect(csp).toMatch(/connect-src [^;]*http:\/\/10\.1\.2\.3:8080/);
      expect(csp).toMatch(/connect-src [^;]*https:\/\/labels\.example\.cn/);
    });
  });

  describe('with none', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await openTestApp(dialect);
    });
    afterAll(async () => t?.close());

    it('says there is no base map: the maps draw outlines on a plain background', async () => {
      const res = await t.request({ url: '/api/grids/map-settings', cookie: await t.login('dispatcher') });
      expect(res.json()).toEqual({ tileUrl: null, tiles: [], labelTiles: [], tileAttribution: null, tileCrs: 'wgs84' });
      const csp = String((await t.request({ url: '/api/health' })).headers['content-security-policy']);
      expect(csp).not.toMatch(/http:\/\//);
    });
  });
});
