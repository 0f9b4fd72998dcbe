import { describe, expect, it } from 'vitest';
import {
  bd09ToGcj02,
  bd09ToWgs84,
  fromWgs84,
  gcj02ToBd09,
  gcj02ToWgs84,
  outOfChina,
  toWgs84,
  wgs84ToBd09,
  wgs84ToGcj02,
} from './coords.js';

/**
 * Reference pairs [wgsLng, wgsLat, gcjLng, gcjLat] from the eviltransform
 * test suite (googollee/eviltransform, go/transform_test.go).
 */
const EVILTRANSFORM: Array<[string, number, number, number, number]> = [
  ['shanghai', 121.5272106, 31.1774276, 121.531541859215, 31.17530398364597],
  ['shenzhen', 113.912316, 22.543847, 113.9171764808363, 22.540796131694766],
  ['beijing', 116.377817, 39.911954, 116.38404722455657, 39.91334545536069],
];

function near(actual: [number, number], lng: number, lat: number, tolerance: number): void {
  expect(Math.abs(actual[0] - lng)).toBeLessThan(tolerance);
  expect(Math.abs(actual[1] - lat)).toBeLessThan(tolerance);
}

describe('coordinate conversion', () => {
  it.each(EVILTRANSFORM)('WGS84 → GCJ-02 matches the published pair (%s)', (_name, wLng, wLat, gLng, gLat) => {
    near(wgs84ToGcj02(wLng, wLat), gLng, gLat, 1e-9);
  });

  it.each(EVILTRANSFORM)('GCJ-02 → WGS84 inverts exactly (%s)', (_name, wLng, wLat, gLng, gLat) => {
    near(gcj02ToWgs84(gLng, gLat), wLng, wLat, 1e-7);
  });

  it('matches the coordtransform reference values at Tiananmen (116.404, 39.915)', () => {
    // wandergis/coordtransform test/app.js
    near(wgs84ToGcj02(116.404, 39.915), 116.41024449916938, 39.91640428150164, 1e-9);
    near(gcj02ToBd09(116.404, 39.915), 116.41036949371029, 39.92133699351021, 1e-9);
    // Their BD-09 → GCJ-02 is the one-step approximation; ours is the exact inverse,
    // so it differs from theirs by a few 1e-7 degrees only.
    near(bd09ToGcj02(116.404, 39.915), 116.39762729119315, 39.90865673957631, 1e-6);
    // The iterative GCJ-02 → WGS84 maps back onto its input.
    near(wgs84ToGcj02(...gcj02ToWgs84(116.404, 39.915)), 116.404, 39.915, 1e-9);
  });

  it('round-trips across China to better than 1e-7 degrees', () => {
    for (let lng = 73.5; lng < 135; lng += 3.7) {
      for (let lat = 18.2; lat < 53.5; lat += 2.9) {
        near(gcj02ToWgs84(...wgs84ToGcj02(lng, lat)), lng, lat, 1e-7);
        near(wgs84ToGcj02(...gcj02ToWgs84(lng, lat)), lng, lat, 1e-7);
        near(bd09ToGcj02(...gcj02ToBd09(lng, lat)), lng, lat, 1e-7);
        near(bd09ToWgs84(...wgs84ToBd09(lng, lat)), lng, lat, 1e-7);
      }
    }
  });

  it('moves positions in Changsha by a few hundred metres', () => {
    const [gLng, gLat] = wgs84ToGcj02(113.0, 28.1);
    const metres = Math.hypot((gLng - 113.0) * 98_000, (gLat - 28.1) * 111_000);
    expect(metres).toBeGreaterThan(100);
    expect(metres).toBeLessThan(1000);
  });

  it('leaves GCJ-02 positions outside China unchanged', () => {
    expect(outOfChina(139.69, 35.68)).toBe(true);
    expect(outOfChina(113.0, 28.1)).toBe(false);
    expect(wgs84ToGcj02(139.69, 35.68)).toEqual([139.69, 35.68]);
    expect(gcj02ToWgs84(-0.1276, 51.5072)).toEqual([-0.1276, 51.5072]);
  });

  it('dispatches on the source system', () => {
    expect(toWgs84(113, 28, 'wgs84')).toEqual([113, 28]);
    near(toWgs84(...fromWgs84(113, 28, 'gcj02'), 'gcj02'), 113, 28, 1e-9);
    near(toWgs84(...fromWgs84(113, 28, 'bd09'), 'bd09'), 113, 28, 1e-9);
    expect(fromWgs84(113, 28, 'wgs84')).toEqual([113, 28]);
  });
});
