export interface AuditLogTable {
  /** Position in the hash chain, assigned under the audit_head row lock. */
  seq: number;
  at: number;
  user_id: number | null;
  username: string | null;
  ip: string | null;
  action: string;
  object_type: string | null;
  object_id: string | null;
  result: 'success' | 'failure';
  /** JSON object. */
  details: string;
  prev_hash: string;
  hash: string;
  /** The HMAC key that linked this record (kept outside the database); null for records from before the chain was keyed. */
  key_id: string | null;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface AuditTables {
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  /** Same shape as the head: the last pruned record. */
  audit_anchor: AuditHeadTable;
}
