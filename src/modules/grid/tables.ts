import type { Generated } from 'kysely';
import type { GridLevel } from './rules/codes.js';

export interface GridTable {
  id: Generated<number>;
  /** Fixed-width code; every descendant's code begins with it (scope filters rely on this). */
  code: string;
  level: GridLevel;
  parent_code: string | null;
  name: string;
  /** GeoJSON Polygon or MultiPolygon in WGS84. */
  geometry: string;
  min_lng: number;
  min_lat: number;
  max_lng: number;
  max_lat: number;
  /** Retired grids stay so that old records still resolve. */
  status: 'active' | 'retired';
  /** JSON object of free attributes (responsible people, notes…). */
  attributes: string;
  created_at: number;
  updated_at: number;
  retired_at: number | null;
  version: number;
}

/** What happened to a grid; split and merged rows name the codes on the other side in `related`. */
export type GridChangeKind = 'created' | 'updated' | 'retired' | 'split' | 'merged' | 'renamed' | 'geometry';

/** One change of one grid, in the same transaction as the change (append-only). */
export interface GridHistoryTable {
  id: Generated<number>;
  grid_code: string;
  at: number;
  user_id: number | null;
  username: string | null;
  change_kind: GridChangeKind;
  /** JSON: the changed fields before (null for created). */
  before_state: string | null;
  /** JSON: the changed fields after (null for retired). */
  after_state: string | null;
  /** JSON array of grid codes: successors of a split/merged grid, predecessors of one created from them. */
  related: string;
  /** Import batch or admin action that made the change (e.g. "import:1733…"), to group rows. */
  source: string;
}

export type GridWorkerRole = 'full_time' | 'part_time';

/**
 * Who patrols a grid (网格员, and the "1+4" team members of a community grid).
 * Rows are ended (to_date set), never deleted, so past assignments stay known.
 * A team member without an account (workforce module) has member_id and no
 * user_id; the grid module's own edits touch only rows with a user.
 */
export interface GridWorkerTable {
  id: Generated<number>;
  grid_code: string;
  user_id: number | null;
  /** The workforce team member (team_members.id), when the row was written for one. */
  member_id: number | null;
  role: GridWorkerRole;
  /** 'YYYY-MM-DD', inclusive. */
  from_date: string;
  /** 'YYYY-MM-DD', inclusive; null while current. */
  to_date: string | null;
  created_at: number;
  updated_at: number;
}

/** 专业网格: a department's own partition of the territory (e.g. a utility's service areas). */
export interface DepartmentGridTable {
  id: Generated<number>;
  department_code: string;
  /** Unique within the department. */
  code: string;
  name: string;
  geometry: string;
  min_lng: number;
  min_lat: number;
  max_lng: number;
  max_lat: number;
  status: 'active' | 'retired';
  attributes: string;
  created_at: number;
  updated_at: number;
  version: number;
}

/** What happened to a department grid; rows are appended by imports (append-only). */
export type DepartmentGridChangeKind = 'created' | 'updated' | 'retired' | 'restored';

/** One change of one department grid, written in the import's transaction. */
export interface DepartmentGridHistoryTable {
  id: Generated<number>;
  department_code: string;
  code: string;
  at: number;
  user_id: number | null;
  username: string | null;
  change_kind: DepartmentGridChangeKind;
  /** JSON: the changed fields before (null for created). */
  before_state: string | null;
  /** JSON: the changed fields after. */
  after_state: string | null;
  /** "import:<ms>": groups the rows of one import. */
  source: string;
}

export interface GridTables {
  grids: GridTable;
  grid_history: GridHistoryTable;
  grid_workers: GridWorkerTable;
  department_grids: DepartmentGridTable;
  department_grid_history: DepartmentGridHistoryTable;
}
