import { api, ApiError, withQuery, type Page } from '../../shell/api.js';

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
  /** The number of the resident's household (shown instead of its id). */
  householdNo: string | null;
  dwellings: DwellingLink[];
  /** Absent without keypersons.read in the resident's scope; null when the resident is not a key person. */
  keyPerson?: KeyPersonInput | null;
}

export interface Visit {
  id: number;
  householdId: number;
  gridCode: string;
  visitorUserId: number;
  visitorName: string | null;
  visitedAt: string;
  summary: string;
  finding: string | null;
  followUp: string | null;
  incidentId: number | null;
  /** Code of the incident the finding became. */
  incidentCode: string | null;
  /** The finding should have become an incident but none could be created. */
  pendingIncident: boolean;
}

export interface VisitInput {
  visitedAt?: string;
  summary: string;
  finding?: string;
  followUp?: string;
  createIncident: boolean;
  categoryCode?: string;
}

export type InspectionResult = 'pass' | 'issues' | 'fail';

export interface Place {
  id: number;
  gridCode: string;
  name: string;
  type: string;
  address: string;
  lng: number | null;
  lat: number | null;
  contactName: string | null;
  lastInspectedAt: string | null;
}

export interface PlaceInput {
  gridCode: string;
  name: string;
  type: string;
  address?: string;
  lng?: number | null;
  lat?: number | null;
  contactName?: string | null;
}

export interface Inspection {
  id: number;
  inspectedAt: string;
  inspectorUserId: number | null;
  inspectorName: string | null;
  result: InspectionResult;
  notes: string;
}

export interface PlaceView {
  place: Place;
  inspections: Inspection[];
}

export interface CityComponent {
  id: number;
  gridCode: string;
  classCode: string;
  name: string;
  lng: number;
  lat: number;
  ownerDepartment: string | null;
  /** ok, damaged or missing. */
  status: string;
}

export type ComponentStatus = 'ok' | 'damaged' | 'missing';

export interface ComponentInput {
  gridCode: string;
  classCode: string;
  name: string;
  lng: number;
  lat: number;
  ownerDepartment?: string | null;
}

export interface Organization {
  id: number;
  gridCode: string;
  name: string;
  creditCode: string;
  kind: string;
  address: string;
  legalPerson: string | null;
}

export interface OrganizationInput {
  gridCode: string;
  name: string;
  creditCode: string;
  kind: string;
  address?: string;
  legalPerson?: string | null;
}

export type KeyPersonLevel = 'low' | 'medium' | 'high';

export interface KeyPersonInput {
  category: string;
  level: KeyPersonLevel;
  notes: string;
}

export interface KeyPerson extends KeyPersonInput {
  id: number;
  resident: Resident;
}

/** Paging of the lists of places, components, organizations and key persons. */
export interface PageQuery {
  page: number;
  pageSize: number;
}

/** An edit: only the fields present change. */
export type PlacePatch = Partial<PlaceInput>;
export type ComponentPatch = Partial<ComponentInput> & { status?: ComponentStatus };
export type OrganizationPatch = Partial<OrganizationInput>;

export interface BuildingInput {
  gridCode: string;
  name: string;
  address: string;
  floors: number | null;
  lng: number | null;
  lat: number | null;
}

export type DwellingUse = 'residential' | 'commercial' | 'mixed' | 'other';
export type DwellingOwnership = 'private' | 'public' | 'rental' | 'collective' | 'other';

export interface DwellingInput {
  roomNo: string;
  area: number | null;
  use: DwellingUse;
  ownership: DwellingOwnership;
}

export interface ResidentInput {
  gridCode: string;
  name: string;
  idNumber: string;
  phone: string | null;
  population: 'registered' | 'floating';
  ethnicity: string | null;
  education: string | null;
  workplace: string | null;
  householdId: number | null;
  relation: string | null;
  tags: string[];
}

