/** What a citizen may answer when asked about a closed case (满意 / 基本满意 / 不满意). */
export type Verdict = 'satisfied' | 'basically_satisfied' | 'unsatisfied';
export const VERDICTS: readonly Verdict[] = ['satisfied', 'basically_satisfied', 'unsatisfied'];

/** Who gave a rating: the reporter on the follow-up page, or a 12345 caller through the hotline system. */
export type RatingSource = 'citizen' | 'hotline';
export const RATING_SOURCES: readonly RatingSource[] = ['citizen', 'hotline'];

/**
 * One public report (市民上报): the link between a case and its private
 * follow-up token, and what the abuse limits count. The token itself is never
 * stored, only its SHA-256; the client address and phone are kept as keyed
 * hashes (enough to count, not to read back).
 */
export interface CitizenReportTable {
  incident_id: number;
  /** SHA-256 hex of the follow-up token. */
  token_hash: string;
  /** HMAC-SHA-256 hex of the client address (the limit per client). */
  client_hash: string;
  /** HMAC-SHA-256 hex of the normalised phone, when one was given (the limit per phone). */
  phone_hash: string | null;
  /** The proof-of-work challenge this report spent, when it needed one (unique: a challenge is spent once). */
  challenge_id: string | null;
  created_at: number;
}

/** The satisfaction rating of a case: one per case, whoever gives it. */
export interface IncidentRatingTable {
  incident_id: number;
  verdict: Verdict;
  comment: string | null;
  source: RatingSource;
  /** The case's unit grid, channel and lead department, copied when rated (the satisfaction rate groups by them). */
  grid_code: string;
  channel: string;
  department_code: string | null;
  rated_at: number;
}

/** The single row (id = 1) of the key that signs challenges and hashes client addresses and phones. */
export interface CitizenKeyTable {
  id: number;
  secret: string;
  created_at: number;
}

export interface CitizenTables {
  citizen_reports: CitizenReportTable;
  incident_ratings: IncidentRatingTable;
  citizen_keys: CitizenKeyTable;
}
