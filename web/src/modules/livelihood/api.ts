import { api } from '../../shell/api.js';

export type Status = 'collected' | 'accepted' | 'rejected' | 'approved' | 'in_progress' | 'done';
export type Source = 'resident' | 'visit' | 'meeting';
export type Satisfaction = 'satisfied' | 'basic' | 'unsatisfied';
export const STATUSES: Status[] = ['collected', 'accepted', 'rejected', 'approved', 'in_progress', 'done'];

export interface Need {
  id: number; gridCode: string; gridName: string | null; title: string; description: string; source: Source; sourceRef: string | null;
  residentId: number | null; cadreVisitId: number | null;
  /** The joint meeting decision that made the need, and its meeting. */
  meetingDecisionId: number | null; meeting: { id: number; title: string } | null; status: Status; reason: string | null; owner: string | null; ownerDepartmentCode: string | null;
  budget: number | null; deadline: string | null; progress: number; collectedAt: string; assessedAt: string | null; approvedAt: string | null; doneAt: string | null; version: number;
}
export interface NeedDetail extends Need {
  updates: { id: number; percent: number; note: string; photos: string[]; at: string; by: string | null }[];
  feedback: { id: number; residentName: string; satisfaction: Satisfaction; comment: string; at: string }[];
}
export interface Figures {
  from: string; to: string; total: { collected: number; done: number };
  byArea: { code: string; name: string; collected: number; done: number }[];
  byMonth: { month: string; collected: number; done: number }[];
}

export const livelihoodApi = {
  list: (q: { status?: Status | undefined; page: number; pageSize: number }) => api.get<{ total: number; items: Need[] }>('/api/livelihood/needs', q),
  get: (id: number) => api.get<NeedDetail>(`/api/livelihood/needs/${id}`),
  collect: (body: { gridCode: string; title: string; description: string; source: Source; sourceRef?: string | null; cadreVisitId?: number | null }) => api.post<{ id: number }>('/api/livelihood/needs', body),
  assess: (id: number, body: { version: number; decision: 'accept' | 'reject'; reason: string }) => api.post<null>(`/api/livelihood/needs/${id}/assess`, body),
  approve: (id: number, body: { version: number; owner: string; budget: number; deadline: string }) => api.post<null>(`/api/livelihood/needs/${id}/approve`, body),
  progress: (id: number, body: { version: number; percent: number; note: string; photos: string[] }) => api.post<null>(`/api/livelihood/needs/${id}/progress`, body),
  complete: (id: number, body: { version: number; note: string; photos: string[] }) => api.post<null>(`/api/livelihood/needs/${id}/complete`, body),
  feedback: (id: number, body: { residentName: string; satisfaction: Satisfaction; comment: string }) => api.post<{ id: number }>(`/api/livelihood/needs/${id}/feedback`, body),
  figures: (q: { from: string; to: string; by: 'street' | 'community' }) => api.get<Figures>('/api/livelihood/figures', q),
  photoUrl: (id: number, hash: string, thumbnail = false) => `/api/livelihood/needs/${id}/photos/${hash}${thumbnail ? '?thumbnail=1' : ''}`,
};
