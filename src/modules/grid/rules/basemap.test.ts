import { describe, expect, it } from 'vitest';
import { basemapProblems, tileUrlProblem } from '../../../infra/map-tiles.js';
import { resolveBasemap, tileOriginsOf } from './basemap.js';

describe('tile URL templates', () => {
  it('accepts XYZ and WMTS-as-XYZ templates, with or without {key}', () => {
    expect(tileUrlProblem('https://tiles.example.gov.cn/osm/{z}/{x}/{y}.png')).toBeNull();
    expect(tileUrlProblem('http://10.0.0.5:8080/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}')).toBeNull();
  });

  it('names what is wrong', () => {
    expect(tileUrlProblem('https://tiles.example/{z}/{x}.png')).toMatch(/must contain \{y\}/);
    expect(tileUrlProblem('ftp://tiles.example/{z}/{x}/{y}')).toMatch(/http\(s\)/);
    expect(tileUrlProblem('tiles/{z}/{x}/{y}')).toMatch(/not a URL/);
    expect(tileUrlProblem('https://{s}.tiles.example/{z}/{x}/{y}.png')).toMatch(/unknown placeholder\(s\) \{s\}/);
  });
});

describe('base map settings', () => {
  it('refuses contradictions and a missing key', () => {
    expect(basemapProblems({ preset: 'tianditu-vec', crs: 'wgs84' })).toEqual([{ setting: 'mapTileKey', message: 'the tianditu-vec preset needs a key (Tianditu tk)' }]);
    expect(basemapProblems({ preset: 'tianditu-img', key: 'k', crs: 'gcj02' }).map((p) => p.setting)).toEqual(['mapTileCrs']);
    expect(basemapProblems({ preset: 'tianditu-img', key: 'k', url: 'https://a/{z}/{x}/{y}', crs: 'wgs84' }).map((p) => p.setting)).toEqual(['mapTileUrl']);
    expect(basemapProblems({ url: 'https://a/{z}/{x}/{y}?k={key}', crs: 'wgs84' }).map((p) => p.setting)).toEqual(['mapTileKey']);
    expect(basemapProblems({ labelUrl: 'https://a/{z}/{x}/{y}', crs: 'wgs84' }).map((p) => p.setting)).toEqual(['mapTileLabelUrl']);
    expect(basemapProblems({ url: 'https://a/{z}/{x}/{y}?k={key}', key: 'k', crs: 'gcj02' })).toEqual([]);
  });

  it('resolves nothing when nothing is set', () => {
    expect(resolveBasemap({ crs: 'wgs84' })).toBeNull();
  });

  it('puts the key in (URL-encoded) and keeps the label layer', () => {
    const b = resolveBasemap({ url: 'https://a.example/{z}/{x}/{y}.png?key={key}', labelUrl: 'http://b.example:81/l/{z}/{x}/{y}?key={key}', key: 'a.b-c', crs: 'gcj02', attribution: '© 高德' });
    expect(b).toEqual({
      tiles: ['https://a.example/{z}/{x}/{y}.png?key=a.b-c'],
      labelTiles: ['http://b.example:81/l/{z}/{x}/{y}?key=a.b-c'],
      attribution: '© 高德',
      crs: 'gcj02',
    });
    expect(tileOriginsOf(b)).toEqual(['https://a.example', 'http://b.example:81']);
  });

  it('Tianditu presets: eight hosts of the Web-Mercator layer and its labels, CGCS2000 drawn unshifted', () => {
    const img = resolveBasemap({ preset: 'tianditu-img', key: 'abc123', crs: 'cgcs2000' })!;
    expect(img.crs).toBe('wgs84');
    expect(img.tiles).toHaveLength(8);
    expect(img.tiles[3]).toBe('https://t3.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=img&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc123');
    expect(img.labelTiles[0]).toContain('/cia_w/wmts?');
    expect(img.attribution).toBe('© 天地图');
    const vec = resolveBasemap({ preset: 'tianditu-vec', key: 'abc123', crs: 'wgs84' })!;
    expect(vec.tiles[0]).toContain('/vec_w/');
    expect(vec.labelTiles[0]).toContain('/cva_w/');
    expect(tileOriginsOf(vec)).toHaveLength(8);
  });
});
