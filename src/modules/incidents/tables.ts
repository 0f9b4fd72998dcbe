import type { ColumnType, Generated } from 'kysely';
import type { Flag } from '../../infra/db/values.js';

/** 大类. */
export interface IncidentCategoryMajorTable {
  code: string;
  name: string;
  name_en: string;
  sort: number;
  status: 'active' | 'retired';
  created_at: number;
  updated_at: number;
}

/** 小类: the unit that carries a type, case type, default departments and stage limits. */
export interface IncidentCategoryTable {
  code: string;
  major_code: string;
  name: string;
  name_en: string;
  type: 'component' | 'event';
  case_type: 'immediate' | 'committed' | 'coordinated';
  /** JSON string[]: the first is the suggested lead. */
  department_codes: string;
  /** JSON StageLimits. */
  limits: string;
  status: 'active' | 'retired';
  /** 1: its cases appear on the public map (modules/citizens, docs/citizens.md); defaults to 0. */
  public: ColumnType<Flag, Flag | undefined, Flag>;
  version: number;
  created_at: number;
  updated_at: number;
}

/** The single row (id = 1) of working periods and weekend days. */
export interface WorkCalendarTable {
  id: number;
  /** JSON [[startMinute, endMinute], …]. */
  periods: string;
  /** JSON number[] (0 Sunday … 6 Saturday). */
  weekend_days: string;
  updated_at: number;
}

export interface WorkCalendarYearTable {
  year: number;
  /** JSON 'YYYY-MM-DD'[]. */
  holidays: string;
  /** JSON 'YYYY-MM-DD'[] (调休上班). */
  working_weekends: string;
  source: string;
  updated_at: number;
}

/** The workflow of one case type (rules/workflow.ts); a case type without a row uses the shipped default. */
export interface IncidentWorkflowTable {
  case_type: 'immediate' | 'committed' | 'coordinated';
  self_resolve: 'off' | 'verify' | 'no-verify';
  skip_register_for_grid_worker: number;
  verification_required: number;
  verifier: 'grid' | 'reporter' | 'centre';
  coordination_required: number;
  closer: 'desk' | 'supervisor';
  version: number;
  updated_at: number;
}

/** exchange_import: an open case brought in from another system's exchange file (docs/exchange.md); never reported by hand.
 * cascade_district / cascade_city: a case received from the other platform of a cascade (docs/cascade.md). */
export type IncidentChannel = 'grid_worker' | 'citizen' | 'hotline_12345' | 'operator_phone' | 'operator_walk_in' | 'api' | 'exchange_import' | 'cascade_district' | 'cascade_city';

export interface IncidentTable {
  id: Generated<number>;
  /** Human code: YYYYMMDD (Asia/Shanghai) + daily sequence of at least 4 digits. */
  code: string;
  status: string;
  version: number;
  /** Unit grid (15 digits); community and street are its prefixes. */
  grid_code: string;
  /** WGS84; null when only an address was given. */
  lng: number | null;
  lat: number | null;
  address: string | null;
  description: string;
  channel: IncidentChannel;
  /** The user who entered it (operator, worker, API client). */
  created_by: number | null;
  /** The reporting user, when the reporter is a user. */
  reporter_user_id: number | null;
  /** A citizen reporter's name. */
  reporter_name: string | null;
  /** A citizen's phone, masked (138****5678): personal data, not stored in clear yet. */
  reporter_phone_masked: string | null;
  /** 12345 work order number or the API client's own reference. */
  external_ref: string | null;
  category_code: string | null;
  lead_department_code: string | null;
  /** JSON string[]. */
  co_handler_codes: string;
  reported_at: number;
  register_by: number | null;
  dispatch_by: number | null;
  handle_by: number | null;
  verify_by: number | null;
  /** Deadline of the stage whose clock runs now; null when no clock runs (overdue = due_at < now). */
  due_at: number | null;
  warning: 'none' | 'amber' | 'red';
  /** 'extension' | 'defer' while a request waits for the supervisor. */
  pending_request: string | null;
  urge_count: number;
  rework_count: number;
  return_count: number;
  extension_count: number;
  /** 1 while the stage clock is running and the case is open. */
  is_open: Flag;
  merged_into: number | null;
  closed_at: number | null;
  /** JSON string[] of intake photo ids. */
  photos: string;
  /** JSON of the state machine's IncidentState (the fields not needed for queries live only here). */
  state: string;
  /** Number of timeline events; the next event's seq is event_count + 1. */
  event_count: number;
  updated_at: number;
}

/** Append-only timeline: the source of truth for KPIs. */
export interface IncidentEventTable {
  id: Generated<number>;
  incident_id: number;
  seq: number;
  action: string;
  from_status: string | null;
  to_status: string;
  actor_user_id: number | null;
  actor_role: string | null;
  note: string | null;
  /** JSON string[]. */
  attachments: string;
  /** JSON object. */
  data: string;
  at: number;
}

/** Departments on a case (lead, co-handler, called by escalation), so they see it in their scope. */
export interface IncidentDepartmentTable {
  incident_id: number;
  department_code: string;
  role: 'lead' | 'co' | 'called';
}

/**
 * Each department's part of a dispatched case (联动处置), mirrored from the
 * state's tasks for the queries that need them: a person's assigned cases,
 * a department's parts and their deadlines. Results and photos stay in the
 * state and on the timeline.
 */
export interface IncidentTaskTable {
  incident_id: number;
  department_code: string;
  role: 'lead' | 'co';
  handle_by: number | null;
  status: 'open' | 'replied';
  replied_at: number | null;
  assignee_user_id: number | null;
  assigned_at: number | null;
}

/** Merges and linked reporters. */
export interface IncidentLinkTable {
  id: Generated<number>;
  /** The surviving incident. */
  incident_id: number;
  /** The merged one. */
  linked_incident_id: number;
  kind: 'merged';
  /** JSON: the merged incident's reporter and channel. */
  data: string;
  created_by: number | null;
  created_at: number;
}

export interface IncidentDayCounterTable {
  day: string;
  seq: number;
}

/** Who runs a background job now, on a cluster of nodes. */
export interface JobLeaseTable {
  name: string;
  holder: string;
  expires_at: number;
}

export interface IncidentTables {
  incident_category_majors: IncidentCategoryMajorTable;
  incident_categories: IncidentCategoryTable;
  work_calendar: WorkCalendarTable;
  work_calendar_years: WorkCalendarYearTable;
  incident_workflows: IncidentWorkflowTable;
  incidents: IncidentTable;
  incident_events: IncidentEventTable;
  incident_departments: IncidentDepartmentTable;
  incident_tasks: IncidentTaskTable;
  incident_links: IncidentLinkTable;
  incident_day_counters: IncidentDayCounterTable;
  job_leases: JobLeaseTable;
}
