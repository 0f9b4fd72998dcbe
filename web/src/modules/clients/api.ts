import { api, apiRequest } from '../../shell/api.js';

export const CLIENT_SCOPES = ['share.residents.verify', 'hotline.push', 'open311.post', 'webhooks', 'cascade'] as const;
export type ClientScope = (typeof CLIENT_SCOPES)[number];
export const SHARE_FIELDS = ['found', 'community'] as const;
export type ShareField = (typeof SHARE_FIELDS)[number];

export interface ApiClient {
  id: number;
  name: string;
  keyPrefix: string;
  scopes: ClientScope[];
  scopeCode: string;
  fields: ShareField[];
  ratePerMinute: number;
  status: 'active' | 'revoked';
  createdAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
}

export interface ClientInput {
  name: string;
  scopes: ClientScope[];
  scopeCode: string;
  fields: ShareField[];
  ratePerMinute: number;
}

export interface ShareJob {
  id: number;
  clientId: number;
  fileName: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  totalRows: number;
  expectedRows: number | null;
  found: number;
  notFound: number;
  invalid: number;
  errorCode: string | null;
  uploadedByConsole: boolean;
  createdAt: number;
  finishedAt: number | null;
}

type Words = { 'zh-CN': string; en: string };
export interface SharedDataset {
  key: string;
  name: Words;
  description: Words;
  access: { kind: 'api_key'; scope: string } | { kind: 'session'; permission: string };
  interfaces: { method: string; path: string; note: Words }[];
  fields: { name: string; label: Words; masking: Words | null }[];
  formats: string[];
  clients: { id: number; name: string; scopeCode: string; fields: string[] }[];
}

export interface HotlineOrder {
  id: number;
  clientName: string;
  externalNo: string;
  deadline: string | null;
  callerName: string | null;
  callerPhone: string | null;
  caseCode: string | null;
  receivedAt: string;
}

export const clientApi = {
  list: () => api.get<{ items: ApiClient[] }>('/api/clients'),
  create: (body: ClientInput) => api.post<{ id: number; apiKey: string }>('/api/clients', body),
  update: (id: number, body: ClientInput) => api.put<ApiClient>(`/api/clients/${id}`, body),
  rotate: (id: number) => api.post<{ id: number; apiKey: string }>(`/api/clients/${id}/rotate`),
  revoke: (id: number) => api.post<ApiClient>(`/api/clients/${id}/revoke`),
  usage: (id: number, days = 30) => api.get<{ items: { day: string; scope: string; calls: number }[] }>(`/api/clients/${id}/usage`, { days }),
  jobs: (id: number) => api.get<{ items: ShareJob[] }>(`/api/clients/${id}/verify-jobs`),
  uploadJob: (id: number, file: File) => apiRequest<ShareJob>('POST', `/api/clients/${id}/verify-jobs?fileName=${encodeURIComponent(file.name)}`, undefined, {
    raw: file, headers: { 'Content-Type': file.name.toLowerCase().endsWith('.xlsx') ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv' },
  }),
  /** A plain link: the session cookie goes with it. */
  jobResultUrl: (jobId: number) => `/api/verify-jobs/${jobId}/result.csv`,
  catalogue: () => api.get<{ items: SharedDataset[] }>('/api/share/catalogue'),
  hotlineOrder: (incidentId: number) => api.get<{ order: HotlineOrder | null }>(`/api/incidents/${incidentId}/hotline-order`),
};

export interface AwaitingOrder extends HotlineOrder {
  content: string;
  address: string | null;
  categoryHint: string | null;
}

export const hotlineApi = {
  awaiting: () => api.get<{ items: AwaitingOrder[] }>('/api/hotline/awaiting-location'),
  locate: (id: number, gridCode: string) => api.post<{ incident: { id: number; code: string } }>(`/api/hotline/awaiting-location/${id}/locate`, { gridCode }),
};
