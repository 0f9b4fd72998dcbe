/**
 * WGS84 ↔ GCJ-02 ↔ BD-09 conversion.
 *
 * GCJ-02 is the published obfuscation that Chinese map SDKs (AMap, Tencent)
 * apply to WGS84; BD-09 is Baidu's further offset of GCJ-02. Positions are
 * stored in WGS84, so anything from a phone SDK is converted where it enters.
 * Forward transforms are the standard closed forms; the inverse transforms
 * are solved by fixed-point iteration because the one-step inverse used by
 * many libraries is only good to a few metres.
 */

export type Crs = 'wgs84' | 'gcj02' | 'bd09';
export type LngLat = [number, number];

/** Krasovsky 1940 ellipsoid, as the GCJ-02 algorithm uses it. */
const A = 6378245.0;
const EE = 0.006693421622965943;
const X_PI = (Math.PI * 3000.0) / 180.0;

/** Inverse transforms stop once the forward image is this close to the input (degrees). */
const INVERSE_TOLERANCE = 1e-10;
const INVERSE_MAX_ITERATIONS = 30;

/** The usual rectangle test: GCJ-02 leaves positions outside it unchanged. */
export function outOfChina(lng: number, lat: number): boolean {
  return lng < 72.004 || lng > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

function transformLat(x: number, y: number): number {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0;
  return ret;
}

function transformLng(x: number, y: number): number {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  ret += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  ret += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return ret;
}

export function wgs84ToGcj02(lng: number, lat: number): LngLat {
  if (outOfChina(lng, lat)) return [lng, lat];
  let dLat = transformLat(lng - 105.0, lat - 35.0);
  let dLng = transformLng(lng - 105.0, lat - 35.0);
  const radLat = (lat / 180.0) * Math.PI;
  let magic = Math.sin(radLat);
  magic = 1 - EE * magic * magic;
  const sqrtMagic = Math.sqrt(magic);
  dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
  dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(radLat) * Math.PI);
  return [lng + dLng, lat + dLat];
}

export function gcj02ToBd09(lng: number, lat: number): LngLat {
  const z = Math.sqrt(lng * lng + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lng) + 0.000003 * Math.cos(lng * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

/** The published one-step BD-09 → GCJ-02 formula; the starting point of bd09ToGcj02. */
function bd09ToGcj02Approx(lng: number, lat: number): LngLat {
  const x = lng - 0.0065;
  const y = lat - 0.006;
  const z = Math.sqrt(x * x + y * y) - 0.00002 * Math.sin(y * X_PI);
  const theta = Math.atan2(y, x) - 0.000003 * Math.cos(x * X_PI);
  return [z * Math.cos(theta), z * Math.sin(theta)];
}

/**
 * Solves forward(p) = target for p by fixed-point iteration p -= forward(p) - target.
 * It converges fast because both offsets vary slowly with position
 * (their derivatives are orders of magnitude below 1).
 */
function invert(forward: (lng: number, lat: number) => LngLat, lng: number, lat: number, start: LngLat): LngLat {
  let x = start[0];
  let y = start[1];
  for (let i = 0; i < INVERSE_MAX_ITERATIONS; i++) {
    const [fx, fy] = forward(x, y);
    const dx = fx - lng;
    const dy = fy - lat;
    x -= dx;
    y -= dy;
    if (Math.abs(dx) < INVERSE_TOLERANCE && Math.abs(dy) < INVERSE_TOLERANCE) break;
  }
  return [x, y];
}

export function gcj02ToWgs84(lng: number, lat: number): LngLat {
  if (outOfChina(lng, lat)) return [lng, lat];
  return invert(wgs84ToGcj02, lng, lat, [lng, lat]);
}

export function bd09ToGcj02(lng: number, lat: number): LngLat {
  return invert(gcj02ToBd09, lng, lat, bd09ToGcj02Approx(lng, lat));
}

export function wgs84ToBd09(lng: number, lat: number): LngLat {
  const [gLng, gLat] = wgs84ToGcj02(lng, lat);
  return gcj02ToBd09(gLng, gLat);
}

export function bd09ToWgs84(lng: number, lat: number): LngLat {
  const [gLng, gLat] = bd09ToGcj02(lng, lat);
  return gcj02ToWgs84(gLng, gLat);
}

/** Converts a position reported in `crs` to WGS84 (the stored system). */
export function toWgs84(lng: number, lat: number, crs: Crs): LngLat {
  switch (crs) {
    case 'wgs84':
      return [lng, lat];
    case 'gcj02':
      return gcj02ToWgs84(lng, lat);
    case 'bd09':
      return bd09ToWgs84(lng, lat);
  }
}

/** Converts a stored WGS84 position to `crs`, e.g. to hand it to a Chinese map SDK. */
export function fromWgs84(lng: number, lat: number, crs: Crs): LngLat {
  switch (crs) {
    case 'wgs84':
      return [lng, lat];
    case 'gcj02':
      return wgs84ToGcj02(lng, lat);
    case 'bd09':
      return wgs84ToBd09(lng, lat);
  }
}
