import { api, apiRequest } from '../../shell/api.js';

export type Unit = 'hours' | 'days';
export interface TimeLimit { amount: number; unit: Unit }
export type Stage = 'register' | 'dispatch' | 'handle' | 'verify';
export const STAGES: readonly Stage[] = ['register', 'dispatch', 'handle', 'verify'];
export type Limits = Record<Stage, TimeLimit>;

export interface Major { code: string; nameZh: string; nameEn: string; sort: number; status: 'active' | 'retired' }
export interface Category {
  code: string;
  majorCode: string;
  nameZh: string;
  nameEn: string;
  type: 'component' | 'event';
  caseType: 'immediate' | 'committed' | 'coordinated';
  departmentCodes: string[];
  limits: Limits;
  status: 'active' | 'retired';
  version: number;
}
export type CategoryFields = Omit<Category, 'code' | 'version'>;

export interface Department { code: string; name: string; nameEn: string; status: 'active' | 'retired'; streetCode: string | null }

export interface CalendarYear { year: number; holidays: string[]; workingWeekends: string[]; source: string }
export interface Calendar { periods: [number, number][]; weekendDays: number[]; years: CalendarYear[] }

export type CaseType = Category['caseType'];
export interface Workflow {
  caseType: CaseType;
  selfResolve: 'off' | 'verify' | 'no-verify';
  skipRegisterForGridWorker: boolean;
  verificationRequired: boolean;
  verifier: 'grid' | 'reporter' | 'centre';
  coordinationRequired: boolean;
  closer: 'desk' | 'supervisor';
  version: number;
}

export interface ImportResult { created: number; updated: number; unchanged: number; majors: number }
/** `list` names the JSON file's list the item is in; the workbook and the CSV number their rows (header = 1). */
export interface ImportRowError { row: number; list?: 'majors' | 'categories'; problems: string[] }

export const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export type CategoryFileFormat = 'xlsx' | 'json' | 'csv';
export const CATEGORY_FILE_FORMATS: readonly CategoryFileFormat[] = ['xlsx', 'json', 'csv'];
const FILE_TYPES: Record<CategoryFileFormat, string> = { xlsx: XLSX_MIME, json: 'application/json', csv: 'text/csv' };

/** A chosen file's form by its name; the server tells any other by its content. */
export function categoryFileFormat(name: string): CategoryFileFormat | null {
  const ext = /\.([a-z]+)$/i.exec(name)?.[1]?.toLowerCase();
  return ext === 'xlsx' || ext === 'json' || ext === 'csv' ? ext : null;
}

export const adminApi = {
  categories: () => api.get<{ majors: Major[]; categories: Category[] }>('/api/incident-categories'),
  createCategory: (code: string, fields: CategoryFields) => api.post<Category>('/api/incident-categories', { code, ...fields }),
  updateCategory: (code: string, fields: CategoryFields, version: number) => api.put<Category>(`/api/incident-categories/${code}`, { ...fields, version }),
  saveMajor: (code: string, body: { nameZh: string; nameEn: string; status: 'active' | 'retired'; sort?: number }) => api.put<Major>(`/api/incident-categories/majors/${code}`, body),
  exportUrl: (format: CategoryFileFormat) => `/api/incident-categories/export?format=${format}`,
  publicCategories: () => api.get<{ items: { code: string; public: boolean }[] }>('/api/incident-categories/public'),
  setCategoryPublic: (code: string, on: boolean) => api.put<{ code: string; public: boolean }>(`/api/incident-categories/${code}/public`, { public: on }),
  importCategories: (file: Blob, format: CategoryFileFormat | null) =>
    apiRequest<ImportResult>('POST', '/api/incident-categories/import', undefined, { raw: file, headers: { 'Content-Type': format ? FILE_TYPES[format] : 'application/octet-stream' } }),

  calendar: () => api.get<Calendar>('/api/incident-calendar'),
  saveCalendarYear: (year: number, holidays: string[], workingWeekends: string[]) =>
    api.put<Calendar>(`/api/incident-calendar/years/${year}`, { holidays, workingWeekends }),

  workflows: () => api.get<{ workflows: Workflow[] }>('/api/incident-workflows'),
  saveWorkflow: ({ caseType, ...body }: Workflow) => api.put<Workflow>(`/api/incident-workflows/${caseType}`, body),

  departments: () => api.get<{ items: Department[] }>('/api/departments', { includeRetired: 'true' }),
  createDepartment: (body: { code: string; name: string; nameEn: string; streetCode: string | null }) => api.post<Department>('/api/departments', body),
  updateDepartment: (code: string, body: { name: string; nameEn: string; streetCode: string | null }) => api.put<Department>(`/api/departments/${code}`, body),
  setDepartmentStatus: (code: string, status: 'active' | 'retired') => api.post<Department>(`/api/departments/${code}/status`, { status }),
};
