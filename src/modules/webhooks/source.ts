/**
 * The events webhooks carry: the live feed's reading of the timeline
 * (incidentEventSource, ADR 0011), with the case's intake channel, which a
 * subscription may filter on. No actor, no note, no personal data.
 */
import type { AppDb } from '../../database.js';
import type { FeedSource } from '../../infra/feed/consumer.js';
import { incidentEventSource, type LiveIncidentEvent } from '../command/live.js';

/** The live feed's event: it carries the case's channel and external reference, which a subscription may filter on. */
export type WebhookEvent = LiveIncidentEvent;

export type WebhookEventSource = FeedSource<WebhookEvent> & { lastId(): Promise<number> };

export function webhookEventSource(db: AppDb): WebhookEventSource {
  return incidentEventSource(db);
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
