/**
 * Plausible patrol walks for the demo: a worker walks at a walking pace
 * between nearby points of the area they patrol (straight legs that stay
 * inside it), arrives at each case they reported in time to report it
 * there, stands a few minutes, and walks on. The phone samples a fix every
 * `intervalMs` with a few metres of noise and, rarely, a wild jump (which
 * the server's track filter drops). Pure and deterministic for a Random.
 */
import type { Random } from '../grid/demo/random.js';

export interface WalkArea {
  /** Whether a WGS84 point lies in the area the worker patrols. */
  inside(lng: number, lat: number): boolean;
  /** A random point of the area. */
  randomPoint(rng: Random): [number, number];
}

export interface Anchor {
  at: number;
  lng: number;
  lat: number;
}

export interface WalkPoint {
  at: number;
  lng: number;
  lat: number;
  accuracyM: number;
}

export interface WalkOptions {
  intervalMs: number;
  /** Chance that one fix is a wild jump (hundreds of metres). */
  spikeChance?: number;
}

const M_PER_DEG = 111_195.08;
/** Legs of a wander: at most this far. */
const WANDER_M = 220;
/** Faster than this (an e-bike in town) the worker could not have been there: the anchor is skipped. */
const MAX_MPS = 6;
/** A leg is checked inside the area every this many metres. */
const CHECK_M = 40;

