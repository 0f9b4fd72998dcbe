import { describe, expect, it } from 'vitest';
import { matchCategories } from '../../web/src/mobile/categories.js';
import { bboxOf, distanceToGeometryM, haversineM, inGeometry, locateIn, nearest, sketchProjection, type GridCollection, type GridFeature } from '../../web/src/mobile/geo/geometry.js';
import { fitWithin } from '../../web/src/mobile/photos/compress.js';
import { batches, takeFix } from '../../web/src/mobile/patrol/track.js';
import type { Category, Major } from '../../web/src/modules/incidents/api.js';

/** About 0.001° of latitude is 111 m; at 28° N, 0.001° of longitude is 98 m. */
const square = (code: string, x: number, y: number, size = 0.001, hole = false): GridFeature => ({
  type: 'Feature',
  properties: { code, name: `grid ${code}` },
  geometry: {
    type: 'Polygon',
    coordinates: [
      [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]],
      ...(hole ? [[[x + size / 4, y + size / 4], [x + (3 * size) / 4, y + size / 4], [x + (3 * size) / 4, y + (3 * size) / 4], [x + size / 4, y + (3 * size) / 4], [x + size / 4, y + size / 4]]] : []),
    ],
  },
});
const grids: GridCollection = { type: 'FeatureCollection', features: [square('A', 113, 28), square('B', 113.001, 28, 0.001, true)] };

describe('offline grid geometry', () => {
  it('finds the grid holding a point, minding holes, and none outside', () => {
    expect(locateIn(grids, 113.0005, 28.0005)?.properties.code).toBe('A');
    expect(locateIn(grids, 113.0012, 28.0002)?.properties.code).toBe('B');
    expect(locateIn(grids, 113.0015, 28.0005)).toBeNull();
    expect(locateIn(grids, 112.9, 28.0005)).toBeNull();
    const multi: GridFeature = { type: 'Feature', properties: { code: 'M' }, geometry: { type: 'MultiPolygon', coordinates: [square('x', 114, 28).geometry.coordinates, square('y', 115, 28).geometry.coordinates] } };
    expect(inGeometry(multi.geometry, 115.0005, 28.0005)).toBe(true);
    expect(inGeometry(multi.geometry, 114.5, 28.0005)).toBe(false);
  });

  it('measures how far outside a point lies: 0 inside, metres to the nearest edge otherwise', () => {
    const a = grids.features[0]!;
    expect(distanceToGeometryM(a.geometry, 113.0005, 28.0005)).toBe(0);
    // 0.001° south of the bottom edge: 111 m.
    expect(distanceToGeometryM(a.geometry, 113.0005, 27.999)).toBeCloseTo(111.2, 0);
    // West of the left edge at 28° N: 0.001° of longitude is about 98 m.
    expect(distanceToGeometryM(a.geometry, 112.999, 28.0005)).toBeCloseTo(98.2, 0);
    // Inside B's hole the nearest edge is the hole's: its west side, 0.00025° of longitude away.
    expect(distanceToGeometryM(grids.features[1]!.geometry, 113.0015, 28.0005)).toBeCloseTo(24.5, 0);
    expect(nearest(grids, 113.0025, 28.0005)).toMatchObject({ feature: { properties: { code: 'B' } } });
    expect(nearest({ type: 'FeatureCollection', features: [] }, 0, 0)).toBeNull();
  });

  it('measures walked distance on the sphere and frames the outlines', () => {
    expect(haversineM({ lng: 113, lat: 28 }, { lng: 113, lat: 28.001 })).toBeCloseTo(111.19, 1);
    const box = bboxOf(grids.features)!;
    [113, 28, 113.002, 28.001].forEach((v, i) => expect(box[i]).toBeCloseTo(v, 9));
    expect(bboxOf([])).toBeNull();
  });
});

describe('patrol track points', () => {
  const fix = (lat: number, at: number, accuracyM = 10) => ({ lng: 113, lat, at, accuracyM });
  it('keeps the first fix, real moves and a point a minute when standing; drops poor and stale fixes', () => {
    expect(takeFix(null, fix(28, 0))).toEqual({ keep: true, addM: 0 });
    const last = { lng: 113, lat: 28, at: 0 };
    expect(takeFix(last, fix(28.0002, 5_000)).keep).toBe(true);
    expect(takeFix(last, fix(28.0002, 5_000)).addM).toBeCloseTo(22.2, 1);
    expect(takeFix(last, fix(28.00005, 5_000))).toEqual({ keep: false, addM: 0 });
    expect(takeFix(last, fix(28.00005, 60_000))).toEqual({ keep: true, addM: 0 });
    expect(takeFix(last, fix(28.01, 5_000, 250))).toEqual({ keep: false, addM: 0 });
    expect(takeFix(last, fix(28.01, 0))).toEqual({ keep: false, addM: 0 });
  });

  it('sends points in batches the API accepts', () => {
    expect(batches(Array.from({ length: 1001 }, (_, i) => i)).map((b) => b.length)).toEqual([500, 500, 1]);
    expect(batches([])).toEqual([]);
  });
});

describe('photos and categories', () => {
  it('fits a photo within 1600 px on its longest side, never enlarging', () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1600, height: 1200 });
    expect(fitWithin(3000, 4000)).toEqual({ width: 1200, height: 1600 });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
  });

  it('finds categories by Chinese name, English name, code or major category', () => {
    const cat = (code: string, nameZh: string, nameEn: string, status: 'active' | 'retired' = 'active'): Category => ({
      code, majorCode: code.slice(0, 2), nameZh, nameEn, type: 'event', caseType: 'committed', departmentCodes: [], status,
    });
    const categories = [cat('0101', '井盖破损', 'Broken manhole cover'), cat('0102', '路灯不亮', 'Street light out'), cat('0201', '占道经营', 'Street vending'), cat('0103', '旧分类', 'Old', 'retired')];
    const majors: Major[] = [{ code: '01', nameZh: '公用设施', nameEn: 'Public facilities', sort: 1, status: 'active' }, { code: '02', nameZh: '街面秩序', nameEn: 'Street order', sort: 2, status: 'active' }];
    const codes = (q: string) => matchCategories(categories, majors, q).map((c) => c.code);
    expect(codes('')).toEqual(['0101', '0102', '0201']);
    expect(codes('井盖')).toEqual(['0101']);
    expect(codes('LIGHT')).toEqual(['0102']);
    expect(codes('02')).toEqual(['0201']);
    expect(codes('公用')).toEqual(['0101', '0102']);
    expect(codes('旧')).toEqual([]);
  });
});

describe('the sketch projection (the phone map and the citizen tap map)', () => {
  it('keeps the box inside the padding, north up, and inverts a tap to the point drawn there', () => {
    const p = sketchProjection([112.9, 28.1, 113.1, 28.3], 360, 260, 12);
    for (const [lng, lat] of [[112.9, 28.1], [113.1, 28.3], [113.0, 28.2]] as const) {
      const x = p.px(lng);
      const y = p.py(lat);
      expect(x).toBeGreaterThanOrEqual(12 - 1e-9);
      expect(x).toBeLessThanOrEqual(348 + 1e-9);
      const back = p.invert(x, y);
      expect(back.lng).toBeCloseTo(lng, 9);
      expect(back.lat).toBeCloseTo(lat, 9);
    }
    expect(p.py(28.3)).toBeLessThan(p.py(28.1));
    // East–west is shrunk by the cosine of the latitude, so a square of degrees is drawn narrower than tall.
    expect(p.px(113.1) - p.px(112.9)).toBeLessThan(p.py(28.1) - p.py(28.3));
  });
});
