import { describe, expect, it } from 'vitest';
import { featuresToDisplay, fromDisplay, geometryToDisplay, toDisplay } from './map-display.js';

/** Great-circle distance in metres (enough for differences of a few hundred metres). */
function metres(a: [number, number], b: [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLng = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
}

describe('map display shift', () => {
  it('draws WGS-84 positions a few hundred metres off on GCJ-02 tiles and reads clicks back to under 1 m, across China', () => {
    let worst = 0;
    // A lattice over mainland China (every 2° of longitude, 1.5° of latitude, inside the GCJ-02 rectangle).
    for (let lng = 74; lng <= 134; lng += 2) {
      for (let lat = 18.5; lat <= 53; lat += 1.5) {
        const shown = toDisplay('gcj02', lng, lat);
        const offset = metres([lng, lat], shown);
        expect(offset).toBeGreaterThan(1);
        expect(offset).toBeLessThan(1500);
        const back = fromDisplay('gcj02', shown[0], shown[1]);
        worst = Math.max(worst, metres([lng, lat], back));
      }
    }
    expect(worst).toBeLessThan(1);
  });

  it('a click at a point of the GCJ-02 map gives the WGS-84 point drawn there (Changsha)', () => {
    const wgs: [number, number] = [113.07, 28.115];
    const drawn = toDisplay('gcj02', ...wgs);
    // GCJ-02 moves Changsha east.
    expect(drawn[0]).toBeGreaterThan(wgs[0]);
    const clicked = fromDisplay('gcj02', drawn[0], drawn[1]);
    expect(metres(wgs, clicked)).toBeLessThan(0.01);
  });

  it('moves nothing on WGS-84/CGCS2000 tiles, nor outside China', () => {
    expect(toDisplay('wgs84', 113.07, 28.115)).toEqual([113.07, 28.115]);
    expect(fromDisplay('wgs84', 113.07, 28.115)).toEqual([113.07, 28.115]);
    expect(toDisplay('gcj02', 2.35, 48.85)).toEqual([2.35, 48.85]);
    expect(fromDisplay('gcj02', -74, 40.7)).toEqual([-74, 40.7]);
  });

  it('shifts every vertex of polygons, multipolygons and collections, and the label point, leaving the input alone', () => {
    const ring = [[113, 28], [113.01, 28], [113.01, 28.01], [113, 28]];
    const poly = { type: 'Polygon', coordinates: [ring] };
    const shifted = geometryToDisplay('gcj02', poly);
    expect(poly.coordinates[0]![0]).toEqual([113, 28]);
    expect((shifted.coordinates as number[][][])[0]![1]).toEqual(toDisplay('gcj02', 113.01, 28));
    const multi = geometryToDisplay('gcj02', { type: 'MultiPolygon', coordinates: [[ring], [ring]] });
    expect((multi.coordinates as number[][][][])[1]![0]![2]).toEqual(toDisplay('gcj02', 113.01, 28.01));
    const coll = geometryToDisplay('gcj02', { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [113, 28] }] });
    expect(coll.geometries![0]!.coordinates).toEqual(toDisplay('gcj02', 113, 28));

    const fc = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'A', lx: 113.005, ly: 28.005 }, geometry: poly }] };
    const out = featuresToDisplay('gcj02', fc);
    const [lx, ly] = toDisplay('gcj02', 113.005, 28.005);
    expect(out.features[0]!.properties).toEqual({ code: 'A', lx, ly });
    expect(fc.features[0]!.properties.lx).toBe(113.005);
    expect(featuresToDisplay('wgs84', fc)).toBe(fc);
  });
});
