import type { Generated } from 'kysely';
import type { GridLevel } from './rules/codes.js';

export interface GridTable {
  id: Generated<number>;
  /** Fixed-width code; every descendant's code begins with it (scope filters rely on this). */
  code: string;
  level: GridLevel;
  parent_code: string | null;
  name: string;
  /** GeoJSON Polygon or MultiPolygon in WGS84. */
  geometry: string;
  min_lng: number;
  min_lat: number;
  max_lng: number;
  max_lat: number;
  /** Retired grids stay so that old records still resolve. */
  status: 'active' | 'retired';
  /** JSON object of free attributes (responsible people, notes…). */
  attributes: string;
  created_at: number;
  updated_at: number;
  retired_at: number | null;
  version: number;
}

export interface GridTables {
  grids: GridTable;
}