function gaussian(rng: Random): number {
  const u = Math.max(1e-12, rng.next());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/**
 * One patrol from `start` to `end`: the fixes, and the anchors it reached
 * (those it could not reach in time at an e-bike's pace are left out).
 */
export function walkPatrol(rng: Random, area: WalkArea, start: number, end: number, anchors: readonly Anchor[], options: WalkOptions): { points: WalkPoint[]; reached: Anchor[] } {
  const spike = options.spikeChance ?? 0.002;
  const todo = anchors.filter((a) => a.at > start && a.at < end).sort((a, b) => a.at - b.at);
  // A patrol with a case early on starts near it.
  const early = todo[0] && todo[0].at - start < 30 * 60_000 ? todo[0] : null;
  let [x, y] = early ? (wanderFrom(rng, area, early.lng, early.lat)?.[0] ?? [early.lng, early.lat]) : area.randomPoint(rng);
  const kx = M_PER_DEG * Math.cos((y * Math.PI) / 180);
  const dist = (ax: number, ay: number, bx: number, by: number) => Math.hypot((bx - ax) * kx, (by - ay) * M_PER_DEG);
  const points: WalkPoint[] = [];
  const reached: Anchor[] = [];
  // The next fix is due at `due`; movement is laid out as legs and stays, and fixes are taken along them.
  let due = start + rng.int(0, 999);
  let t = start;
  const sample = (toT: number, fromX: number, fromY: number, toX: number, toY: number) => {
    const span = toT - t;
    while (due <= toT && due < end) {
      const f = span <= 0 ? 1 : (due - t) / span;
      let lng = fromX + (toX - fromX) * f;
      let lat = fromY + (toY - fromY) * f;
      const accuracyM = rng.int(4, 15);
      if (rng.next() < spike) {
        const d = rng.range(300, 900);
        const a = rng.range(0, 2 * Math.PI);
        lng += (d * Math.cos(a)) / kx;
        lat += (d * Math.sin(a)) / M_PER_DEG;
      } else {
        lng += (gaussian(rng) * accuracyM * 0.35) / kx;
        lat += (gaussian(rng) * accuracyM * 0.35) / M_PER_DEG;
      }
      points.push({ at: due, lng: Math.round(lng * 1e6) / 1e6, lat: Math.round(lat * 1e6) / 1e6, accuracyM });
      due += options.intervalMs;
    }
  };
  const legTo = (tx: number, ty: number, speed: number) => {
    const d = dist(x, y, tx, ty);
    const arrive = t + (d / speed) * 1000;
    sample(arrive, x, y, tx, ty);
    t = arrive;
    x = tx;
    y = ty;
  };
  const stay = (until: number) => {
    sample(until, x, y, x, y);
    t = Math.max(t, until);
  };
  while (t < end) {
    const anchor = todo[0];
    if (anchor) {
      const d = dist(x, y, anchor.lng, anchor.lat);
      const left = (anchor.at - t) / 1000;
      if (d > MAX_MPS * Math.max(left, 0)) {
        todo.shift();
        continue;
      }
      const pace = rng.range(0.9, 1.3);
      // Time to spare: wander on a leg that still leaves the anchor in reach at the usual pace.
      if (left - d / pace > 240) {
        const w = wanderFrom(rng, area, x, y);
        if (w && w.length === 1 && (dist(x, y, w[0]![0], w[0]![1]) + dist(w[0]![0], w[0]![1], anchor.lng, anchor.lat)) / pace < left - 60) {
          legTo(w[0]![0], w[0]![1], pace);
          continue;
        }
      }
      // The case must be reached: straight across when no way inside is found (rare, with odd outlines).
      const path = routeInside(rng, area, x, y, anchor.lng, anchor.lat, 3) ?? [[anchor.lng, anchor.lat]];
      let length = 0;
      let px = x;
      let py = y;
      for (const [wx, wy] of path) {
        length += dist(px, py, wx, wy);
        px = wx;
        py = wy;
      }
      const speed = Math.max(pace, length / Math.max(left, 1));
      for (const [wx, wy] of path) legTo(wx, wy, speed);
      stay(anchor.at);
      reached.push(anchor);
      todo.shift();
      // Photographing and reporting the case, unless the next one calls sooner.
      const next = todo[0];
      const leaveBy = next ? next.at - (dist(x, y, next.lng, next.lat) / 1.3) * 1000 : Infinity;
      stay(Math.min(t + rng.int(90, 300) * 1000, leaveBy));
      continue;
    }
    if (rng.next() < 0.12) {
      stay(t + rng.int(30, 240) * 1000);
    } else {
      const path = wanderFrom(rng, area, x, y);
      const pace = rng.range(0.9, 1.3);
      if (path) for (const [px, py] of path) legTo(px, py, pace);
      else stay(t + rng.int(30, 120) * 1000);
    }
  }
  return { points, reached };
}

/**
 * Waypoints from (x, y) to the target whose straight legs stay inside the
 * area: the target itself when the straight leg does, else through a point
 * near the middle (up to `depth` times); null when none is found.
 */
function routeInside(rng: Random, area: WalkArea, x: number, y: number, tx: number, ty: number, depth: number): [number, number][] | null {
  const kx = M_PER_DEG * Math.cos((y * Math.PI) / 180);
  const length = Math.hypot((tx - x) * kx, (ty - y) * M_PER_DEG);
  if (legInside(area, x, y, tx, ty, length)) return [[tx, ty]];
  if (depth === 0) return null;
  const mx = (x + tx) / 2;
  const my = (y + ty) / 2;
  const radius = length / 2 + 100;
  for (let attempt = 0; attempt < 24; attempt++) {
    const r = rng.range(0, radius);
    const a = rng.range(0, 2 * Math.PI);
    const cx = mx + (r * Math.cos(a)) / kx;
    const cy = my + (r * Math.sin(a)) / M_PER_DEG;
    if (!area.inside(cx, cy) || !legInside(area, x, y, cx, cy, Math.hypot((cx - x) * kx, (cy - y) * M_PER_DEG))) continue;
    const rest = routeInside(rng, area, cx, cy, tx, ty, depth - 1);
    if (rest) return [[cx, cy], ...rest];
  }
  return null;
}

/** A point up to WANDER_M away whose straight leg stays inside the area, or a path inside to a random point of it, or null. */
function wanderFrom(rng: Random, area: WalkArea, x: number, y: number): [number, number][] | null {
  const kx = M_PER_DEG * Math.cos((y * Math.PI) / 180);
  for (let attempt = 0; attempt < 16; attempt++) {
    const d = rng.range(40, WANDER_M);
    const a = rng.range(0, 2 * Math.PI);
    const tx = x + (d * Math.cos(a)) / kx;
    const ty = y + (d * Math.sin(a)) / M_PER_DEG;
    if (legInside(area, x, y, tx, ty, d)) return [[tx, ty]];
  }
  const [rx, ry] = area.randomPoint(rng);
  return routeInside(rng, area, x, y, rx, ry, 3);
}

function legInside(area: WalkArea, x: number, y: number, tx: number, ty: number, lengthM: number): boolean {
  const steps = Math.max(1, Math.ceil(lengthM / CHECK_M));
  for (let i = 1; i <= steps; i++) {
    const f = i / steps;
    if (!area.inside(x + (tx - x) * f, y + (ty - y) * f)) return false;
  }
  return true;
}

/** A deterministic RFC 4122 version-4-shaped id from the stream (for demo rows the API addresses by client id). */
export function demoUuid(rng: Random): string {
  const hex = (n: number) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + rng.int(0, 3)).toString(16)}${hex(3)}-${hex(12)}`;
}
