import type { Generated } from 'kysely';

/** One API client's order for incident events at a URL (docs/webhooks.md). */
export interface WebhookSubscriptionTable {
  id: Generated<number>;
  client_id: number;
  url: string;
  /** JSON array of timeline actions (report, register, dispatch, reply, close, …). */
  event_types: string;
  /** JSON array of intake channels; empty: every channel. */
  channels: string;
  /** The signing secret, encrypted with the field cipher; shown once in clear. */
  secret: string;
  /** The secret before the last rotation, still signed with until previous_until (encrypted). */
  previous_secret: string | null;
  previous_until: number | null;
  status: 'active' | 'failing' | 'paused';
  /** Failed attempts in a row of the event at the head of the subscription. */
  failures: number;
  next_attempt_at: number;
  last_error: string | null;
  last_success_at: number | null;
  created_at: number;
  updated_at: number;
}

/**
 * Where a subscription stands in the timeline: the high-water mark and the
 * ids below it not seen yet (as ADR 0008's cursor), moved only after the
 * receiver answered 2xx. `generation` changes when a replay sets it back, so
 * a delivery in flight across the change cannot write its older position.
 */
export interface WebhookCursorTable {
  subscription_id: number;
  high: number;
  gaps: string;
  generation: number;
  updated_at: number;
}

/** One request to a receiver (a batch of events, in order), or a manual re-send. */
export interface WebhookDeliveryTable {
  id: Generated<number>;
  subscription_id: number;
  kind: 'live' | 'replay';
  /** JSON array of the event ids the request carried. */
  event_ids: string;
  first_event_id: number;
  attempt: number;
  status: 'delivered' | 'failed';
  response_status: number | null;
  latency_ms: number;
  error: string | null;
  at: number;
}

export interface WebhookTables {
  webhook_subscriptions: WebhookSubscriptionTable;
  webhook_cursors: WebhookCursorTable;
  webhook_deliveries: WebhookDeliveryTable;
}
