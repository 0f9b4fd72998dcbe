import { api } from '../../shell/api.js';

export type UnitKind = 'department' | 'street';
export type VisitStatus = 'planned' | 'done' | 'cancelled';

export interface Cadre {
  id: number; name: string; userId: number | null; unitKind: UnitKind; unitCode: string; unitName: string | null; title: string; status: 'active' | 'retired';
  version: number; retiredOn: string | null; retireReason: string | null;
  links: { id: number; gridCode: string; gridName: string | null; fromDate: string }[];
}
export interface Visit {
  id: number; cadreId: number; cadreName: string; gridCode: string; gridName: string | null; plannedOn: string; status: VisitStatus; visitedAt: string | null; record: string | null;
  findings: { id: number; description: string; incidentId: number | null; incidentCode: string | null }[];
}
export interface NotVisited {
  month: string; links: number;
  items: { linkId: number; cadreId: number; cadreName: string; title: string; unitKind: UnitKind; unitCode: string; gridCode: string; gridName: string | null; plannedOn: string | null }[];
}
export interface Figures {
  month: string; totalDone: number;
  items: { cadreId: number; name: string; unitKind: UnitKind; unitName: string | null; links: number; done: number; planned: number; findings: number; incidents: number }[];
}

export const cadreApi = {
  list: () => api.get<{ items: Cadre[] }>('/api/cadres'),
  create: (body: { name: string; unitKind: UnitKind; unitCode: string; title: string }) => api.post<{ id: number }>('/api/cadres', body),
  update: (id: number, body: { version: number; name: string; unitKind: UnitKind; unitCode: string; title: string; userId: number | null }) => api.put<null>(`/api/cadres/${id}`, body),
  relink: (id: number, body: { version: number; gridCodes: string[] }) => api.put<null>(`/api/cadres/${id}/links`, body),
  deactivate: (id: number, body: { version: number; retiredOn: string; reason: string }) => api.post<{ cancelledVisits: number }>(`/api/cadres/${id}/deactivate`, body),
  link: (id: number, gridCode: string) => api.post<null>(`/api/cadres/${id}/links`, { gridCode }),
  schedule: (id: number, body: { gridCode: string; plannedOn: string }) => api.post<{ id: number }>(`/api/cadres/${id}/visits`, body),
  visits: (month: string) => api.get<{ items: Visit[] }>('/api/cadre-visits', { month, limit: 500 }),
  record: (id: number, body: { record: string; findings: string[] }) => api.post<Visit>(`/api/cadre-visits/${id}/record`, body),
  toIncident: (visitId: number, findingId: number, gridCode?: string) =>
    api.post<{ incidentId: number; code: string }>(`/api/cadre-visits/${visitId}/findings/${findingId}/incident`, gridCode ? { gridCode } : {}),
  notVisited: (month: string) => api.get<NotVisited>('/api/cadres/not-visited', { month }),
  figures: (month: string) => api.get<Figures>('/api/cadres/figures', { month }),
};
