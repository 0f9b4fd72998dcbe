import { api, withQuery } from '../../shell/api.js';
import type { Incident, TimelineEvent } from '../incidents/api.js';

/** An archived case (存档库): read-only, found by its code. */
export interface ArchivedCase {
  archived: true;
  archivedAt: string;
  incident: Incident;
  reporterUserName: string | null;
  mergedIntoCode: string | null;
  timeline: TimelineEvent[];
  links: { kind: string; code: string | null; at: string }[];
}

export interface ArchivePage {
  items: (Incident & { archived: true })[];
  more: boolean;
  truncated: boolean;
  page: number;
  pageSize: number;
}

export const archiveApi = {
  byCode: (code: string) => api.get<ArchivedCase>(`/api/archive/incidents/${encodeURIComponent(code)}`),
  search: (q: string, page: number, pageSize: number) => api.get<ArchivePage>(withQuery('/api/archive/incidents', { q, page, pageSize })),
};
