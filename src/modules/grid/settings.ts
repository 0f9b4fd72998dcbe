/**
 * Grid settings, taken from the validated configuration (src/infra/config.ts,
 * so they can also be set in the JSON config file):
 *
 *   CIVICGRID_MAP_TILE_URL          (mapTileUrl) raster tile URL template ({z}/{x}/{y}), e.g. Tianditu with tk= (docs/grid-map.md); unset = plain background
 *   CIVICGRID_MAP_TILE_ATTRIBUTION  (mapTileAttribution) attribution shown on the map for that source
 *   CIVICGRID_GRID_OVERLAP_M2       (gridOverlapToleranceM2) default sibling overlap tolerance of imports (m², default 1)
 *   CIVICGRID_GRID_GAP_M2           (gridGapToleranceM2) default gap tolerance of imports (m², default 1)
 */
import type { Config } from '../../infra/config.js';
import type { Tolerances } from './importer.js';

export interface GridSettings {
  tileUrl: string | null;
  tileAttribution: string | null;
  tolerances: Tolerances;
}

export function gridSettingsFrom(config: Pick<Config, 'mapTileUrl' | 'mapTileAttribution' | 'gridOverlapToleranceM2' | 'gridGapToleranceM2'>): GridSettings {
  return {
    tileUrl: config.mapTileUrl ?? null,
    tileAttribution: config.mapTileAttribution ?? null,
    tolerances: { overlapM2: config.gridOverlapToleranceM2, gapM2: config.gridGapToleranceM2 },
  };
}
