import type { Generated } from 'kysely';

/** An external system allowed to call the platform with an API key (docs/api-clients.md). */
export interface ApiClientTable {
  id: Generated<number>;
  name: string;
  /** Public part of the key, used to find the row; the secret is stored only as SHA-256. */
  key_prefix: string;
  key_hash: string;
  /** JSON array of API scopes (API_CLIENT_SCOPES). */
  scopes: string;
  /** The grid node whose data the client may see or touch. */
  scope_code: string;
  /** JSON array of answer fields for data sharing (SHARE_FIELDS). */
  fields: string;
  rate_per_minute: number;
  status: 'active' | 'revoked';
  created_at: number;
  updated_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
}

/** Calls per client, Shanghai day and scope: the usage chart. */
export interface ApiClientUsageTable {
  client_id: number;
  day: string;
  scope: string;
  calls: number;
}

/** A bulk verification job (数据共享 批量核验): a file of ID numbers checked for one share client. */
export interface ShareJobTable {
  id: Generated<number>;
  client_id: number;
  /** The console user who uploaded on the client's behalf; null when the client uploaded by API. */
  created_by: number | null;
  file_name: string;
  /** The upload (clear ID numbers): deleted once the job has run. */
  file_path: string | null;
  /** The result CSV (masked numbers only). */
  result_path: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  total_rows: number;
  found: number;
  not_found: number;
  invalid: number;
  error_code: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/**
 * One checked row of a job: the number's blind index (never the number) and
 * its outcome, so each check is traceable; the job's audit entry points here.
 */
export interface ShareJobRecordTable {
  job_id: number;
  row_no: number;
  id_bidx: string | null;
  outcome: 'found' | 'not_found' | 'invalid';
  community_code: string | null;
}

export interface ApiClientTables {
  api_clients: ApiClientTable;
  api_client_usage: ApiClientUsageTable;
  share_jobs: ShareJobTable;
  share_job_records: ShareJobRecordTable;
}
