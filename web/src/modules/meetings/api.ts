import { api } from '../../shell/api.js';
import type { Status as NeedStatus } from '../livelihood/api.js';

export type MeetingLevel = 'community' | 'street' | 'district';
export type AgendaSource = 'escalated' | 'overdue' | 'returned' | 'hotspot' | 'free' | 'risen';

export interface Meeting {
  id: number;
  level: MeetingLevel;
  grid: { code: string; name: string };
  title: string;
  heldAt: string;
  location: string | null;
  attendees: { name: string; unit?: string }[];
  minutes: string | null;
  status: 'planned' | 'closed';
  version: number;
  itemCount: number;
  createdAt: string;
  closedAt: string | null;
}

export interface Decision {
  id: number;
  itemId: number;
  kind: 'task' | 'incident' | 'need';
  content: string;
  owner: string;
  deadline: string;
  status: 'open' | 'done';
  overdue: boolean;
  doneAt: string | null;
  incident: { id: number; code: string; status: string } | null;
  /** The 民生实事 need a need decision made; a rejected one carries its reason. */
  need: { id: number; title: string; gridCode: string; status: NeedStatus; reason: string | null } | null;
  risenItemId: number | null;
}

export interface MeetingItem {
  id: number;
  source: AgendaSource;
  title: string;
  note: string | null;
  outcome: 'open' | 'decided' | 'unresolved';
  incident: { id: number; code: string; status: string } | null;
  risenFrom: { itemId: number; meetingId: number | null; level: MeetingLevel; gridCode: string; reason: string | null } | null;
  decisions: Decision[];
}

export interface MeetingDetail extends Meeting {
  items: MeetingItem[];
}

export interface Candidate {
  source: AgendaSource;
  incidentId: number | null;
  code: string | null;
  title: string;
  gridCode: string;
  reasons: string[];
  due: string | null;
}

export type DecisionBody =
  | { kind: 'task'; content: string; owner: string; deadline: string }
  | { kind: 'incident'; content: string; deadline: string; categoryCode: string; departmentCode: string; gridCode?: string }
  | { kind: 'need'; content: string; deadline: string; gridCode?: string; title?: string };

export const meetingApi = {
  list: () => api.get<{ items: Meeting[] }>('/api/meetings'),
  get: (id: number) => api.get<MeetingDetail>(`/api/meetings/${id}`),
  create: (body: { gridCode: string; title: string; heldAt: string; location?: string; attendees: { name: string; unit?: string }[] }) => api.post<MeetingDetail>('/api/meetings', body),
  update: (id: number, body: Record<string, unknown>) => api.patch<MeetingDetail>(`/api/meetings/${id}`, body),
  candidates: (id: number) => api.get<{ items: Candidate[] }>(`/api/meetings/${id}/candidates`),
  addItem: (id: number, body: { source: Exclude<AgendaSource, 'risen'>; incidentId?: number; title?: string; note?: string }) => api.post<MeetingDetail>(`/api/meetings/${id}/items`, body),
  decide: (id: number, itemId: number, body: DecisionBody) => api.post<MeetingDetail>(`/api/meetings/${id}/items/${itemId}/decisions`, body),
  close: (id: number, body: { version: number; minutes?: string; unresolvedItemIds?: number[] }) => api.post<MeetingDetail>(`/api/meetings/${id}/close`, body),
  done: (decisionId: number) => api.post<Decision>(`/api/meetings/decisions/${decisionId}/done`),
};
