import type { Generated } from 'kysely';
import type { FeedCursorTables } from '../../infra/feed/cursor.js';

/** One case as the statistics store last saw it (rules/rollup.ts CaseTrack). */
export interface StatCaseTable {
  incident_id: number;
  last_seq: number;
  /** JSON CaseTrack. */
  track: string;
  /** The case's cohort (report day, unit grid, lead department) and DRILL_MEASURES flags, for drilling a figure to its cases. */
  day: string;
  grid_code: string;
  department_code: string;
  flags: number;
}

/** Rollup per report day (Asia/Shanghai) × unit grid × minor category × department × channel; '' where none. */
export interface StatDailyTable {
  day: string;
  grid_code: string;
  category_code: string;
  department_code: string;
  channel: string;
  reported: number;
  registered: number;
  due: number;
  dispatched: number;
  closed: number;
  closed_on_time: number;
  overdue: number;
  reworked: number;
  returned: number;
  deferred: number;
  self_resolved: number;
  urged: number;
  handled: number;
  handling_ms: number;
  /** Co-handler parts (联动处置) counted for the co-handling department: dispatched, replied, on time, late. */
  parts: number;
  parts_replied: number;
  parts_on_time: number;
  parts_overdue: number;
}

/**
 * The same sums per report day × street × department: the district and street
 * overview and the rankings read this (a few rows a day) instead of the
 * fine rollup (about one row per case a day).
 */
export interface StatStreetDailyTable extends Omit<StatDailyTable, 'grid_code' | 'category_code' | 'channel'> {
  street_code: string;
}

/** The same sums per report day × district × department: the district overview and the department rankings read this. */
export interface StatDistrictDailyTable extends Omit<StatDailyTable, 'grid_code' | 'category_code' | 'channel'> {
  district_code: string;
}

/** Sums per report day × unit grid × grid worker (user id as text): reports, self-resolves, verifications (docs/kpis.md). */
export interface StatWorkerDailyTable {
  day: string;
  grid_code: string;
  user_id: string;
  reported: number;
  self_resolved: number;
  verified: number;
  verified_on_time: number;
  verify_ms: number;
}

/** The statistics store's tables: its own database (ADR 0009), with the feed cursor of its consumer. */
export interface StatsTables extends FeedCursorTables {
  stat_cases: StatCaseTable;
  stat_daily: StatDailyTable;
  stat_street_daily: StatStreetDailyTable;
  stat_district_daily: StatDistrictDailyTable;
  stat_worker_daily: StatWorkerDailyTable;
}

/** One version of an assessment scheme (督查考核方案) for departments or streets; a save adds a version, none is edited. */
export interface AssessmentSchemeTable {
  id: Generated<number>;
  subject: 'department' | 'street';
  version: number;
  /** JSON rules/assessment.ts SchemeDefinition. */
  definition: string;
  created_at: number;
  created_by: number | null;
}

/** A month or quarter being assessed: pinned to a scheme version when opened; frozen with its results when closed. */
export interface AssessmentPeriodTable {
  id: Generated<number>;
  subject: 'department' | 'street';
  /** 'YYYY-MM' or 'YYYY-Qn'. */
  period: string;
  scheme_id: number;
  status: 'open' | 'closed';
  opened_at: number;
  opened_by: number | null;
  closed_at: number | null;
  closed_by: number | null;
  /** JSON snapshot of the results at close; null while open. */
  results: string | null;
  version: number;
}

/** A supervisor's score of one manual item for one unit in one period, with evidence. */
export interface AssessmentScoreTable {
  id: Generated<number>;
  period_id: number;
  indicator_key: string;
  /** Department code or street grid code. */
  unit_code: string;
  score: number;
  note: string;
  /** JSON string[] of stored file hashes (infra/files). */
  attachments: string;
  entered_by: number | null;
  entered_at: number;
}

/** The assessment tables of the business store. */
export interface AssessmentTables {
  assessment_schemes: AssessmentSchemeTable;
  assessment_periods: AssessmentPeriodTable;
  assessment_scores: AssessmentScoreTable;
}
