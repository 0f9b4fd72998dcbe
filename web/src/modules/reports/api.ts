import { api } from '../../shell/api.js';

export type ReportKind = 'weekly' | 'monthly' | 'quarterly';
export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Report {
  id: number;
  kind: ReportKind;
  period: { key: string; from: string; to: string };
  scope: { code: string; name: string };
  title: string;
  trigger: 'schedule' | 'demand';
  status: ReportStatus;
  progress: number;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  xlsxSize: number | null;
  pdfSize: number | null;
}

export const reportApi = {
  list: (limit = 50) => api.get<{ items: Report[] }>('/api/reports', { limit }),
  get: (id: number) => api.get<Report>(`/api/reports/${id}`),
  generate: (body: { kind: ReportKind; period: string; scope: string }) => api.post<Report>('/api/reports', body),
  /** The download link (a plain link: the session cookie goes with it). */
  fileUrl: (id: number, format: 'xlsx' | 'pdf') => `/api/reports/${id}/${format}`,
};
