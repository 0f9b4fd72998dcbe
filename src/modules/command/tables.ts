import type { Generated } from 'kysely';
import type { NotificationKind } from './rules/notify.js';

/** One line of a user's bell (docs/work-portal.md): about a case, read or not. */
export interface NotificationTable {
  id: Generated<number>;
  user_id: number;
  kind: NotificationKind;
  incident_id: number;
  incident_code: string;
  /** What produced it ('e:<timeline event id>', 'o:<incident id>:<deadline>', 'f:<field task id>'): one notification per user and source. */
  source_key: string;
  created_at: number;
  read_at: number | null;
}

/** A grid worker sent from the map to verify or inspect a case (docs/field-dispatch.md). */
export interface FieldTaskTable {
  id: Generated<number>;
  incident_id: number;
  user_id: number;
  kind: 'verify' | 'inspect';
  status: 'open' | 'done' | 'cancelled';
  /** Metres from the worker's last fix to the case when sent. */
  distance_m: number | null;
  note: string | null;
  created_by: number;
  created_at: number;
  updated_at: number;
}

export interface CommandTables {
  notifications: NotificationTable;
  field_tasks: FieldTaskTable;
}
