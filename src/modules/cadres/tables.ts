import type { ColumnType, Generated } from 'kysely';
import type { Flag } from '../../infra/db/values.js';

/** Where a linked cadre comes from: a district department or a street. */
export const CADRE_UNIT_KINDS = ['department', 'street'] as const;
export type CadreUnitKind = (typeof CADRE_UNIT_KINDS)[number];

export const CADRE_VISIT_STATUSES = ['planned', 'done', 'cancelled'] as const;
export type CadreVisitStatus = (typeof CADRE_VISIT_STATUSES)[number];

/** 联点干部: an official paired with communities (群工联点). */
export interface CadreTable {
  id: Generated<number>;
  name: string;
  /** The cadre's staff account, when there is one. */
  user_id: number | null;
  unit_kind: CadreUnitKind;
  /** A department code or a street grid code. */
  unit_code: string;
  title: string;
  /** Home grid for the scope filter: the street's code, or the district's for a department cadre. */
  grid_code: string;
  status: 'active' | 'retired';
  created_at: number;
  updated_at: number;
  version: ColumnType<number, number | undefined, number>;
  /** Deactivation (the cadre left the post): visits stay, the cadre leaves 'who has not visited'. */
  retired_on: ColumnType<string | null, string | null | undefined, string | null>;
  retire_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A cadre's link to a community or unit grid; ended links keep their dates. */
export interface CadreLinkTable {
  id: Generated<number>;
  cadre_id: number;
  grid_code: string;
  from_date: string;
  to_date: string | null;
  /** 1 while to_date is null (indexable on both dialects). */
  is_current: Flag;
  created_at: number;
}

/** 下沉走访: a scheduled visit to a linked grid, then its record. */
export interface CadreVisitTable {
  id: Generated<number>;
  cadre_id: number;
  grid_code: string;
  planned_on: string;
  status: CadreVisitStatus;
  visited_at: number | null;
  record: string | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

/** A problem found on a visit; it may become an incident. */
export interface CadreFindingTable {
  id: Generated<number>;
  visit_id: number;
  grid_code: string;
  description: string;
  incident_id: number | null;
  created_at: number;
}

export interface CadreTables {
  cadres: CadreTable;
  cadre_links: CadreLinkTable;
  cadre_visits: CadreVisitTable;
  cadre_findings: CadreFindingTable;
}
