/** One stored client retry key (DESIGN.md "Promises": a retried create has exactly one effect). */
export interface IdempotencyKeyTable {
  /** The operation the key belongs to, e.g. 'POST /api/incidents'. */
  operation: string;
  user_id: number;
  /** The client's Idempotency-Key header value. */
  idem_key: string;
  /** sha256 of the canonical JSON of the request payload. */
  request_hash: string;
  status: 'in_flight' | 'done';
  response_status: number | null;
  /** JSON of the first response body, replayed on retry. */
  response_body: string | null;
  created_at: number;
  completed_at: number | null;
}

export interface IdempotencyTables {
  idempotency_keys: IdempotencyKeyTable;
}
