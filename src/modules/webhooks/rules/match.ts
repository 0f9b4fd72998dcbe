import type { Scope } from '../../../infra/auth/scope.js';
import { ACTION_TYPES } from '../../incidents/rules/state-machine.js';

/** What a subscription can ask for: the timeline's action names (creation is 'report', the warning sweep 'warn'). */
export const WEBHOOK_EVENT_TYPES = ['report', ...ACTION_TYPES, 'warn'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export interface EventFacts {
  action: string;
  channel: string;
  gridCode: string;
  departmentCodes: string[];
}

export interface SubscriptionFilter {
  eventTypes: readonly string[];
  /** Empty: every channel. */
  channels: readonly string[];
  /** The API client's grid scope. */
  scopes: readonly Scope[];
}

/** Whether a subscription receives an event: its type, its channel, and the client's grid scope (as canSeeLiveEvent; the client has no department scope). */
export function subscriptionWants(f: SubscriptionFilter, e: EventFacts, canSee: (scopes: readonly Scope[], e: EventFacts) => boolean): boolean {
  if (!f.eventTypes.includes(e.action)) return false;
  if (f.channels.length > 0 && !f.channels.includes(e.channel)) return false;
  return canSee(f.scopes, e);
}

/** A receiver URL the platform may call: https, or http when the setting allows it; no credentials in it. */
export function urlProblem(text: string, allowHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not a URL';
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) return allowHttp ? 'must be http:// or https://' : 'must be https://';
  if (url.username || url.password) return 'must not carry credentials';
  return null;
}
