import type { GridLevel } from './codes.js';

/** [longitude, latitude] in WGS84 degrees (GeoJSON axis order). */
export type Position = [number, number];

/** A linear ring: closed, so the first and last positions are equal. */
export type Ring = Position[];

export interface PolygonGeometry {
  type: 'Polygon';
  /** First ring is the exterior, the others are holes. */
  coordinates: Ring[];
}

export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: Ring[][];
}

export type GridGeometry = PolygonGeometry | MultiPolygonGeometry;

/** One node of the grid tree as the importer, the demo generator and the store exchange it. */
export interface GridFeature {
  code: string;
  level: GridLevel;
  /** Null only for the district (the root). */
  parentCode: string | null;
  name: string;
  geometry: GridGeometry;
}

/** [minLng, minLat, maxLng, maxLat]. */
export type BBox = [number, number, number, number];
