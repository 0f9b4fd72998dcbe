/**
 * The archive store's tables (存档库, docs/archive.md). Each holds the rows of
 * its business table for archived cases, keyed as there (incident id, event
 * id), so copying a case again replaces it instead of doubling it.
 */

/** One archived case: the columns its lookups and searches filter on, and the whole business row as JSON. */
export interface ArchiveIncidentTable {
  id: number;
  code: string;
  status: string;
  grid_code: string;
  category_code: string | null;
  lead_department_code: string | null;
  channel: string;
  description: string;
  address: string | null;
  reported_at: number;
  closed_at: number | null;
  updated_at: number;
  /** JSON of the `incidents` row as it was when copied. */
  business_row: string;
  /** The text index tokens (incidents/rules/search-tokens.ts), as the business index held them. */
  tokens: string;
  /** 0 while copied but not yet deleted from the business store (a move in flight or cut short), 1 once moved. */
  moved: number;
  archived_at: number;
}

export interface ArchiveIncidentEventTable {
  id: number;
  incident_id: number;
  seq: number;
  action: string;
  from_status: string | null;
  to_status: string;
  actor_user_id: number | null;
  actor_role: string | null;
  note: string | null;
  attachments: string;
  data: string;
  at: number;
}

export interface ArchiveIncidentDepartmentTable {
  incident_id: number;
  department_code: string;
  role: string;
}

export interface ArchiveIncidentLinkTable {
  id: number;
  incident_id: number;
  linked_incident_id: number;
  kind: string;
  data: string;
  created_by: number | null;
  created_at: number;
}

export interface ArchiveIncidentFileTable {
  incident_id: number;
  hash: string;
  event_seq: number;
  kind: string;
  created_at: number;
  /** Released to the public map by an operator (1) or not (0). */
  public: number;
}

export interface ArchiveTables {
  archive_incidents: ArchiveIncidentTable;
  archive_incident_events: ArchiveIncidentEventTable;
  archive_incident_departments: ArchiveIncidentDepartmentTable;
  archive_incident_links: ArchiveIncidentLinkTable;
  archive_incident_files: ArchiveIncidentFileTable;
}
