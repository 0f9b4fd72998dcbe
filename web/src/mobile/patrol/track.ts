import { haversineM } from '../geo/geometry.js';
import type { Fix } from '../geo/position.js';

/**
 * Which GPS fixes become track points: a fix worse than MAX_ACCURACY_M is dropped (a wild jump would
 * add distance that was never walked); a fix is kept when it moved MIN_STEP_M from the last kept one, or
 * MAX_GAP_MS passed (so a worker standing still still leaves a point a minute).
 */
export const MAX_ACCURACY_M = 100;
export const MIN_STEP_M = 10;
export const MAX_GAP_MS = 60_000;
/** Points go to the server in batches of at most this many (the API takes 1..500). */
export const BATCH_MAX = 500;
/** A batch is put in the outbox when this many points wait, or every FLUSH_EVERY_MS. */
export const FLUSH_AT = 50;
export const FLUSH_EVERY_MS = 60_000;

export interface LastPoint {
  lng: number;
  lat: number;
  at: number;
}

/** Whether to keep the fix, and the distance it adds. */
export function takeFix(last: LastPoint | null, fix: Fix): { keep: boolean; addM: number } {
  if (fix.accuracyM > MAX_ACCURACY_M) return { keep: false, addM: 0 };
  if (!last) return { keep: true, addM: 0 };
  if (fix.at <= last.at) return { keep: false, addM: 0 };
  const step = haversineM(last, fix);
  if (step >= MIN_STEP_M) return { keep: true, addM: step };
  if (fix.at - last.at >= MAX_GAP_MS) return { keep: true, addM: 0 };
  return { keep: false, addM: 0 };
}

/** Splits points into batches the API accepts. */
export function batches<T>(points: readonly T[], size = BATCH_MAX): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < points.length; i += size) out.push(points.slice(i, i + size));
  return out;
}
