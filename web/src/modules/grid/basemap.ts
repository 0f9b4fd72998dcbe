import type { Map as MapLibreMap, MapSourceDataEvent, StyleSpecification } from 'maplibre-gl';
import { featuresToDisplay, fromDisplay, toDisplay, type DisplayCrs } from '../../../../src/modules/grid/rules/map-display.js';

/**
 * The base map every map of the console and the worker app draws on
 * (GET /api/grids/map-settings; docs/grid-map.md): a plain background that
 * works with no internet, with the configured tiles (and their labels)
 * beneath the data when there are some. Positions are stored in WGS-84; on
 * GCJ-02 tiles they are shifted for drawing and clicks are shifted back.
 */
export interface MapSettings {
  /** The first URL of the base layer (older clients), or null. */
  tileUrl: string | null;
  tiles?: string[];
  labelTiles?: string[];
  tileAttribution: string | null;
  tileCrs?: DisplayCrs;
}

export const MAP_SETTINGS_PATH = '/api/grids/map-settings';

export const NO_BASEMAP: MapSettings = { tileUrl: null, tiles: [], labelTiles: [], tileAttribution: null, tileCrs: 'wgs84' };

const TILE_SOURCES = ['tiles', 'labels'];
/** Tile errors with no tile loaded, after which the tiles are taken as unreachable. */
const FAILED_AFTER = 4;

function tilesOf(settings: MapSettings | null): string[] {
  if (!settings) return [];
  if (settings.tiles && settings.tiles.length > 0) return settings.tiles;
  return settings.tileUrl ? [settings.tileUrl] : [];
}

export function hasTiles(settings: MapSettings | null): boolean {
  return tilesOf(settings).length > 0;
}

/** The map's style: background, then the tile layers when configured. */
export function baseStyle(settings: MapSettings | null): StyleSpecification {
  const style: StyleSpecification = {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef1f5' } }],
  };
  const tiles = tilesOf(settings);
  if (tiles.length > 0) {
    const attribution = settings?.tileAttribution ? { attribution: settings.tileAttribution } : {};
    style.sources.tiles = { type: 'raster', tiles, tileSize: 256, maxzoom: 18, ...attribution };
    style.layers.push({ id: 'tiles', type: 'raster', source: 'tiles' });
    const labels = settings?.labelTiles ?? [];
    if (labels.length > 0) {
      style.sources.labels = { type: 'raster', tiles: labels, tileSize: 256, maxzoom: 18 };
      style.layers.push({ id: 'labels', type: 'raster', source: 'labels' });
    }
  }
  return style;
}

/**
 * Marks the map's container with the base map's state (data-basemap: none,
 * tiles, failed). When tiles keep failing before any has loaded, the tile
 * layers are hidden: the data stays drawn on the plain background.
 */
export function watchBasemap(map: MapLibreMap, settings: MapSettings | null, onFailed?: () => void): void {
  const el = map.getContainer();
  if (!hasTiles(settings)) {
    el.dataset.basemap = 'none';
    return;
  }
  el.dataset.basemap = 'loading';
  let errors = 0;
  let loaded = false;
  map.on('sourcedata', (e: MapSourceDataEvent) => {
    if (!loaded && e.sourceId === 'tiles' && e.tile) {
      loaded = true;
      el.dataset.basemap = 'tiles';
    }
  });
  map.on('error', (e) => {
    // Tile errors carry the source's id beside the error.
    const sourceId = (e as { sourceId?: unknown }).sourceId;
    if (loaded || typeof sourceId !== 'string' || !TILE_SOURCES.includes(sourceId)) return;
    errors += 1;
    if (errors !== FAILED_AFTER) return;
    el.dataset.basemap = 'failed';
    for (const id of TILE_SOURCES) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', 'none');
    onFailed?.();
  });
}

/** Shifts between stored WGS-84 and what the map draws, for the configured tiles. */
export interface Projection {
  crs: DisplayCrs;
  /** A stored position where the map draws it. */
  toMap(lng: number, lat: number): [number, number];
  /** A position on the map (a click) as stored WGS-84, rounded to 6 decimals (about 0.1 m). */
  fromMap(lng: number, lat: number): [number, number];
  /** A FeatureCollection (and its label points lx/ly) as drawn. */
  features<F extends { features: Array<{ geometry: { type: string; coordinates?: unknown } | null; properties: object | null }> }>(fc: F): F;
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export function projectionOf(settings: MapSettings | null): Projection {
  const crs: DisplayCrs = hasTiles(settings) && settings?.tileCrs === 'gcj02' ? 'gcj02' : 'wgs84';
  return {
    crs,
    toMap: (lng, lat) => toDisplay(crs, lng, lat),
    fromMap: (lng, lat) => {
      const [x, y] = fromDisplay(crs, lng, lat);
      return [round6(x), round6(y)];
    },
    features: (fc) => featuresToDisplay(crs, fc),
  };
}
