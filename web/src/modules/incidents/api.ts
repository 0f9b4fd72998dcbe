import { api, apiRequest, withQuery, type Page as ShellPage } from '../../shell/api.js';

export const STATUSES = ['reported', 'registered', 'dispatched', 'handling', 'replied', 'verifying', 'verified', 'closed', 'rejected', 'deferred', 'merged'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export const CHANNELS = ['grid_worker', 'citizen', 'hotline_12345', 'operator_phone', 'operator_walk_in', 'api', 'exchange_import', 'cascade_district', 'cascade_city'] as const;
export type Channel = (typeof CHANNELS)[number];
export type Warning = 'none' | 'amber' | 'red';
export const QUEUES = ['to-register', 'to-dispatch', 'my-department', 'to-verify', 'to-close', 'to-approve', 'overdue', 'urged'] as const;
export type QueueName = (typeof QUEUES)[number];

export const ACTION_TYPES = [
  'accept', 'register', 'reject', 'dispatch', 'return', 'start-handling', 'reply', 'start-verify', 'verify-pass', 'verify-fail',
  'close', 'request-extension', 'approve-extension', 'refuse-extension', 'request-defer', 'approve-defer', 'refuse-defer',
  'urge', 'self-resolve', 'escalate', 'respond', 'merge', 'assign',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export interface Incident {
  id: number;
  code: string;
  status: IncidentStatus;
  version: number;
  gridCode: string;
  communityCode: string;
  streetCode: string;
  gridName: string | null;
  communityName: string | null;
  streetName: string | null;
  lng: number | null;
  lat: number | null;
  address: string | null;
  description: string;
  channel: Channel;
  reporterUserId: number | null;
  reporterName: string | null;
  reporterPhoneMasked: string | null;
  externalRef: string | null;
  categoryCode: string | null;
  leadDepartmentCode: string | null;
  coHandlerDepartmentCodes: string[];
  reportedAt: string;
  deadlines: { registerBy: string | null; dispatchBy: string | null; handleBy: string | null; verifyBy: string | null };
  dueAt: string | null;
  overdue: boolean;
  warning: Warning;
  pendingRequest: string | null;
  urgeCount: number;
  lastUrgedAt: string | null;
  reworkCount: number;
  returnCount: number;
  extensionCount: number;
  mergedInto: number | null;
  closedAt: string | null;
  photos: string[];
  updatedAt: string;
  /** Who each department's part is assigned to, by name (lists and queues). */
  assignees?: { departmentCode: string; role: 'lead' | 'co'; userName: string | null }[];
}

/** One department's part of a case (联动处置). */
export interface DepartmentTask {
  departmentCode: string;
  role: 'lead' | 'co';
  handleBy: string | null;
  status: 'open' | 'replied';
  overdue: boolean;
  result: string | null;
  photos: string[];
  repliedAt: string | null;
  repliedByName: string | null;
  assigneeName: string | null;
  assignedToMe: boolean;
  assignedAt: string | null;
}

export interface TimelineEvent {
  seq: number;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  actorUserId: number | null;
  actorRole: string | null;
  actorName?: string | null;
  note: string | null;
  attachments: string[];
  data: Record<string, unknown>;
  at: string;
}

export interface TimeLimit {
  amount: number;
  unit: 'hours' | 'days';
}

export interface IncidentDetail {
  incident: Incident;
  reporterUserName: string | null;
  mergedIntoCode: string | null;
  timeline: TimelineEvent[];
  links: { kind: string; incidentId: number; linkedIncidentId: number; data: Record<string, unknown>; at: string }[];
  urges: { at: string; actorName: string | null; note: string | null }[];
  allowedActions: ActionType[];
  suggestedDispatch: { leadDepartmentCode: string | null; coHandlerDepartmentCodes: string[] } | null;
  extensionPending: { requestedBy: string; requestedAt: string; extension: TimeLimit; reason: string } | null;
  deferPending: { requestedBy: string; requestedAt: string; reason: string } | null;
  escalation: { departmentCode: string; calledAt: string; respondBy: string; respondedAt: string | null }[];
  tasks: DepartmentTask[];
}

export interface Page<T> extends ShellPage<T> {
  totalCapped: boolean;
  page: number;
  pageSize: number;
}

export interface Category {
  code: string;
  majorCode: string;
  nameZh: string;
  nameEn: string;
  type: 'component' | 'event';
  caseType: 'immediate' | 'committed' | 'coordinated';
  departmentCodes: string[];
  status: 'active' | 'retired';
}

export interface Major {
  code: string;
  nameZh: string;
  nameEn: string;
  sort: number;
  status: 'active' | 'retired';
}

export interface Department {
  code: string;
  name: string;
  nameEn: string;
  status: 'active' | 'retired';
  /** A street's own handling unit: its street; null for a district department. */
  streetCode?: string | null;
}

export interface Uploaded {
  hash: string;
  size: number;
  mime: string;
  width: number | null;
  height: number | null;
  url: string;
  thumbnailUrl: string;
  deduplicated: boolean;
}

export interface Duplicate {
  id: number;
  code: string;
  status: string;
  categoryCode: string | null;
  distanceM: number;
  description: string;
  reportedAt: string;
}

export interface ListFilters {
  status?: string;
  category?: string;
  grid?: string;
  department?: string;
  /** The lead department alone (a drill-down from a department ranking). */
  leadDepartment?: string;
  channel?: string;
  from?: string;
  to?: string;
  overdue?: boolean;
  urged?: boolean;
  /** Reworked (返工) or returned (退回) at least once: drill-downs from the statistics. */
  reworked?: boolean;
  returned?: boolean;
  warning?: Warning;
  q?: string;
}

export interface MapPoint {
  id: number;
  code: string;
  status: IncidentStatus;
  warning: Warning;
  overdue: boolean;
  categoryCode: string | null;
  lng: number;
  lat: number;
}

export interface CreateBody {
  channel: Channel;
  description: string;
  position?: { lng: number; lat: number; crs: 'wgs84' | 'gcj02' | 'bd09' };
  address?: string;
  gridCode?: string;
  categoryCode?: string;
  photos?: string[];
  reporter?: { name?: string; phone?: string };
}

export interface QueueCount {
  queue: QueueName;
  total: number;
  totalCapped: boolean;
  urged: number;
  urgedCapped: boolean;
}

export const thumbnailUrl = (hash: string) => `/api/files/${hash}/thumbnail`;
export const fileUrl = (hash: string) => `/api/files/${hash}`;

export const incidentApi = {
  list: (filters: ListFilters, page: number, pageSize: number, sort?: string) =>
    api.get<Page<Incident>>('/api/incidents', { ...filters, page, pageSize, sort }),
  queue: (queue: QueueName, page = 1, pageSize = 20) => api.get<Page<Incident>>(`/api/incidents/queues/${queue}`, { page, pageSize }),
  duplicates: (id: number) => api.get<{ items: Duplicate[] }>(`/api/incidents/${id}/duplicates`),
  assignees: (id: number) =>
    api.get<{ items: { departmentCode: string; handlers: { userId: number; name: string }[] }[] }>(`/api/incidents/${id}/assignees`),
  queueSummary: () => api.get<{ items: QueueCount[] }>('/api/incidents/queues'),
  detail: (id: number) => api.get<IncidentDetail>(`/api/incidents/${id}`),
  act: (id: number, body: Record<string, unknown>) =>
    api.post<{ incident: Incident; allowedActions: ActionType[]; possibleDuplicates?: Duplicate[] }>(`/api/incidents/${id}/actions`, body),
  create: (body: CreateBody, idempotencyKey: string) =>
    apiRequest<{ incident: Incident; possibleDuplicates: Duplicate[] }>('POST', '/api/incidents', body, { headers: { 'Idempotency-Key': idempotencyKey } }),
  map: (filters: ListFilters, limit = 5000) => api.get<{ items: MapPoint[]; truncated: boolean }>('/api/incidents/map', { ...filters, limit }),
  categories: () => api.get<{ majors: Major[]; categories: Category[] }>('/api/incident-categories'),
  departments: () => api.get<{ items: Department[] }>('/api/departments'),
  exportUrl: (filters: ListFilters, format: 'csv' | 'xlsx') => withQuery('/api/incidents/export', { ...filters, format }),
  upload: (file: Blob) =>
    apiRequest<Uploaded>('POST', '/api/files', undefined, { raw: file, headers: { 'Content-Type': file.type || 'application/octet-stream' } }),
};
