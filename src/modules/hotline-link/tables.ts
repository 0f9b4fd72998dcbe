import type { Generated } from 'kysely';

/**
 * A work order pushed by a 12345 hotline system (docs/api-clients.md): one row
 * per client and external order number, unique, so duplicate pushes make one case.
 */
export interface HotlineOrderTable {
  id: Generated<number>;
  client_id: number;
  external_no: string;
  /** The case made of it; null while the order has no position and waits for an operator to locate it. */
  incident_id: number | null;
  content: string;
  address: string | null;
  /** WGS84, as pushed (converted); null when only an address came. */
  lng: number | null;
  lat: number | null;
  category_hint: string | null;
  /** The order's own deadline set by the 12345 system (UTC ms), kept and shown; not the case's clock. */
  deadline_at: number | null;
  /** Caller's name and phone, field-encrypted (basedata PersonalData); only masked forms leave. */
  caller_name_cipher: string | null;
  caller_phone_cipher: string | null;
  caller_phone_bidx: string | null;
  created_at: number;
  updated_at: number;
}

export interface HotlineLinkTables {
  hotline_orders: HotlineOrderTable;
}
