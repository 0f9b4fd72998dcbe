import type { Generated } from 'kysely';

/** The module's settings (one row, id 1): JSON validated by settings.ts. */
export interface WorkforceSettingsTable {
  id: number;
  settings: string;
  version: number;
  updated_at: number;
}

/** A role a "1+4" team member can hold (网格长, 专职网格员, 兼职网格员, 警务助理, 楼栋长…): data an administrator edits. */
export interface TeamRoleTable {
  code: string;
  name: string;
  name_en: string;
  /** Which kind of patrol assignment (grid_workers.role) a member in this role gets. */
  kind: 'full_time' | 'part_time';
  sort: number;
  status: 'active' | 'retired';
  created_at: number;
  updated_at: number;
}

/** A community grid's team ("1+4"): one per community. */
export interface TeamTable {
  id: Generated<number>;
  community_code: string;
  name: string;
  /** JSON rota (rules/rota.ts Rota with shifts as minutes): the team's weekly pattern. */
  rota: string;
  created_at: number;
  updated_at: number;
  version: number;
}

/**
 * A member of a team, with or without an account. Members are ended
 * (to_date), never deleted. The unit grids a member patrols are rows of
 * grid_workers: by user_id for a member with an account, by member_id for
 * one without.
 */
export interface TeamMemberTable {
  id: Generated<number>;
  team_id: number;
  user_id: number | null;
  /** The name shown for a member without an account (an account's display name wins). */
  name: string;
  role_code: string;
  /** JSON rota of this member alone, or null for the team's. */
  rota: string | null;
  from_date: string;
  to_date: string | null;
  created_at: number;
  updated_at: number;
  version: number;
}

/** One date's change to a team's rota, for one member or (member_id null) the whole team. */
export interface RotaExceptionTable {
  id: Generated<number>;
  team_id: number;
  member_id: number | null;
  date: string;
  /** Minutes after midnight; both null for a day off. */
  shift_start: number | null;
  shift_end: number | null;
  note: string;
  created_by: number | null;
  created_at: number;
}

export type LeaveKind = 'annual' | 'sick' | 'personal' | 'compensatory' | 'other';
export type LeaveStatus = 'pending' | 'approved' | 'refused' | 'cancelled';

/** A leave request (请假): asked by the worker (or filed by a supervisor), decided by the team's supervisor. */
export interface LeaveRequestTable {
  id: Generated<number>;
  /** The client's UUID (retries answer the first result). */
  client_id: string;
  user_id: number;
  team_id: number;
  /** The team's community, for scope filters. */
  community_code: string;
  kind: LeaveKind;
  from_date: string;
  to_date: string;
  reason: string;
  status: LeaveStatus;
  requested_by: number;
  requested_at: number;
  decided_by: number | null;
  decided_at: number | null;
  decision_note: string | null;
  updated_at: number;
  version: number;
}

/** A patrol (巡查): started and stopped on the worker's phone; its points are in track_points. */
export interface PatrolTable {
  id: Generated<number>;
  /** The client's UUID, the id the API speaks. */
  client_id: string;
  user_id: number;
  /** The worker's first unit grid at the start, for scope filters. */
  grid_code: string;
  started_at: number;
  ended_at: number | null;
  /** 'worker' (the phone stopped it) or 'auto' (left open, closed when the next one started). */
  end_reason: 'worker' | 'auto' | null;
  start_lng_e6: number | null;
  start_lat_e6: number | null;
  /** Computed by rules/track.ts when the patrol ends (and again when late points arrive). */
  distance_m: number;
  point_count: number;
  last_point_at: number | null;
  received_at: number;
  stop_received_at: number | null;
  updated_at: number;
}

/**
 * One GPS fix of a patrol, keyed (and clustered, so a patrol's points are
 * read in one range) by (patrol_id, at). Compact: integer microdegrees and
 * epoch ms.
 */
export interface TrackPointTable {
  patrol_id: number;
  at: number;
  lng_e6: number;
  lat_e6: number;
  accuracy_m: number | null;
  received_at: number;
}

/** A clock-in or clock-out (打卡), accepted only inside or near one of the worker's grids. */
export interface ClockRecordTable {
  id: Generated<number>;
  client_id: string;
  user_id: number;
  kind: 'in' | 'out';
  at: number;
  lng_e6: number;
  lat_e6: number;
  accuracy_m: number | null;
  /** The grid the position was inside (or nearest, within the tolerance). */
  grid_code: string;
  distance_m: number;
  received_at: number;
}

export interface WorkforceTables {
  workforce_settings: WorkforceSettingsTable;
  team_roles: TeamRoleTable;
  teams: TeamTable;
  team_members: TeamMemberTable;
  rota_exceptions: RotaExceptionTable;
  leave_requests: LeaveRequestTable;
  patrols: PatrolTable;
  track_points: TrackPointTable;
  clock_records: ClockRecordTable;
}
