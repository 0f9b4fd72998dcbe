import type { Flag } from '../../infra/db/values.js';

/** One row per generator step ('incidents'): its parameters and how far it got. */
export interface DemoProgressTable {
  name: string;
  /** JSON of the parameters (seed, scale, months, until): a resume must use the same. */
  params: string;
  /** The last local day ('YYYY-MM-DD') fully written. */
  last_day: string | null;
  /** For steps that walk keys instead of days (the base data records: the last unit grid code written). */
  last_key: string | null;
  incidents: number;
  events: number;
  finished: Flag;
  updated_at: number;
}

export interface DemoTables {
  demo_progress: DemoProgressTable;
}
