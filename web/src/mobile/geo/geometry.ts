/**
 * Plane geometry on grid outlines, for the phone when it has no network: which of the worker's unit
 * grids holds a GPS fix, and how far a fix lies outside them. Distances use a local equirectangular
 * projection around the point, ample at the size of a grid (a few hundred metres to a few kilometres).
 */
export type Ring = readonly (readonly [number, number])[];
export type PolygonCoords = readonly Ring[];

export interface GridGeometry {
  type: 'Polygon' | 'MultiPolygon' | string;
  coordinates: unknown;
}

export interface GridFeature {
  type: 'Feature';
  properties: Record<string, unknown>;
  geometry: GridGeometry;
}

export interface GridCollection {
  type: 'FeatureCollection';
  features: GridFeature[];
}

const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** The polygons of a Polygon or MultiPolygon geometry (anything else has none). */
export function polygonsOf(geometry: GridGeometry): PolygonCoords[] {
  if (geometry.type === 'Polygon') return [geometry.coordinates as PolygonCoords];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates as PolygonCoords[];
  return [];
}

/** Ray casting over one ring. */
function inRing(ring: Ring, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!;
    const [xj, yj] = ring[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Inside the outer ring and outside every hole. */
export function inPolygon(polygon: PolygonCoords, lng: number, lat: number): boolean {
  const [outer, ...holes] = polygon;
  if (!outer || !inRing(outer, lng, lat)) return false;
  return !holes.some((h) => inRing(h, lng, lat));
}

export function inGeometry(geometry: GridGeometry, lng: number, lat: number): boolean {
  return polygonsOf(geometry).some((p) => inPolygon(p, lng, lat));
}

/** The first feature whose outline holds the point. */
export function locateIn(collection: GridCollection, lng: number, lat: number): GridFeature | null {
  return collection.features.find((f) => inGeometry(f.geometry, lng, lat)) ?? null;
}

/** Metres from a point to a segment, in the plane tangent at the point. */
function segmentDistanceM(lng: number, lat: number, a: readonly [number, number], b: readonly [number, number]): number {
  const kx = Math.cos(lat * RAD) * RAD * EARTH_RADIUS_M;
  const ky = RAD * EARTH_RADIUS_M;
  const ax = (a[0] - lng) * kx;
  const ay = (a[1] - lat) * ky;
  const bx = (b[0] - lng) * kx;
  const by = (b[1] - lat) * ky;
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return Math.hypot(ax + t * dx, ay + t * dy);
}

/** 0 inside, else metres to the nearest edge. */
export function distanceToGeometryM(geometry: GridGeometry, lng: number, lat: number): number {
  if (inGeometry(geometry, lng, lat)) return 0;
  let best = Infinity;
  for (const polygon of polygonsOf(geometry)) {
    for (const ring of polygon) {
      for (let i = 1; i < ring.length; i++) best = Math.min(best, segmentDistanceM(lng, lat, ring[i - 1]!, ring[i]!));
    }
  }
  return best;
}

/** The nearest of the features and its distance (0 when inside), or null with no features. */
export function nearest(collection: GridCollection, lng: number, lat: number): { feature: GridFeature; distanceM: number } | null {
  let found: { feature: GridFeature; distanceM: number } | null = null;
  for (const feature of collection.features) {
    const distanceM = distanceToGeometryM(feature.geometry, lng, lat);
    if (!found || distanceM < found.distanceM) found = { feature, distanceM };
    if (distanceM === 0) break;
  }
  return found;
}

/** Great-circle distance in metres (haversine), for track lengths. */
export function haversineM(a: { lng: number; lat: number }, b: { lng: number; lat: number }): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLng = (b.lng - a.lng) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** [minLng, minLat, maxLng, maxLat] of the features' outlines, or null when empty. */
export function bboxOf(features: readonly GridFeature[]): [number, number, number, number] | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const f of features) {
    for (const polygon of polygonsOf(f.geometry)) {
      for (const [x, y] of polygon[0] ?? []) {
        minX = Math.min(minX, x);
        maxX = Math.max(maxX, x);
        minY = Math.min(minY, y);
        maxY = Math.max(maxY, y);
      }
    }
  }
  return Number.isFinite(minX) ? [minX, minY, maxX, maxY] : null;
}

/** Drawing grid outlines as SVG in a width × height box: equirectangular around the middle latitude, north up. */
export interface SketchProjection {
  scale: number;
  px(lng: number): number;
  py(lat: number): number;
  /** The point under an SVG coordinate (a tap). */
  invert(x: number, y: number): { lng: number; lat: number };
  /** The outline of a feature as an SVG path. */
  path(f: GridFeature): string;
}

export function sketchProjection([minX, minY, maxX, maxY]: readonly [number, number, number, number], width: number, height: number, pad: number): SketchProjection {
  const kx = Math.cos((((minY + maxY) / 2) * Math.PI) / 180);
  const spanX = Math.max((maxX - minX) * kx, 1e-6);
  const spanY = Math.max(maxY - minY, 1e-6);
  const scale = Math.min((width - 2 * pad) / spanX, (height - 2 * pad) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  const px = (lng: number) => offX + (lng - minX) * kx * scale;
  const py = (lat: number) => height - (offY + (lat - minY) * scale);
  return {
    scale, px, py,
    invert: (x, y) => ({ lng: minX + (x - offX) / (kx * scale), lat: minY + (height - y - offY) / scale }),
    path: (f) => polygonsOf(f.geometry)
      .flatMap((polygon) => polygon.map((ring) => `M${ring.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join('L')}Z`))
      .join(' '),
  };
}
