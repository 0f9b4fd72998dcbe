import type { Generated } from 'kysely';

export type CampaignStatus = 'draft' | 'pushed' | 'closed';
export type TargetType = 'place' | 'household' | 'resident';

/** 中心工作: a checklist or survey pushed to grids, filled per target by the grid workers. */
export interface CampaignTable {
  id: Generated<number>;
  title: string;
  description: string | null;
  target_type: TargetType;
  /** JSON string[]: for places, the place types that are targets (empty: every place). */
  place_types: string;
  /** JSON Question[] (rules/questions.ts). */
  questions: string;
  /** The grid node that owns it (street or district): who may edit, push and close it. */
  owner_code: string;
  /** Category of the incidents that findings become (null: the desk classifies them). */
  category_code: string | null;
  deadline_at: number;
  status: CampaignStatus;
  version: number;
  created_by: number | null;
  created_at: number;
  pushed_at: number | null;
  closed_at: number | null;
  updated_at: number;
}

/** The grid nodes a campaign is pushed to (a street, communities or unit grids); its targets are the base data rows under them. */
export interface CampaignGridTable {
  campaign_id: number;
  grid_code: string;
}

/** One filled form: a target's answers, by a grid worker. */
export interface CampaignResponseTable {
  id: Generated<number>;
  campaign_id: number;
  target_id: number;
  /** The target's unit grid (copied, so progress and scope need no join). */
  grid_code: string;
  /** JSON Record<questionKey, answer>. */
  answers: string;
  problem: number;
  problem_note: string | null;
  incident_id: number | null;
  filled_by: number | null;
  filled_at: number;
  updated_at: number;
}

/** A photo answer: which target's which question shows the stored file, under the target's unit grid. */
export interface CampaignResponsePhotoTable {
  campaign_id: number;
  target_id: number;
  question_key: string;
  hash: string;
  grid_code: string;
  created_at: number;
}

export interface CampaignTables {
  campaigns: CampaignTable;
  campaign_grids: CampaignGridTable;
  campaign_responses: CampaignResponseTable;
  campaign_response_photos: CampaignResponsePhotoTable;
}
