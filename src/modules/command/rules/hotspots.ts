/**
 * Hot spots (高发点位, docs/hot-spots.md): recurring problems at one place.
 * Pure: the cases in, the clusters out.
 *
 * A hot spot is at least `minCases` cases of one minor category, reported in
 * the window of `days` days that ends at `now` (start inclusive, end
 * inclusive), all within `radiusM` metres (inclusive) of one of them, its
 * centre. Clusters are taken greedily: per category, the case with the most
 * neighbours becomes a centre (ties: the earliest reported, then the lowest
 * id), its neighbours are its cluster, and they are taken out before the next
 * centre is chosen. So a case belongs to one hot spot at most, the result
 * does not depend on the input's order, and a line of cases each R apart does
 * not chain into one long "spot".
 */
import { haversineM } from '../../workforce/rules/geo.js';

export interface HotSpotParams {
  /** Fewest cases that make a hot spot (N). */
  minCases: number;
  /** Radius around the centre case, metres (R). */
  radiusM: number;
  /** Window length in days, ending at `now` (D). */
  days: number;
}

export const DEFAULT_HOT_SPOT_PARAMS: HotSpotParams = { minCases: 3, radiusM: 100, days: 30 };
export const DAY_MS = 86_400_000;

export interface HotSpotCase {
  id: number;
  categoryCode: string;
  lng: number;
  lat: number;
  reportedAt: number;
}

export interface HotSpot<C extends HotSpotCase = HotSpotCase> {
  categoryCode: string;
  /** The centre case's position. */
  lng: number;
  lat: number;
  centreId: number;
  /** Newest first. */
  cases: C[];
  firstAt: number;
  lastAt: number;
}

/** The window's bounds: cases reported at `from` or later and at `to` or earlier count. */
export function hotSpotWindow(now: number, days: number): { from: number; to: number } {
  return { from: now - days * DAY_MS, to: now };
}

export function findClusters<C extends HotSpotCase>(cases: readonly C[], params: HotSpotParams, now: number): HotSpot<C>[] {
  const { from, to } = hotSpotWindow(now, params.days);
  const byCategory = new Map<string, C[]>();
  for (const c of cases) {
    if (c.reportedAt < from || c.reportedAt > to) continue;
    const list = byCategory.get(c.categoryCode);
    if (list) list.push(c);
    else byCategory.set(c.categoryCode, [c]);
  }
  const out: HotSpot<C>[] = [];
  for (const [categoryCode, list] of byCategory) {
    if (list.length < params.minCases) continue;
    const neighbours = neighbourLists(list, params.radiusM);
    // Untaken neighbours per case, kept as cases are taken.
    const counts = neighbours.map((n) => n.length);
    const taken = new Set<number>();
    for (;;) {
      let best = -1;
      for (let i = 0; i < list.length; i++) {
        if (taken.has(list[i]!.id)) continue;
        if (best < 0 || counts[i]! > counts[best]!) best = i;
        else if (counts[i] === counts[best]) {
          const c = list[i]!;
          const b = list[best]!;
          if (c.reportedAt < b.reportedAt || (c.reportedAt === b.reportedAt && c.id < b.id)) best = i;
        }
      }
      const bestCount = best < 0 ? 0 : counts[best]!;
      if (best < 0 || bestCount < params.minCases) break;
      const centre = list[best]!;
      const members = neighbours[best]!.filter((j) => !taken.has(list[j]!.id));
      for (const j of members) taken.add(list[j]!.id);
      for (const j of members) for (const k of neighbours[j]!) counts[k]!--;
      const cases = members.map((j) => list[j]!).sort((a, b) => b.reportedAt - a.reportedAt || b.id - a.id);
      out.push({
        categoryCode, lng: centre.lng, lat: centre.lat, centreId: centre.id, cases,
        firstAt: cases[cases.length - 1]!.reportedAt, lastAt: cases[0]!.reportedAt,
      });
    }
  }
  // Biggest first; then the most recent.
  return out.sort((a, b) => b.cases.length - a.cases.length || b.lastAt - a.lastAt || a.centreId - b.centreId);
}

/**
 * For each case, the indexes of the cases within `radiusM` of it (itself
 * included), found through cells of about the radius's size: only the 3×3
 * cells around a case are measured, not every pair.
 */
function neighbourLists(list: readonly HotSpotCase[], radiusM: number): number[][] {
  const latStep = Math.max(radiusM, 1) / 111_000;
  // A cell at least R wide at the cases' highest latitude too (the cos shrinks with latitude).
  const maxLat = Math.min(89, Math.max(...list.map((c) => Math.abs(c.lat))));
  const lngStep = latStep / Math.max(Math.cos((maxLat * Math.PI) / 180), 0.01);
  const key = (x: number, y: number) => `${x}:${y}`;
  const cells = new Map<string, number[]>();
  const at = list.map((c) => [Math.floor(c.lng / lngStep), Math.floor(c.lat / latStep)] as const);
  at.forEach(([x, y], i) => {
    const k = key(x, y);
    const cell = cells.get(k);
    if (cell) cell.push(i);
    else cells.set(k, [i]);
  });
  return list.map((a, i) => {
    const [x, y] = at[i]!;
    const out: number[] = [];
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const j of cells.get(key(x + dx, y + dy)) ?? []) {
          const b = list[j]!;
          if (haversineM(a.lng, a.lat, b.lng, b.lat) <= radiusM) out.push(j);
        }
      }
    }
    return out;
  });
}
