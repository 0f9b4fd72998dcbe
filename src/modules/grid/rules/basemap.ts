/**
 * The base map's tile source, resolved from the settings into what a map
 * client draws: one raster layer (a URL template, or a preset), an optional
 * label layer on top, the key put in, and the tiles' coordinate system.
 *
 * Tianditu serves CGCS2000, which for a map is WGS-84 (centimetres apart),
 * so it needs no shift; GCJ-02 tiles (AMap, Tencent) are offset by hundreds
 * of metres and the client shifts geometry to them for display.
 */

import type { BasemapInput, BasemapPreset } from '../../../infra/map-tiles.js';

export interface Basemap {
  /** URL templates of the base layer (several hosts of one layer, tried in turn by the client). */
  tiles: string[];
  /** URL templates of the label layer drawn above it, or none. */
  labelTiles: string[];
  attribution: string | null;
  /** What the client shifts to: cgcs2000 counts as wgs84. */
  crs: 'wgs84' | 'gcj02';
}

/** Tianditu's eight hosts t0–t7 serve the same tiles. */
const TIANDITU_HOSTS = [0, 1, 2, 3, 4, 5, 6, 7];

function tiandituLayer(layer: string): string[] {
  return TIANDITU_HOSTS.map(
    (h) =>
      `https://t${h}.tianditu.gov.cn/${layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=${layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}`,
  );
}

const PRESETS: Record<BasemapPreset, { tiles: string[]; labelTiles: string[]; attribution: string }> = {
  'tianditu-vec': { tiles: tiandituLayer('vec'), labelTiles: tiandituLayer('cva'), attribution: '© 天地图' },
  'tianditu-img': { tiles: tiandituLayer('img'), labelTiles: tiandituLayer('cia'), attribution: '© 天地图' },
};

/** The resolved base map, or null when none is configured (the map draws outlines on a plain background). */
export function resolveBasemap(input: BasemapInput): Basemap | null {
  const source = input.preset ? PRESETS[input.preset] : input.url ? { tiles: [input.url], labelTiles: input.labelUrl ? [input.labelUrl] : [], attribution: null } : null;
  if (!source) return null;
  const key = input.key ? encodeURIComponent(input.key) : '';
  const withKey = (u: string): string => u.replaceAll('{key}', key);
  return {
    tiles: source.tiles.map(withKey),
    labelTiles: source.labelTiles.map(withKey),
    attribution: input.attribution ?? source.attribution,
    crs: input.crs === 'gcj02' ? 'gcj02' : 'wgs84',
  };
}

/** Origins the browser must be allowed to fetch tiles from (Content-Security-Policy). */
export function tileOriginsOf(basemap: Basemap | null): string[] {
  if (!basemap) return [];
  return [...new Set([...basemap.tiles, ...basemap.labelTiles].map((u) => new URL(u.replace(/\{[a-z]+\}/g, '0')).origin))];
}
