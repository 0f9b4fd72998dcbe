import type { Generated } from 'kysely';
import type { ReportKind } from './rules/periods.js';

export type ReportStatus = 'queued' | 'running' | 'done' | 'failed';

/** One generated (or queued) report: a kind, a period, a grid scope, and its files under <dataDir>/reports. */
export interface ReportTable {
  id: Generated<number>;
  kind: ReportKind;
  /** '2026-W48', '2026-11', '2026-Q4' (rules/periods.ts). */
  period_key: string;
  period_from: string;
  period_to: string;
  /** Grid code of the district or of one street. */
  scope_code: string;
  trigger: 'schedule' | 'demand';
  /** kind|period|scope for scheduled reports, so two nodes or two runs make one; null on demand (each request its own). */
  schedule_key: string | null;
  status: ReportStatus;
  /** 0–100. */
  progress: number;
  /** A message code (messages.ts) when failed. */
  error: string | null;
  requested_by: number | null;
  /** Which node runs it; with updated_at, lets another node take over a run whose node died. */
  runner: string | null;
  xlsx_size: number | null;
  pdf_size: number | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface ReportTables {
  reports: ReportTable;
}
