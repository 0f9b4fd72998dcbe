import { api } from '../../shell/api.js';

export type SubscriptionStatus = 'active' | 'failing' | 'paused';

export interface Subscription {
  id: number;
  clientId: number;
  clientName: string;
  url: string;
  eventTypes: string[];
  channels: string[];
  status: SubscriptionStatus;
  failures: number;
  nextAttemptAt: number | null;
  lastError: string | null;
  lastSuccessAt: number | null;
  position: number;
  createdAt: number;
}

export interface Delivery {
  id: number;
  kind: 'live' | 'replay';
  eventIds: number[];
  attempt: number;
  status: 'delivered' | 'failed';
  responseStatus: number | null;
  latencyMs: number;
  error: string | null;
  at: number;
}

export interface ClientSummary {
  id: number;
  name: string;
  scopes: string[];
  status: 'active' | 'revoked';
}

export interface SubscriptionInput {
  url: string;
  eventTypes: string[];
  channels: string[];
}

const base = (s: { clientId: number; id: number }) => `/api/clients/${s.clientId}/webhooks/${s.id}`;

export const webhookApi = {
  list: () => api.get<{ items: Subscription[] }>('/api/webhooks'),
  clients: () => api.get<{ items: ClientSummary[] }>('/api/clients'),
  create: (clientId: number, body: SubscriptionInput) => api.post<{ subscription: Subscription; secret: string }>(`/api/clients/${clientId}/webhooks`, body),
  remove: (s: Subscription) => api.delete<null>(base(s)),
  pause: (s: Subscription) => api.post<Subscription>(`${base(s)}/pause`),
  resume: (s: Subscription) => api.post<Subscription>(`${base(s)}/resume`),
  rotate: (s: Subscription) => api.post<{ id: number; secret: string }>(`${base(s)}/rotate-secret`),
  deliveries: (s: Subscription) => api.get<{ items: Delivery[] }>(`${base(s)}/deliveries`, { limit: 100 }),
  resend: (s: Subscription, eventId: number) => api.post<{ subscription: Subscription; delivery: Delivery | null }>(`${base(s)}/replay`, { eventId }),
  replayFrom: (s: Subscription, fromEventId: number) => api.post<{ subscription: Subscription; delivery: Delivery | null }>(`${base(s)}/replay`, { fromEventId }),
};
