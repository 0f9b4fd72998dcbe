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

export interface ApiClientTables {
  api_clients: ApiClientTable;
  api_client_usage: ApiClientUsageTable;
}
