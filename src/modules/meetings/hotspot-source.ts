import type { AppDb } from '../../database.js';
import { findHotSpots } from '../command/hotspots.js';
import type { AgendaCandidate, AgendaCandidateSource } from './service.js';

/**
 * Hot spots (docs/hot-spots.md) under the meeting's node as agenda
 * candidates: a recurring problem at one place is what a joint meeting is
 * for. The item names the cluster's newest case, the one to act on.
 */
export function hotSpotSource(db: AppDb): AgendaCandidateSource {
  return {
    async candidates(_db, nodeCode, now, limit): Promise<AgendaCandidate[]> {
      const result = await findHotSpots(db, [{ kind: 'grid', code: nodeCode }], undefined, now);
      return result.items.slice(0, limit).flatMap((h) => {
        const newest = h.cases[0];
        if (!newest) return [];
        const place = h.communityName ?? h.streetName ?? h.gridCode;
        return [{
          source: 'hotspot' as const, incidentId: newest.id, code: newest.code,
          title: `高发点位：${place} ${h.categoryName ?? h.categoryCode}，${h.count} 件（${h.firstAt.slice(0, 10)} 至 ${h.lastAt.slice(0, 10)}）`,
          gridCode: h.gridCode, reasons: ['hotspot'], due: null,
        }];
      });
    },
  };
}
