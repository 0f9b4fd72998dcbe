import { api, apiRequest } from '../../shell/api.js';

export type OrderState = 'unassigned' | 'assigned' | 'helped' | 'answered';
export type Verdict = 'satisfied' | 'unsatisfied';

export interface HotlineOrder {
  id: number;
  orderNo: string;
  receivedAt: string;
  callerName: string | null;
  callerPhone: string | null;
  address: string;
  position: { lng: number; lat: number } | null;
  content: string;
  originalVerdict: string;
  state: OrderState;
  grid: { code: string; name: string; communityName: string; streetName: string } | null;
  worker: { userId: number; displayName: string } | null;
  assignedAt: string | null;
  helpedAt: string | null;
  helpNote: string | null;
  helpPhotos: string[];
  answeredAt: string | null;
  answerNote: string | null;
  verdict: Verdict | null;
  version: number;
}

export interface FiguresRow {
  code: string | null;
  name: string | null;
  orders: number;
  helped: number;
  answered: number;
  satisfiedAgain: number;
  ratePercent: number | null;
}

export interface ImportAnswer {
  created: number;
  updated: number;
  assigned: number;
  unassigned: number;
  problems: { row: number; orderNo: string | null; field: string; code: string; message: string }[];
}

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const hotlineApi = {
  list: (q: { state?: OrderState; from?: string; to?: string; street?: string; page?: number; pageSize?: number }) =>
    api.get<{ items: HotlineOrder[]; total: number }>('/api/hotline/revisits', q),
  mine: () => api.get<{ items: HotlineOrder[]; total: number }>('/api/hotline/revisits/mine'),
  get: (id: number) => api.get<HotlineOrder>(`/api/hotline/revisits/${id}`),
  figures: (q: { from?: string; to?: string }) => api.get<{ streets: FiguresRow[]; unlocated: FiguresRow | null; total: FiguresRow }>('/api/hotline/revisits/figures', q),
  importXlsx: (file: Blob, partial: boolean) =>
    apiRequest<ImportAnswer>('POST', `/api/hotline/revisits/import${partial ? '?partial=true' : ''}`, undefined, { raw: file, headers: { 'Content-Type': XLSX_MIME } }),
  assign: (id: number, body: { gridCode: string; version: number }) => api.post<HotlineOrder>(`/api/hotline/revisits/${id}/assign`, body),
  help: (id: number, body: { note: string; photos?: string[]; version: number }) => api.post<HotlineOrder>(`/api/hotline/revisits/${id}/help`, body),
  answer: (id: number, body: { note: string; verdict: Verdict; version: number }) => api.post<HotlineOrder>(`/api/hotline/revisits/${id}/answer`, body),
};