export interface BuildingView {
  building: { id: number; gridCode: string; name: string; address: string; floors: number | null; lng: number | null; lat: number | null };
  entrances: { id: number; name: string }[];
  dwellings: { id: number; entranceId: number | null; roomNo: string; address: string; area: number | null; use: string; ownership: string; occupants: { id: number; name: string; relation: string }[] }[];
}

export interface DwellingView {
  dwelling: { id: number; buildingId: number; gridCode: string; roomNo: string; address: string; area: number | null; use: DwellingUse; ownership: DwellingOwnership };
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
  createBuilding: (body: BuildingInput) => api.post<{ id: number }>('/api/buildings', body),
  updateBuilding: (id: number, body: Partial<BuildingInput>) => api.patch<void>(`/api/buildings/${id}`, body),
  createDwelling: (body: DwellingInput & { buildingId: number; entrance?: string | null }) => api.post<{ id: number }>('/api/dwellings', body),
  updateDwelling: (id: number, body: Partial<DwellingInput>) => api.patch<void>(`/api/dwellings/${id}`, body),
  createHousehold: (body: { householdNo: string; gridCode: string; dwellingId?: number | null }) => api.post<{ id: number }>('/api/households', body),
  updateHousehold: (id: number, body: { householdNo?: string; dwellingId?: number | null; headResidentId?: number | null }) => api.patch<void>(`/api/households/${id}`, body),
  createResident: (body: ResidentInput) => api.post<{ id: number }>('/api/residents', body),
  updateResident: (id: number, body: Partial<Omit<ResidentInput, 'idNumber' | 'householdId'>> & { version: number }) => api.patch<void>(`/api/residents/${id}`, body),
  visits: (householdId: number) => api.get<Visit[]>(`/api/households/${householdId}/visits`),
  recordVisit: (householdId: number, body: VisitInput) => api.post<Visit>(`/api/households/${householdId}/visits`, body),
  places: (q: PageQuery & { gridCode?: string; type?: string }) => api.get<Page<Place>>('/api/places', { ...q }),
  place: (id: number) => api.get<PlaceView>(`/api/places/${id}`),
  createPlace: (body: PlaceInput) => api.post<{ id: number }>('/api/places', body),
  updatePlace: (id: number, body: PlacePatch) => api.patch<void>(`/api/places/${id}`, body),
  inspect: (placeId: number, body: { result: InspectionResult; notes: string }) => api.post<{ id: number }>(`/api/places/${placeId}/inspections`, body),
  components: (q: PageQuery & { gridCode?: string; classCode?: string }) => api.get<Page<CityComponent>>('/api/components', { ...q }),
  createComponent: (body: ComponentInput) => api.post<{ id: number }>('/api/components', body),
  updateComponent: (id: number, body: ComponentPatch) => api.patch<void>(`/api/components/${id}`, body),
  organizations: (q: PageQuery & { gridCode?: string; q?: string }) => api.get<Page<Organization>>('/api/organizations', { ...q }),
  createOrganization: (body: OrganizationInput) => api.post<{ id: number }>('/api/organizations', body),
  updateOrganization: (id: number, body: OrganizationPatch) => api.patch<void>(`/api/organizations/${id}`, body),
  keyPersons: (q: PageQuery & { gridCode?: string }) => api.get<Page<KeyPerson>>('/api/key-persons', { ...q }),
  setKeyPerson: (residentId: number, body: KeyPersonInput) => api.put<{ id: number }>(`/api/residents/${residentId}/key-person`, body),
  /** Grids by name or code prefix, for the grid code fields (needs grid.read). */
  grids: (q: string, level?: 'unit') => api.get<{ items: { code: string; name: string }[]; total: number }>('/api/grids', { level, q, pageSize: 20 }),
  /** Departments, for a component's owner (needs incidents.read). */
  departments: () => api.get<{ items: { code: string; name: string; nameEn: string }[] }>('/api/departments'),
  /** Incident categories, for a visit finding reported as an incident (needs incidents.read). */
  incidentCategories: () =>
    api.get<{ categories: { code: string; nameZh: string; nameEn: string; status: 'active' | 'retired' }[] }>('/api/incident-categories'),
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
