import { api } from '../../shell/api.js';

export interface AuditRecord {
  seq: number;
  at: string;
  userId: number | null;
  username: string | null;
  userDisplayName: string | null;
  ip: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  objectName: string | null;
  objectNameEn: string | null;
  result: 'success' | 'failure';
  details: Record<string, unknown>;
}

export interface AuditQuery {
  from?: string;
  to?: string;
  user?: string;
  action?: string;
  objectType?: string;
  objectId?: string;
  result?: 'success' | 'failure';
  page: number;
  pageSize: number;
}

export const auditApi = {
  search: (q: AuditQuery) => api.get<{ items: AuditRecord[]; total: number }>('/api/audit', { ...q }),
};
