import { api } from '../../shell/api.js';
import { MAP_SETTINGS_PATH, type MapSettings } from './basemap.js';

export type GridLevel = 'district' | 'street' | 'community' | 'unit';

export interface GridListItem {
  code: string;
  name: string;
  level: GridLevel;
  parentCode: string | null;
  status: 'active' | 'retired';
}

export interface GridWorker {
  userId: number;
  username: string;
  displayName: string;
  role: 'full_time' | 'part_time';
  from: string;
  to: string | null;
}

export interface GridCard extends GridListItem {
  chain: Array<{ code: string; name: string; level: GridLevel }>;
  attributes: Record<string, unknown>;
  workers: GridWorker[];
  childCounts: { street: number; community: number; unit: number };
  /** Absent when the user may not read incidents. */
  incidents?: { open: number; overdue: number; last30Days: number };
  bbox: [number, number, number, number];
  labelPoint: [number, number];
  version: number;
  createdAt: string;
  updatedAt: string;
  retiredAt: string | null;
}

export interface GridHistoryItem {
  id: number;
  at: string;
  username: string | null;
  change: 'created' | 'updated' | 'retired' | 'split' | 'merged' | 'renamed' | 'geometry';
  before: unknown;
  after: unknown;
  related: string[];
  source: string;
  geometrySummary?: { areaBeforeM2: number; areaAfterM2: number; verticesBefore: number; verticesAfter: number };
}

export interface WorkerCandidate {
  userId: number;
  username: string;
  displayName: string;
  scopeCode: string;
}

export interface DepartmentSummary {
  code: string;
  name: string;
  gridCount: number;
}

export interface DepartmentFeatureCollection {
  type: 'FeatureCollection';
  features: Array<{ type: 'Feature'; id?: number; properties: { code: string; name: string; department: string; lx: number; ly: number }; geometry: { type: string; coordinates: unknown } }>;
}

export interface MapFeatureProps {
  code: string;
  name: string;
  level: GridLevel;
  parent: string | null;
  lx: number;
  ly: number;
}

export interface MapFeatureCollection {
  type: 'FeatureCollection';
  features: Array<{ type: 'Feature'; id?: number; properties: MapFeatureProps; geometry: { type: string; coordinates: unknown } }>;
}

export interface ImportReport {
  ok: boolean;
  dryRun: boolean;
  partial: boolean;
  applied: boolean;
  counts: { features: number; created: number; updated: number; unchanged: number; retired: number; restored: number };
  problems: Array<{ code: string; featureCode?: string; otherCode?: string; file?: number; index?: number; message: string }>;
  changes: Array<{ code: string; level: GridLevel; kinds: string[]; related?: string[] }>;
}

export const gridApi = {
  settings: () => api.get<MapSettings>(MAP_SETTINGS_PATH),
  geojson: (level: GridLevel) => api.get<MapFeatureCollection>('/api/grids/geojson', { level }),
  search: (q: string) => api.get<{ items: GridListItem[]; total: number }>('/api/grids', { q, pageSize: 20 }),
  card: (code: string) => api.get<GridCard>(`/api/grids/${code}`),
  neighbours: (code: string) => api.get<{ items: GridListItem[] }>(`/api/grids/${code}/neighbours`),
  history: (code: string) => api.get<{ items: GridHistoryItem[]; total: number }>(`/api/grids/${code}/history`, { pageSize: 50 }),
  update: (code: string, body: { version: number; name?: string; attributes?: Record<string, unknown> }) => api.patch<GridCard>(`/api/grids/${code}`, body),
  workerCandidates: (q?: string) => api.get<{ items: WorkerCandidate[] }>('/api/grids/worker-candidates', q ? { q, limit: 100 } : { limit: 100 }),
  setWorkers: (code: string, workers: Array<{ userId: number; role: GridWorker['role'] }>) => api.put<{ items: GridWorker[] }>(`/api/grids/${code}/workers`, { workers }),
  departments: () => api.get<{ items: DepartmentSummary[] }>('/api/grids/departments'),
  departmentGeojson: (department: string) => api.get<DepartmentFeatureCollection>(`/api/grids/departments/${encodeURIComponent(department)}/geojson`),
  import: (files: unknown[], dryRun: boolean, partial: boolean) => api.post<ImportReport>('/api/grids/import', { files, dryRun, partial }),
};
