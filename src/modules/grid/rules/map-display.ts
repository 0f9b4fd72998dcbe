/**
 * Drawing stored (WGS-84) positions on a base map whose tiles use another
 * system, and reading picked positions back. Only GCJ-02 tiles need it:
 * shown positions are shifted to GCJ-02 so they sit on the streets of the
 * tiles, and a click is shifted back before it leaves the map. Outside China
 * GCJ-02 is WGS-84, so nothing moves there. Shared by the console and the
 * worker app.
 */
import { gcj02ToWgs84, wgs84ToGcj02, type LngLat } from './coords.js';

export type DisplayCrs = 'wgs84' | 'gcj02';

/** A stored WGS-84 position where the map draws it. */
export function toDisplay(crs: DisplayCrs, lng: number, lat: number): LngLat {
  return crs === 'gcj02' ? wgs84ToGcj02(lng, lat) : [lng, lat];
}

/** A position picked on the map as WGS-84, to send or store. */
export function fromDisplay(crs: DisplayCrs, lng: number, lat: number): LngLat {
  return crs === 'gcj02' ? gcj02ToWgs84(lng, lat) : [lng, lat];
}

function shiftCoordinates(c: unknown, shift: (lng: number, lat: number) => LngLat): unknown {
  if (!Array.isArray(c)) return c;
  if (typeof c[0] === 'number' && typeof c[1] === 'number') {
    const [lng, lat] = shift(c[0], c[1]);
    return c.length > 2 ? [lng, lat, ...c.slice(2)] : [lng, lat];
  }
  return c.map((x) => shiftCoordinates(x, shift));
}

interface Geometry {
  type: string;
  coordinates?: unknown;
  geometries?: Geometry[];
}

/** A GeoJSON geometry as drawn on the map (a new object; the input is left as it is). */
export function geometryToDisplay<G extends Geometry>(crs: DisplayCrs, geometry: G): G {
  if (crs === 'wgs84') return geometry;
  const shift = (lng: number, lat: number): LngLat => toDisplay(crs, lng, lat);
  if (geometry.type === 'GeometryCollection') return { ...geometry, geometries: (geometry.geometries ?? []).map((g) => geometryToDisplay(crs, g)) };
  return { ...geometry, coordinates: shiftCoordinates(geometry.coordinates, shift) };
}

/**
 * A FeatureCollection as drawn on the map. Features with a label point
 * (properties lx, ly, as the grid map's features carry) get it shifted too.
 */
export function featuresToDisplay<F extends { features: Array<{ geometry: Geometry | null; properties: object | null }> }>(crs: DisplayCrs, fc: F): F {
  if (crs === 'wgs84') return fc;
  return {
    ...fc,
    features: fc.features.map((f) => {
      const props = f.properties as { lx?: unknown; ly?: unknown } | null;
      let properties = f.properties;
      if (props && typeof props.lx === 'number' && typeof props.ly === 'number') {
        const [lx, ly] = toDisplay(crs, props.lx, props.ly);
        properties = { ...props, lx, ly };
      }
      return { ...f, geometry: f.geometry ? geometryToDisplay(crs, f.geometry) : f.geometry, properties };
    }),
  };
}
