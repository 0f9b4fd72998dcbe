import type { Generated } from 'kysely';
import type { LivelihoodSource, LivelihoodStatus } from './rules/state.js';

/**
 * 民生实事: one row from the need a resident, a visit or a meeting raised to
 * the project done; the status follows rules/state.ts.
 */
export interface LivelihoodNeedTable {
  id: Generated<number>;
  /** Community or unit grid the need belongs to: the scope key. */
  grid_code: string;
  title: string;
  description: string;
  source: LivelihoodSource;
  /** Who or what raised it: a resident's name, a meeting's title. */
  source_ref: string | null;
  resident_id: number | null;
  cadre_visit_id: number | null;
  /** The joint meeting decision that made this need (meeting_decisions.id); its status follows the need. */
  meeting_decision_id: number | null;
  status: LivelihoodStatus;
  /** Why it was rejected or accepted. */
  reason: string | null;
  owner: string | null;
  owner_department_code: string | null;
  /** In fen (1/100 yuan). */
  budget_cents: number | null;
  deadline: string | null;
  progress: number;
  collected_at: number;
  assessed_at: number | null;
  approved_at: number | null;
  done_at: number | null;
  created_by: number | null;
  updated_at: number;
  version: number;
}

/** A progress update (or the completion note), with photos from the file service. */
export interface LivelihoodUpdateTable {
  id: Generated<number>;
  need_id: number;
  grid_code: string;
  percent: number;
  note: string;
  /** JSON array of file hashes. */
  photos: string;
  created_by: number | null;
  created_at: number;
}

export const SATISFACTION = ['satisfied', 'basic', 'unsatisfied'] as const;
export type Satisfaction = (typeof SATISFACTION)[number];

/** Residents' feedback on a done project. */
export interface LivelihoodFeedbackTable {
  id: Generated<number>;
  need_id: number;
  grid_code: string;
  resident_name: string;
  satisfaction: Satisfaction;
  comment: string;
  created_by: number | null;
  created_at: number;
}

export interface LivelihoodTables {
  livelihood_needs: LivelihoodNeedTable;
  livelihood_updates: LivelihoodUpdateTable;
  livelihood_feedback: LivelihoodFeedbackTable;
}
