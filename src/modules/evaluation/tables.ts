import type { FeedCursorTables } from '../../infra/feed/cursor.js';

/** One case as the statistics store last saw it (rules/rollup.ts CaseTrack). */
export interface StatCaseTable {
  incident_id: number;
  last_seq: number;
  /** JSON CaseTrack. */
  track: string;
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
}

/**
 * The same sums per report day × street × department: the district and street
 * overview and the rankings read this (a few rows a day) instead of the
 * fine rollup (about one row per case a day).
 */
export interface StatStreetDailyTable extends Omit<StatDailyTable, 'grid_code' | 'category_code' | 'channel'> {
  street_code: string;
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
  stat_worker_daily: StatWorkerDailyTable;
}
