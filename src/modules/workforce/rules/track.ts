/**
 * A patrol's distance from its raw GPS points, dropping what a phone gets
 * wrong. Pure; docs/workforce.md states the same rule for people.
 *
 * Points are taken in time order. The "anchor" is the last accepted point
 * that counted as movement.
 *
 * 1. A point whose reported accuracy is worse than `maxAccuracyM` is dropped.
 * 2. The first point left is accepted and becomes the anchor.
 * 3. A point within `maxSpeedMps` of the anchor (distance over elapsed time)
 *    is accepted. If it lies at least `minStepM` from the anchor, that
 *    distance is added and it becomes the anchor; nearer, it is drawn but
 *    adds nothing (a phone standing still wanders by metres, which would
 *    otherwise add up to kilometres over a day).
 * 4. A point that would need more speed than that is a suspected jump and
 *    held back. If a later point is again within reach of the anchor, the
 *    held points were a spike and are dropped. If instead `confirmPoints`
 *    held points in a row are within reach of each other, the worker really
 *    moved (a bus, a lift in a car): they are accepted, the anchor moves to
 *    the last of them, and only the distance between them is added, not the
 *    fast move itself, which was not patrolling. Held points left over at
 *    the end are dropped.
 */
import { haversineM } from './geo.js';

export interface TrackPoint {
  /** Epoch ms. */
  at: number;
  lng: number;
  lat: number;
  accuracyM?: number | null;
}

export interface TrackRules {
  /** Faster than this between two points is not walking or cycling on patrol (m/s). */
  maxSpeedMps: number;
  /** Points reported less accurate than this are dropped (m). */
  maxAccuracyM: number;
  /** Movement below this from the anchor is taken as GPS wander, not distance (m). */
  minStepM: number;
  /** Consecutive consistent points that make a fast move real. */
  confirmPoints: number;
}

export const DEFAULT_TRACK_RULES: TrackRules = { maxSpeedMps: 12, maxAccuracyM: 100, minStepM: 10, confirmPoints: 3 };

export interface FilteredTrack {
  /** Per input point (same order): kept for drawing and distance. */
  accepted: boolean[];
  distanceM: number;
  acceptedCount: number;
}

/** Points must be sorted by `at` ascending (the store reads them so). */
export function filterTrack(points: readonly TrackPoint[], rules: TrackRules = DEFAULT_TRACK_RULES): FilteredTrack {
  const accepted: boolean[] = new Array<boolean>(points.length).fill(false);
  // Mutable state kept in one object: the closures below update it.
  const state: { anchor: TrackPoint | null; distance: number } = { anchor: null, distance: 0 };
  let held: number[] = [];
  const reachable = (from: TrackPoint, to: TrackPoint): boolean => {
    const d = haversineM(from.lng, from.lat, to.lng, to.lat);
    // At least one second, so two fixes a few ms apart are not read as infinite speed.
    const seconds = Math.max(1, (to.at - from.at) / 1000);
    return d <= rules.maxSpeedMps * seconds;
  };
  const step = (i: number): void => {
    const p = points[i]!;
    accepted[i] = true;
    const anchor = state.anchor;
    if (anchor === null) {
      state.anchor = p;
      return;
    }
    const d = haversineM(anchor.lng, anchor.lat, p.lng, p.lat);
    if (d >= rules.minStepM) {
      state.distance += d;
      state.anchor = p;
    }
  };
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    if (p.accuracyM != null && p.accuracyM > rules.maxAccuracyM) continue;
    if (state.anchor === null || reachable(state.anchor, p)) {
      held = [];
      step(i);
      continue;
    }
    const last = held.length > 0 ? points[held[held.length - 1]!]! : null;
    held = last !== null && reachable(last, p) ? [...held, i] : [i];
    if (held.length >= rules.confirmPoints) {
      // A real move: restart from the first held point without counting the move itself.
      state.anchor = null;
      for (const k of held) step(k);
      held = [];
    }
  }
  return { accepted, distanceM: state.distance, acceptedCount: accepted.filter(Boolean).length };
}
