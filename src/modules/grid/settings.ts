/**
 * Grid settings, taken from the validated configuration (src/infra/config.ts,
 * so they can also be set in the JSON config file):
 *
 *   CIVICGRID_MAP_TILE_URL          (mapTileUrl) raster tile URL template ({z}/{x}/{y}, optional {key}); unset = plain background
 *   CIVICGRID_MAP_TILE_LABEL_URL    (mapTileLabelUrl) a label layer above it
 *   CIVICGRID_MAP_TILE_PRESET       (mapTilePreset) tianditu-vec or tianditu-img instead of a URL (labels included)
 *   CIVICGRID_MAP_TILE_KEY          (mapTileKey) the service's key, put in for {key}
 *   CIVICGRID_MAP_TILE_CRS          (mapTileCrs) wgs84 (default), cgcs2000 or gcj02
 *   CIVICGRID_MAP_TILE_ATTRIBUTION  (mapTileAttribution) attribution shown on the map for that source
 *   CIVICGRID_GRID_OVERLAP_M2       (gridOverlapToleranceM2) default sibling overlap tolerance of imports (m², default 1)
 *   CIVICGRID_GRID_GAP_M2           (gridGapToleranceM2) default gap tolerance of imports (m², default 1)
 * See docs/grid-map.md.
 */
import type { Config } from '../../infra/config.js';
import type { Tolerances } from './importer.js';
import { resolveBasemap, type Basemap } from './rules/basemap.js';

export interface GridSettings {
  /** The base map, or null: grids are drawn on a plain background. */
  basemap: Basemap | null;
  tolerances: Tolerances;
}

type BasemapConfig = Pick<Config, 'mapTileUrl' | 'mapTileLabelUrl' | 'mapTilePreset' | 'mapTileKey' | 'mapTileCrs' | 'mapTileAttribution'>;

export function basemapFrom(config: BasemapConfig): Basemap | null {
  return resolveBasemap({
    preset: config.mapTilePreset,
    url: config.mapTileUrl,
    labelUrl: config.mapTileLabelUrl,
    key: config.mapTileKey,
    attribution: config.mapTileAttribution,
    crs: config.mapTileCrs,
  });
}

export function gridSettingsFrom(config: BasemapConfig & Pick<Config, 'gridOverlapToleranceM2' | 'gridGapToleranceM2'>): GridSettings {
  return {
    basemap: basemapFrom(config),
    tolerances: { overlapM2: config.gridOverlapToleranceM2, gapM2: config.gridGapToleranceM2 },
  };
}
