/**
 * Dispatch from the map (docs/field-dispatch.md): the on-duty grid workers
 * nearest a case. Pure: positions in, a ranked list out.
 *
 * On duty: on the rota now and at work (workforce/rules/duty.ts), decided by
 * the caller. Position: the last fix of the worker's patrol within `maxAgeMs`;
 * a worker with no recent fix is not listed (the map would not know where he is).
 * Distance: great circle, metres, rounded to the metre; ties go to the newer
 * fix, then the lower user id.
 */
import { haversineM } from '../../workforce/rules/geo.js';

export interface WorkerFix {
  userId: number;
  name: string;
  lng: number;
  lat: number;
  /** When the fix was taken, ms. */
  at: number;
  onDuty: boolean;
}

export interface NearWorker extends WorkerFix {
  distanceM: number;
}

export function nearestWorkers(point: { lng: number; lat: number }, fixes: readonly WorkerFix[], options: { limit: number; maxAgeMs: number; now: number }): NearWorker[] {
  const best = new Map<number, WorkerFix>();
  for (const f of fixes) {
    if (!f.onDuty || f.at < options.now - options.maxAgeMs || f.at > options.now) continue;
    const seen = best.get(f.userId);
    // A worker's newest fix is where he is.
    if (!seen || f.at > seen.at) best.set(f.userId, f);
  }
  return [...best.values()]
    .map((f) => ({ ...f, distanceM: Math.round(haversineM(point.lng, point.lat, f.lng, f.lat)) }))
    .sort((a, b) => a.distanceM - b.distanceM || b.at - a.at || a.userId - b.userId)
    .slice(0, Math.max(0, options.limit));
}
