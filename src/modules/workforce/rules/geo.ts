/**
 * Distances on the ground, in metres, for patrol tracks and clock-in checks.
 * Pure: WGS84 [lng, lat] in degrees in, metres out.
 */
import { pointInGeometry, ringsOf } from '../../grid/rules/geometry.js';
import type { GridGeometry } from '../../grid/rules/types.js';

/** Mean Earth radius (IUGG), metres; the grid module's areas use the same. */
export const EARTH_RADIUS_M = 6371008.8;
const RAD = Math.PI / 180;
const M_PER_DEG = RAD * EARTH_RADIUS_M;

/** Great-circle distance between two WGS84 points (haversine). */
export function haversineM(lng1: number, lat1: number, lng2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLng = (lng2 - lng1) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(s)));
}

/**
 * Distance from a point to the nearest edge of a polygon or multipolygon,
 * or 0 when the point lies inside. Each edge is measured on a local
 * equirectangular plane centred on the point (x scaled by cos(lat)), where
 * the distance to a segment is exact up to the plane's distortion: well
 * under 0.1 % within a few kilometres, which is all a clock-in tolerance of
 * tens of metres needs. Vertices alone would be wrong: a point beside a
 * long straight edge is near the edge, not near its ends.
 */
export function distanceToGeometryM(geometry: GridGeometry, lng: number, lat: number): number {
  if (pointInGeometry(geometry, lng, lat)) return 0;
  const kx = M_PER_DEG * Math.cos(lat * RAD);
  const ky = M_PER_DEG;
  let best = Infinity;
  for (const ring of ringsOf(geometry)) {
    const n = ring.length;
    if (n === 0) continue;
    let ax = (ring[n - 1]![0] - lng) * kx;
    let ay = (ring[n - 1]![1] - lat) * ky;
    for (let i = 0; i < n; i++) {
      const bx = (ring[i]![0] - lng) * kx;
      const by = (ring[i]![1] - lat) * ky;
      const d = segmentDistanceFromOrigin(ax, ay, bx, by);
      if (d < best) best = d;
      ax = bx;
      ay = by;
    }
  }
  return best;
}

/** Distance from (0, 0) to the segment a–b on a plane. */
function segmentDistanceFromOrigin(ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  // Projection of the origin onto the line, clamped to the segment.
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  const px = ax + t * dx;
  const py = ay + t * dy;
  return Math.sqrt(px * px + py * py);
}

/** Degrees to integer microdegrees (about 0.1 m), the stored form of track and clock positions. */
export function toMicro(deg: number): number {
  return Math.round(deg * 1e6);
}

export function fromMicro(micro: number): number {
  return micro / 1e6;
}
