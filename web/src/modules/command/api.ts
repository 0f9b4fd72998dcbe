import { api } from '../../shell/api.js';
import type { ScreenFigures } from '../../../../src/modules/command/rules/screen.js';

export type { LiveEvent, ScreenFigures, ScreenState, TickerItem } from '../../../../src/modules/command/rules/screen.js';
export { applyLiveEvent, SCREEN_OPEN_STATUSES } from '../../../../src/modules/command/rules/screen.js';

/** GET /api/command/overview (docs/command-screen.md). */
export interface Overview extends ScreenFigures {
  ranking: { from: string; to: string; items: { code: string; name: string | null; value: number | null; rank: number | null; previousRank: number | null }[] } | null;
  workers: { name: string; gridName: string | null; lng: number; lat: number; at: string }[] | null;
}

export const commandApi = {
  overview: () => api.get<Overview>('/api/command/overview'),
};

export const LIVE_PATH = '/api/live/incidents';

export type NotificationKind = 'dispatched' | 'escalated' | 'urged' | 'assigned' | 'returned' | 'rework' | 'overdue' | 'field_task';

export interface NotificationItem {
  id: number;
  kind: NotificationKind;
  incidentId: number;
  incidentCode: string;
  createdAt: string;
  readAt: string | null;
}

export interface HotSpot {
  key: string;
  categoryCode: string;
  categoryName: string | null;
  categoryNameEn: string | null;
  lng: number;
  lat: number;
  gridCode: string;
  communityName: string | null;
  streetName: string | null;
  count: number;
  openCount: number;
  firstAt: string;
  lastAt: string;
  cases: { id: number; code: string; status: string; reportedAt: string; address: string | null }[];
}

export interface HotSpots {
  params: { minCases: number; radiusM: number; days: number };
  from: string;
  to: string;
  truncated: boolean;
  items: HotSpot[];
}

export interface FieldTask {
  id: number;
  incidentId: number;
  incidentCode: string;
  incidentStatus: string;
  address: string | null;
  userId: number;
  userName: string | null;
  kind: 'verify' | 'inspect';
  status: 'open' | 'done' | 'cancelled';
  distanceM: number | null;
  note: string | null;
  createdAt: string;
}

export interface NearestWorkers {
  incident: { id: number; code: string; status: string; lng: number; lat: number };
  workers: { userId: number; name: string; gridName: string | null; lng: number; lat: number; at: string; distanceM: number; onDuty: boolean; canVerify: boolean }[];
  openTasks: FieldTask[];
}

export const portalApi = {
  notifications: (limit = 10) => api.get<{ unread: number; items: NotificationItem[] }>(`/api/notifications?limit=${limit}`),
  markRead: (id: number) => api.post<{ unread: number }>(`/api/notifications/${id}/read`),
  markAllRead: () => api.post<{ updated: number; unread: number }>('/api/notifications/read-all', {}),
  /** The server's default N, R and D when none are given. */
  hotSpots: (p?: { minCases: number; radiusM: number; days: number }) => api.get<HotSpots>('/api/command/hotspots', p ?? {}),
  nearest: (incidentId: number) => api.get<NearestWorkers>(`/api/command/cases/${incidentId}/nearest-workers?limit=8`),
  send: (incidentId: number, body: { userId: number; kind: 'verify' | 'inspect' }) => api.post<FieldTask>(`/api/command/cases/${incidentId}/field-tasks`, body),
  myFieldTasks: () => api.get<{ items: FieldTask[] }>('/api/command/field-tasks/mine'),
};
