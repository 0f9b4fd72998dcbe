import { api, ApiError, withQuery } from '../../shell/api.js';

export interface Resident {
  id: number;
  gridCode: string;
  name: string;
  /** Masked by the server. */
  idNumber: string;
  phone: string | null;
  birthDate: string;
  sex: 'male' | 'female';
  population: 'registered' | 'floating';
  ethnicity: string | null;
  education: string | null;
  workplace: string | null;
  householdId: number | null;
  relation: string | null;
  tags: string[];
  version: number;
  updatedAt: string | null;
}

export interface ResidentQuery {
  q?: string;
  idNumber?: string;
  phone?: string;
  address?: string;
  tag?: string;
  gridCode?: string;
  buildingId?: number;
  page: number;
  pageSize: number;
}

export interface DwellingLink {
  id: number;
  dwellingId: number;
  buildingId: number;
  address: string;
  relation: 'owner' | 'tenant' | 'occupant';
  fromDate: string;
  toDate: string | null;
}

export interface ResidentDetail {
  resident: Resident;
  dwellings: DwellingLink[];
  keyPerson?: { category: string; level: string; notes: string } | null;
}

export interface Visit {
  id: number;
  householdId: number;
  visitedAt: string;
  summary: string;
  finding: string | null;
  followUp: string | null;
  incidentId: number | null;
  pendingIncident: boolean;
}

export interface BuildingView {
  building: { id: number; gridCode: string; name: string; address: string; floors: number | null };
  entrances: { id: number; name: string }[];
  dwellings: { id: number; entranceId: number | null; roomNo: string; address: string; area: number | null; use: string; ownership: string; occupants: { id: number; name: string; relation: string }[] }[];
}

export interface DwellingView {
  dwelling: { id: number; buildingId: number; gridCode: string; roomNo: string; address: string; area: number | null; use: string; ownership: string };
  households: { id: number; householdNo: string }[];
  current: { id: number; resident: Resident | null; relation: string; fromDate: string; toDate: string | null }[];
  history: { id: number; resident: Resident | null; relation: string; fromDate: string; toDate: string | null }[];
}

export interface HouseholdView {
  household: { id: number; householdNo: string; gridCode: string; dwellingId: number | null; headResidentId: number | null };
  dwelling: { id: number; address: string; buildingId: number } | null;
  members: Resident[];
  visits: Visit[];
}

export interface GridSummary {
  gridCode: string;
  residents: number;
  households: number;
  dwellings: number;
  buildings: number;
  byTag: Record<string, number>;
  byPopulation: Record<string, number>;
}

export interface ImportJob {
  jobId: number;
  status: string;
  fileName: string;
  totalRows: number | null;
  lastRow: number;
  okRows: number;
  errorRows: number;
  error: string | null;
  mapping: Record<string, string>;
}

export interface UploadResult {
  jobId: number;
  format: string;
  headers: string[];
  sample: string[][];
  suggestedMapping: Record<string, string>;
  missing: string[];
}

export const basedataApi = {
  /** POST, so ID numbers and phones stay out of URLs (and access logs). */
  search: (q: ResidentQuery) => api.post<{ items: Resident[]; total: number; totalCapped: boolean }>('/api/residents/search', q),
  resident: (id: number) => api.get<ResidentDetail>(`/api/residents/${id}`),
  unmask: (id: number, reason: string) => api.post<{ idNumber: string; phone: string | null }>(`/api/residents/${id}/unmask`, { reason }),
  tags: () => api.get<{ code: string; name: string; nameEn: string }[]>('/api/basedata/tags'),
  summary: (gridCode: string) => api.get<GridSummary>('/api/basedata/grid-summary', { gridCode }),
  buildings: (q: { gridCode?: string; q?: string; page: number; pageSize: number }) =>
    api.get<{ items: { id: number; gridCode: string; name: string; address: string; floors: number | null }[]; total: number }>('/api/buildings', { ...q }),
  building: (id: number) => api.get<BuildingView>(`/api/buildings/${id}`),
  dwelling: (id: number) => api.get<DwellingView>(`/api/dwellings/${id}`),
  household: (id: number) => api.get<HouseholdView>(`/api/households/${id}`),
  recordVisit: (householdId: number, body: { summary: string; finding?: string; followUp?: string; createIncident: boolean }) =>
    api.post<Visit>(`/api/households/${householdId}/visits`, body),
  importFields: () => api.get<{ key: string; label: string; required: boolean }[]>('/api/residents/import-fields'),
  setMapping: (jobId: number, mapping: Record<string, string>) => api.put<ImportJob>(`/api/residents/imports/${jobId}/mapping`, mapping),
  run: (jobId: number) => api.post<ImportJob>(`/api/residents/imports/${jobId}/run`),
  job: (jobId: number) => api.get<ImportJob>(`/api/residents/imports/${jobId}`),
  exportUrl: (q: { gridCode?: string; tag?: string; format: 'csv' | 'xlsx' }) => withQuery('/api/residents/export', q),
  errorsUrl: (jobId: number) => `/api/residents/imports/${jobId}/errors.csv`,
  /** Uploads the file as the raw request body (the server keeps it for the mapping step). */
  async upload(file: File): Promise<UploadResult> {
    const response = await fetch(withQuery('/api/residents/imports', { fileName: file.name }), {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': file.name.toLowerCase().endsWith('.xlsx') ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv', Accept: 'application/json' },
      body: file,
    });
    const body = (await response.json()) as UploadResult & { code?: string; message?: string };
    if (!response.ok) throw new ApiError(response.status, body.code ?? `HTTP_${response.status}`, body.message ?? response.statusText);
    return body;
  },
};
