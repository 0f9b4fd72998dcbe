import type { Generated } from 'kysely';

/**
 * Another CivicGrid platform this one exchanges cases with (docs/cascade.md):
 * the city above (`parent`, at most one) or a district below (`child`).
 * Outgoing calls go to `base_url` with the peer's key for us; incoming calls
 * come with the key of our API client `client_id` (scope `cascade`).
 */
export interface CascadePeerTable {
  id: Generated<number>;
  role: 'parent' | 'child';
  name: string;
  base_url: string;
  /** The key the other platform gave us, sealed with the field cipher (it must be sent, so it cannot be a hash). */
  key_cipher: string;
  /** Our API client whose key the other platform calls us with. */
  client_id: number;
  status: 'active' | 'disabled';
  created_at: number;
  updated_at: number;
}

/**
 * One case shared with a peer. `sender`: this platform sent it out (reported
 * up or sent down) and waits for the result; `receiver`: this platform got it
 * and handles it. Each side keeps its own code; `peer_code` is the other's.
 */
export interface CascadeLinkTable {
  id: Generated<number>;
  incident_id: number;
  peer_id: number;
  role: 'sender' | 'receiver';
  /** The other platform's case code; null on the sender until the receiver acknowledged. */
  peer_code: string | null;
  /** The other platform's status of its case, as last told. */
  peer_status: string | null;
  /** pending (not yet acknowledged), linked, closed (result received or sent), returned (refused by the other side), failed (refused for good). */
  status: 'pending' | 'linked' | 'closed' | 'returned' | 'failed';
  /** Highest message sequence applied from the peer for this link: replays at or below it change nothing. */
  last_seq_in: number;
  /** Sequence of the last message queued to the peer for this link. */
  last_seq_out: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
}

/** Messages to peers, written in the transaction of the change they carry and sent in order per link until acknowledged. */
export interface CascadeOutboxTable {
  id: Generated<number>;
  link_id: number;
  seq: number;
  kind: 'case' | 'status' | 'result' | 'return';
  /** JSON body sent as is. */
  payload: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export interface CascadeTables {
  cascade_peers: CascadePeerTable;
  cascade_links: CascadeLinkTable;
  cascade_outbox: CascadeOutboxTable;
}
