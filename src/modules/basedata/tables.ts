import type { Generated } from 'kysely';
import type { Flag } from '../../infra/db/values.js';

/**
 * Base data (人、地、物、事、组织). Every row carries the 15-digit code of its
 * unit grid, so the scope filter is a prefix LIKE on `grid_code` and every
 * search index starts with (or contains) it.
 */
export interface BuildingTable {
  id: Generated<number>;
  grid_code: string;
  name: string;
  address: string;
  /** WGS84 */
  lng: number | null;
  lat: number | null;
  floors: number | null;
  created_at: number;
  updated_at: number;
}

export interface EntranceTable {
  id: Generated<number>;
  building_id: number;
  grid_code: string;
  name: string;
}

export type DwellingUse = 'residential' | 'commercial' | 'mixed' | 'other';
export type DwellingOwnership = 'private' | 'public' | 'rental' | 'collective' | 'other';

export interface DwellingTable {
  id: Generated<number>;
  building_id: number;
  entrance_id: number | null;
  grid_code: string;
  room_no: string;
  /** Full address (building address + room), for display and contains-search. */
  address: string;
  area: number | null;
  dwelling_use: DwellingUse;
  ownership: DwellingOwnership;
  created_at: number;
  updated_at: number;
}

export interface HouseholdTable {
  id: Generated<number>;
  /** 户号, unique; imports find households by it. */
  household_no: string;
  grid_code: string;
  dwelling_id: number | null;
  head_resident_id: number | null;
  created_at: number;
  updated_at: number;
}

export type Population = 'registered' | 'floating';

export interface ResidentTable {
  id: Generated<number>;
  grid_code: string;
  name: string;
  /** Pinyin initials of the name (张三丰 → zsf), for search. */
  name_initials: string;
  /** Field-cipher string (infra/crypto/field-cipher.ts); never stored in clear. */
  id_cipher: string;
  /** Keyed hash of the normalized ID number: exact search and the import's upsert key. */
  id_bidx: string;
  birth_date: string;
  sex: 'male' | 'female';
  phone_cipher: string | null;
  phone_bidx: string | null;
  population: Population;
  ethnicity: string | null;
  education: string | null;
  workplace: string | null;
  household_id: number | null;
  /** Relation to the household head (户主, 配偶, 子女…). */
  relation: string | null;
  /** Tags joined by ',' for display; resident_tags is the searchable form. */
  tags: string;
  created_at: number;
  updated_at: number;
  version: number;
}

export interface ResidentTagTable {
  resident_id: number;
  tag: string;
  grid_code: string;
}

export type DwellingRelation = 'owner' | 'tenant' | 'occupant';

/** 人房关联: moving out sets to_date, moving in adds a row, so history stays. */
export interface ResidentDwellingTable {
  id: Generated<number>;
  resident_id: number;
  dwelling_id: number;
  grid_code: string;
  relation: DwellingRelation;
  from_date: string;
  to_date: string | null;
  /** 1 while to_date is null: an indexable "current" flag on both dialects. */
  is_current: Flag;
  created_at: number;
}

export interface PlaceTable {
  id: Generated<number>;
  grid_code: string;
  name: string;
  /** school, market, hospital, small_shop … small_* are the 九小场所 */
  type: string;
  address: string;
  lng: number | null;
  lat: number | null;
  contact_name: string | null;
  created_at: number;
  updated_at: number;
}

export interface PlaceInspectionTable {
  id: Generated<number>;
  place_id: number;
  grid_code: string;
  inspected_at: number;
  inspector_user_id: number | null;
  result: 'pass' | 'issues' | 'fail';
  notes: string;
}

/** A component's condition as last recorded. */
export const COMPONENT_STATUSES = ['ok', 'damaged', 'missing'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export interface ComponentTable {
  id: Generated<number>;
  grid_code: string;
  /** GB/T 30428 style class code, e.g. 0101 manhole cover. */
  class_code: string;
  name: string;
  lng: number;
  lat: number;
  owner_department: string | null;
  status: ComponentStatus;
  created_at: number;
  updated_at: number;
}

export interface OrganizationTable {
  id: Generated<number>;
  grid_code: string;
  name: string;
  /** Unified social credit code, validated and normalized; unique. */
  credit_code: string;
  kind: string;
  address: string;
  legal_person: string | null;
  created_at: number;
  updated_at: number;
}

/** 重点人员: a separate table, readable only with keypersons.read. */
export interface KeyPersonTable {
  id: Generated<number>;
  resident_id: number;
  grid_code: string;
  category: string;
  level: 'low' | 'medium' | 'high';
  notes: string;
  created_at: number;
  updated_at: number;
}

/** 走访 */
export interface VisitTable {
  id: Generated<number>;
  household_id: number;
  grid_code: string;
  visitor_user_id: number;
  visited_at: number;
  summary: string;
  finding: string | null;
  follow_up: string | null;
  incident_id: number | null;
  /** 1 when the finding should become an incident but none could be created yet. */
  pending_incident: Flag;
  created_at: number;
}

export interface ImportJobTable {
  id: Generated<number>;
  kind: 'residents';
  status: 'uploaded' | 'running' | 'paused' | 'done' | 'failed';
  file_name: string;
  /** Stored upload under the data directory. */
  file_path: string;
  /** JSON: target field → source header. */
  mapping: string;
  total_rows: number | null;
  /** Last data row (1-based) whose batch is committed; a resume starts after it. */
  last_row: number;
  ok_rows: number;
  error_rows: number;
  created_by: number | null;
  created_at: number;
  updated_at: number;
  error: string | null;
}

export interface ImportErrorTable {
  id: Generated<number>;
  job_id: number;
  row_no: number;
  code: string;
  message: string;
}

/** Progress of `civicgrid keys rotate`: resumable, idempotent. */
export interface KeyRotationTable {
  id: Generated<number>;
  target: string;
  last_id: number;
  rotated: number;
  started_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** API keys for external systems (data sharing); only the hash is stored. */
export interface BasedataTables {
  buildings: BuildingTable;
  entrances: EntranceTable;
  dwellings: DwellingTable;
  households: HouseholdTable;
  residents: ResidentTable;
  resident_tags: ResidentTagTable;
  resident_dwellings: ResidentDwellingTable;
  places: PlaceTable;
  place_inspections: PlaceInspectionTable;
  components: ComponentTable;
  organizations: OrganizationTable;
  key_persons: KeyPersonTable;
  visits: VisitTable;
  import_jobs: ImportJobTable;
  import_errors: ImportErrorTable;
  key_rotations: KeyRotationTable;
}
