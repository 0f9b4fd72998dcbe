import type { Generated } from 'kysely';

/** The caller's new verdict after the revisit (重新满意 or not). */
export type HotlineVerdict = 'satisfied' | 'unsatisfied';

/**
 * One unsatisfied 12345 hotline work order (不满意工单) brought back for a
 * revisit: located to its unit grid and given to that grid's worker, who
 * helps (帮办), answers the caller (反馈) and records the new verdict.
 */
export interface HotlineOrderTable {
  id: Generated<number>;
  /** The hotline system's order number: unique, a re-import updates the row. */
  order_no: string;
  received_at: number;
  /** Encrypted (field cipher), shown masked. */
  caller_name: string | null;
  /** Encrypted (field cipher), shown masked. */
  caller_phone: string | null;
  address: string;
  lng: number | null;
  lat: number | null;
  content: string;
  /** The verdict the caller gave the first time, as the hotline wrote it (e.g. 不满意). */
  original_verdict: string;
  /** Unit grid of the position; null while unlocatable (the centre assigns it by hand). */
  grid_code: string | null;
  /** The grid worker who revisits; null while unassigned. */
  worker_user_id: number | null;
  assigned_at: number | null;
  helped_at: number | null;
  help_note: string | null;
  /** JSON array of uploaded file hashes. */
  help_photos: string;
  answered_at: number | null;
  answer_note: string | null;
  verdict: HotlineVerdict | null;
  version: number;
  created_at: number;
  updated_at: number;
}

export interface HotlineTables {
  hotline_revisits: HotlineOrderTable;
}
