/**
 * The events webhooks carry: the live feed's reading of the timeline
 * (incidentEventSource, ADR 0011) plus the case's intake channel, which a
 * subscription may filter on. No actor, no note, no personal data.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { AppDb } from '../../database.js';
import type { FeedSource } from '../../infra/feed/consumer.js';
import { incidentEventSource, type LiveIncidentEvent } from '../command/live.js';

export interface WebhookEvent extends LiveIncidentEvent {
  channel: string;
  /** The sending system's own number for the case (a 12345 order number), so it can match status changes to its orders. */
  externalRef: string | null;
}

export type WebhookEventSource = FeedSource<WebhookEvent> & { lastId(): Promise<number> };

export function webhookEventSource(db: AppDb): WebhookEventSource {
  const live = incidentEventSource(db);
  const k = db.primary as unknown as Kysely<unknown>;
  const withChannels = async (rows: LiveIncidentEvent[]): Promise<WebhookEvent[]> => {
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map((r) => r.incidentId))];
    const found = await k.executeQuery<{ id: number | string; channel: string; external_ref: string | null }>(
      CompiledQuery.raw(`select id, channel, external_ref from incidents where id in (${ids.map(() => '?').join(', ')})`, ids),
    );
    const byId = new Map(found.rows.map((r) => [Number(r.id), r]));
    return rows.map((r) => ({ ...r, channel: byId.get(r.incidentId)?.channel ?? '', externalRef: byId.get(r.incidentId)?.external_ref ?? null }));
  };
  return {
    after: async (afterId, limit) => withChannels(await live.after(afterId, limit)),
    byIds: async (ids) => withChannels(await live.byIds(ids)),
    lastId: () => live.lastId(),
  };
}

/** One event in a delivery's body (docs/webhooks.md). */
export function eventPayload(e: WebhookEvent): Record<string, unknown> {
  return {
    id: e.id,
    type: `incident.${e.action}`,
    occurredAt: new Date(e.at).toISOString(),
    incident: {
      id: e.incidentId, code: e.code, externalRef: e.externalRef, fromStatus: e.fromStatus, status: e.toStatus, channel: e.channel, gridCode: e.gridCode,
      categoryCode: e.categoryCode, leadDepartmentCode: e.leadDepartmentCode, warning: e.warning, lng: e.lng, lat: e.lat,
    },
  };
}
